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

    def __init__(self, conflicts: list[dict]):
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
            out.append(f"{c.get('identifier')} ({c.get('kind')}): {c.get('attribute')} differs: {vals}")
        return out


def _fmt_conflict_value(v: object) -> str:
    iso = getattr(v, "isoformat", None)
    text = iso() if callable(iso) else str(v)
    return " ".join(text.split())[:120]
