"""Save documents in one or more formats, atomically (docs/prov-model.md#operations).

Every file is rendered in memory, written to a temporary file beside its target (``.<name>.<pid>-<random>.m2p.tmp``)
and, once all of them are written, moved into place: with ``overwrite`` by ``os.replace``, else by a hard link
that fails if the target exists (two saves to one path: exactly one wins, the other gets "already exists").
A SIGTERM while writing removes the temporaries before the process ends; temporaries a killed save left
behind (their process is gone) are removed by the next save to that folder.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import signal
import stat
import sys
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from ..core.errors import Mlflow2ProvError, OptionError, OutputError, OutputExistsError
from ..core.provdoc import ProvDoc
from .formats import WRITE_FORMATS, Format, check_available, get_format

if TYPE_CHECKING:
    from prov.model import ProvDocument


def save(
    docs: ProvDoc | Sequence[ProvDoc],
    output: str | os.PathLike[str],
    formats: str | Iterable[str] = ("json",),
    overwrite: bool = False,
) -> list[Path]:
    """Write every document in every format; return the paths written (empty for stdout).

    One document → ``<output>.<ext>``; n > 1 → ``<output>-1.<ext>`` … ``<output>-n.<ext>`` (an ``output``
    ending in the extension of a requested format has it removed first). ``output="-"`` writes to stdout.
    Formats: json, xml, rdf (``.trig``; also turtle, nt, rdf-xml), provn, jsonld, dot, svg (needs Graphviz).
    Before anything is written, the extras of every format and every target are checked: an existing
    file without ``overwrite`` raises :class:`OutputExistsError`, a missing folder :class:`OutputError`.
    Each file is written to a temporary file in the target folder and moved into place.
    """
    doc_list = [docs] if isinstance(docs, ProvDoc) else list(docs)
    if not doc_list:
        raise OptionError("nothing to save: no documents were given")
    for d in doc_list:
        if not isinstance(d, ProvDoc):
            raise OptionError(f"cannot save a {type(d).__name__}: save takes ProvDoc documents")
    names = [formats] if isinstance(formats, str) else list(formats)
    if not names:
        raise OptionError(f"no output format given; use one of {', '.join(WRITE_FORMATS)}")
    fmts: list[Format] = []
    for n in names:
        f = get_format(n, purpose="write")
        if f not in fmts:
            fmts.append(f)
    for f in fmts:
        check_available(f)

    if str(output) == "-":
        rendered = [(render(d, f), f) for d in doc_list for f in fmts]
        try:
            _write_stdout([content for content, _ in rendered])
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(f"cannot write to standard output: {exc.strerror or exc}") from None
        return []

    if Path(output).is_dir():
        raise OutputError(f"output {output} is a folder; give a path without extension such as {Path(output) / 'prov'}")
    targets = output_paths(output, len(doc_list), fmts)
    folder = targets[0][0].parent
    if not folder.is_dir():
        raise OutputError(f"output folder {folder} does not exist; create it or choose another output path")
    existing = [p for p, _, _ in targets if p.exists() or p.is_symlink()]
    for p in existing:
        if p.is_dir():
            raise OutputError(f"output {p} is a folder; choose another output path")
    if existing and not overwrite:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise OutputExistsError(f"output file {existing[0]} already exists{more}; use overwrite to replace it")

    prov_cache: dict[int, ProvDocument] = {}
    contents = [(p, render(doc_list[i], f, prov_cache)) for p, i, f in targets]
    install_files(contents, overwrite=overwrite)
    return [p for p, _ in contents]


def _write_stdout(contents: list[str | bytes]) -> None:
    for content in contents:
        if isinstance(content, bytes) and hasattr(sys.stdout, "buffer"):
            sys.stdout.flush()
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        else:
            if isinstance(content, bytes):  # a text-only stdout (a notebook's): json and svg are UTF-8
                content = content.decode("utf-8")
            sys.stdout.write(content)
            if not content.endswith("\n"):
                sys.stdout.write("\n")
    sys.stdout.flush()


def output_paths(output: str | os.PathLike[str], n: int, fmts: Sequence[Format]) -> list[tuple[Path, int, Format]]:
    """The (path, document index, format) of every file ``save`` writes, in writing order."""
    out = Path(output)
    if out.suffix.lower() in {f.extension for f in fmts}:
        out = out.with_suffix("")
    base = out.name
    if not base or base in (".", ".."):
        raise OutputError(f"output {output} names no file; give a path such as out/prov")
    result = []
    for i in range(n):
        stem = f"{base}-{i + 1}" if n > 1 else base
        for f in fmts:
            result.append((out.with_name(stem + f.extension), i, f))
    return result


#: What an empty document is written as in the line-based RDF formats (rdflib writes nothing at all).
EMPTY_RDF_MARK = "# an empty PROV document\n"
EMPTY_RDF_MARKED = ("trig", "turtle", "nt")


def render(doc: ProvDoc, fmt: Format, prov_cache: dict[int, ProvDocument] | None = None) -> str | bytes:
    """The serialization of ``doc`` in ``fmt`` (text; bytes for json and svg)."""
    if fmt.prov_format == "json":  # json and provjson: our own codec
        return doc.to_json_bytes() + b"\n"
    label = f"document {doc.name}" if doc.name else "the document"
    try:
        pdoc = None if prov_cache is None else prov_cache.get(id(doc))
        if pdoc is None:
            pdoc = doc.to_prov()
            if prov_cache is not None:
                prov_cache[id(doc)] = pdoc
        if fmt.prov_format is not None:
            with warnings.catch_warnings():
                # rdflib's own notes (e.g. "NTSerializer always uses UTF-8") are not the user's concern
                warnings.filterwarnings("ignore", module="rdflib")
                text = pdoc.serialize(format=fmt.prov_format, **fmt.options)
            assert text is not None  # prov returns the text when given no destination
            if fmt.options.get("rdf_format") in EMPTY_RDF_MARKED and not text.strip():
                text = EMPTY_RDF_MARK  # else a blank file, which load refuses as no document at all
            return text
        from prov.dot import prov_to_dot

        with warnings.catch_warnings():
            # A child run's start (#20) names its starter, never a trigger; prov's drawing warns once per
            # such relation and draws it through a blank node to the starter, which is what we want.
            warnings.filterwarnings("ignore", message=r".* has no value for prov:trigger; drawing the relation")
            dot = prov_to_dot(pdoc)
        if fmt.name == "dot":
            return dot.to_string()
        return dot.create(format="svg")  # what pydot's generated create_svg() calls
    except Mlflow2ProvError:
        raise
    except Exception as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise OutputError(f"cannot write {label} as {fmt.name}: {reason}") from None


def write_atomic(path: Path, content: str | bytes, mode: int | None = None, overwrite: bool = True) -> None:
    """Write one file through a temporary beside it (see :func:`install_files`); ``mode`` defaults to the
    replaced file's, else the umask's."""
    install_files([(Path(path), content)], overwrite=overwrite, mode=mode)


def install_files(items: Sequence[tuple[Path, str | bytes]], overwrite: bool, mode: int | None = None) -> None:
    """Write every ``(path, content)`` to a temporary beside it, then move them all into place.

    Nothing is replaced unless every temporary was written (a full disk changes no file). Without
    ``overwrite`` each target is created exclusively: if one exists, the files this call created are
    removed again and :class:`OutputExistsError` names it. Errors are one line naming the user's path.
    """
    for folder in dict.fromkeys(Path(p).parent for p, _ in items):
        remove_stale_temporaries(folder)
    with _temporaries() as temps:
        for path, content in items:
            data = content.encode("utf-8") if isinstance(content, str) else content
            temps.write(Path(path), data, _target_mode(Path(path)) if mode is None else mode)
        placed: list[Path] = []
        for (path, _), tmp in zip(items, temps.paths):
            path = Path(path)
            try:
                if overwrite:
                    os.replace(tmp, path)
                else:
                    _create_from(tmp, path)
            except FileExistsError:
                _remove(placed)
                raise OutputExistsError(f"output file {path} already exists; use overwrite to replace it") from None
            except OSError as exc:
                if not overwrite:
                    _remove(placed)
                    raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
                done = f"; already replaced: {', '.join(map(str, placed))}" if placed else "; no file was replaced"
                raise OutputError(f"cannot replace {path}: {exc.strerror or exc}{done}") from None
            placed.append(path)


def _create_from(tmp: str, path: Path) -> None:
    """Give the written temporary ``tmp`` the name ``path`` only if no such file exists (FileExistsError)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS):
            raise
        # A file system without hard links: reserve the name exclusively, then move the content onto it.
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def _remove(paths: Iterable[Path | str]) -> None:
    for p in paths:
        try:
            os.unlink(p)
        except OSError:
            pass


