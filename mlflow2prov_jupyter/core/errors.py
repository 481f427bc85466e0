"""Error and warning types whose message is one line that names the problem and the fix.

Every message is made public on creation (:func:`~.redact.public_line`: no credentials, no control
characters), whichever part of the package raises it.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from .redact import public_line

#: Exit code of a command that completed but could not read part of its sources (see :class:`IncompleteWarning`).
EXIT_INCOMPLETE = 4


class Mlflow2ProvError(Exception):
    """Base class: `str(err)` is a single user-facing line; the CLI prints it and exits non-zero."""

    exit_code = 1

    def __init__(self, *args: Any) -> None:
        if args and isinstance(args[0], str):
            args = (public_line(args[0]), *args[1:])
        super().__init__(*args)


class IncompleteWarning(UserWarning):
    """A run, file or artifact listing that could not be read: the rest was extracted, the damaged part is
    marked ``m2p:incomplete`` in the document, and the CLI exits with :data:`EXIT_INCOMPLETE`."""


def warn_incomplete(message: str, stacklevel: int = 3) -> None:
    """Emit an :class:`IncompleteWarning` whose text is made public first."""
    warnings.warn(public_line(message), IncompleteWarning, stacklevel=stacklevel)


class WarningReport:
    """What :func:`one_line_warnings` saw: the lines shown and whether a source was read incompletely."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.incomplete = False


@contextmanager
def one_line_warnings(echo: Callable[[str], None]) -> Iterator[WarningReport]:
    """Show every warning raised inside the block as one line ``Warning: <message>`` through ``echo``
    (not Python's ``file:line: Category: message`` plus source line); the report says what was shown."""
    report = WarningReport()

    def show(message: Any, category: type, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
        text = f"Warning: {public_line(message)}"
        report.lines.append(text)
        if issubclass(category, IncompleteWarning):
            report.incomplete = True
        echo(text)

    with warnings.catch_warnings():
        warnings.simplefilter("always", IncompleteWarning)
        warnings.showwarning = show
        yield report


class SourceError(Mlflow2ProvError):
    """A Git repository or MLflow tracking store that cannot be read."""

    #: The library exception behind it, where the reader keeps it (damaged run data or an unreachable store).
    original: Exception | None = None


class OptionError(Mlflow2ProvError):
    """An option value that is not allowed."""

    exit_code = 2


class DocumentFormatError(Mlflow2ProvError):
    """A file that is not a readable PROV document in any of the formats tried."""


class DocumentNotFoundError(DocumentFormatError):
    """A document path given to ``load`` that does not exist or is not a readable file."""


class OutputError(Mlflow2ProvError):
    """An output location that cannot be written (missing folder, existing file, missing format extra)."""


class OutputExistsError(OutputError):
    """An output file that already exists and ``overwrite`` was not given."""


class FormatUnavailableError(OutputError):
    """A format whose optional dependency (a prov extra or the Graphviz ``dot`` binary) is missing."""


class MergeConflictError(Mlflow2ProvError):
    """Documents that cannot be merged: records sharing an identifier with incompatible kinds or formal values.

    ``conflicts`` is a list of dicts ``{identifier, kind, attribute, values, documents}`` (``documents``:
    0-based positions of the documents holding the clashing records); :meth:`lines` gives one line each.
    """

    exit_code = 3

    def __init__(self, conflicts: list[dict[str, Any]]):
        self.conflicts = list(conflicts)
        n = len(self.conflicts)
        first = self.lines()[0] if n else "no conflict"
        more = f" (and {n - 1} more)" if n > 1 else ""
        super().__init__(
            f"cannot merge: {n} conflict{'s' if n != 1 else ''}, first: {first}{more}; "
            "fix the inputs or merge with on_conflict='first'"
        )

    def lines(self) -> list[str]:
        """One line per conflict: identifier, kind, attribute and each document's value."""
        out = []
        for c in self.conflicts:
            pairs = zip(c.get("values", ()), c.get("documents", ()))
            vals = " vs ".join(f"{_fmt_conflict_value(v)} (document {d})" for v, d in pairs)
            out.append(public_line(f"{c.get('identifier')} ({c.get('kind')}): {c.get('attribute')} differs: {vals}"))
        return out


def _fmt_conflict_value(v: object) -> str:
    iso = getattr(v, "isoformat", None)
    text = iso() if callable(iso) else str(v)
    return " ".join(text.split())[:120]
