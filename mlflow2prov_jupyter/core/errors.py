"""Error types whose message is one line that names the problem and the fix."""

from __future__ import annotations


class Mlflow2ProvError(Exception):
    """Base class: `str(err)` is a single user-facing line; the CLI prints it and exits non-zero."""

    exit_code = 1


class SourceError(Mlflow2ProvError):
    """A Git repository or MLflow tracking store that cannot be read."""


class OptionError(Mlflow2ProvError):
    """An option value that is not allowed."""

    exit_code = 2


class DocumentFormatError(Mlflow2ProvError):
    """A file that is not a readable PROV document in any of the formats tried."""