# ----------------------------------------------------------------------------------------- temporaries
TEMP_SUFFIX = ".m2p.tmp"
_TEMP_NAME = re.compile(r"^\..+\.(\d+)-[0-9a-f]{16}" + re.escape(TEMP_SUFFIX) + "$")


class _Temporaries:
    """The temporaries of one save: created 0600 (then given their mode), removed when the save ends."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def write(self, path: Path, data: bytes, mode: int) -> None:
        tmp = str(path.parent / f".{path.name}.{os.getpid()}-{secrets.token_hex(8)}{TEMP_SUFFIX}")
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        self.paths.append(tmp)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, mode)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None

    def remove(self) -> None:
        _remove(p for p in self.paths if os.path.lexists(p))


class _Terminated(BaseException):
    """Raised by the SIGTERM handler while temporaries exist, so that they are removed on the way out."""


@contextmanager
def _temporaries() -> Iterator[_Temporaries]:
    """Temporaries removed when the block ends (those moved into place are gone already); a SIGTERM
    meanwhile removes them and then ends the process as the signal would have."""
    temps = _Temporaries()
    previous: Any = None
    handled = threading.current_thread() is threading.main_thread()
    if handled:

        def on_term(signum: int, frame: Any) -> None:
            raise _Terminated()

        try:
            previous = signal.signal(signal.SIGTERM, on_term)
        except (ValueError, OSError):  # not the main interpreter
            handled = False
    try:
        yield temps
    except _Terminated:
        temps.remove()
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
        handled = False
        os.kill(os.getpid(), signal.SIGTERM)  # now handled as it would have been without us
        raise SystemExit(128 + signal.SIGTERM) from None  # the previous handler returned: leave anyway
    finally:
        temps.remove()
        if handled:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporaries of saves whose process no longer runs (killed mid-write); returns them."""
    removed: list[Path] = []
    try:
        names = [n for n in os.listdir(folder) if n.endswith(TEMP_SUFFIX)]
    except OSError:
        return removed
    for name in names:
        m = _TEMP_NAME.match(name)
        if m is None or _running(int(m.group(1))):
            continue
        p = Path(folder) / name
        try:
            os.unlink(p)
            removed.append(p)
        except OSError:
            pass
    return removed


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, owned by someone else
        return True
    return True


def _target_mode(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


__all__ = ["save", "output_paths", "render", "write_atomic", "install_files", "remove_stale_temporaries"]
