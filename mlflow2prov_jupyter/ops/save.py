"""Save documents in one or more formats, atomically (docs/prov-model.md#operations)."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..core.errors import Mlflow2ProvError, OptionError, OutputError, OutputExistsError
from ..core.provdoc import ProvDoc
from .formats import WRITE_FORMATS, Format, check_available, get_format


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
        for content, _ in rendered:
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

    prov_cache: dict[int, Any] = {}
    contents = [(p, render(doc_list[i], f, prov_cache)) for p, i, f in targets]
    written: list[Path] = []
    for p, content in contents:
        write_atomic(p, content)
        written.append(p)
    return written


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


def render(doc: ProvDoc, fmt: Format, prov_cache: dict[int, Any] | None = None) -> str | bytes:
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
                return pdoc.serialize(format=fmt.prov_format, **fmt.options)
        from prov.dot import prov_to_dot

        with warnings.catch_warnings():
            # A child run's start (#20) names its starter, never a trigger; prov's drawing warns once per
            # such relation and draws it through a blank node to the starter, which is what we want.
            warnings.filterwarnings("ignore", message=r".* has no value for prov:trigger; drawing the relation")
            dot = prov_to_dot(pdoc)
        if fmt.name == "dot":
            return dot.to_string()
        return dot.create_svg()
    except Mlflow2ProvError:
        raise
    except Exception as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise OutputError(f"cannot write {label} as {fmt.name}: {reason}") from None


def write_atomic(path: Path, content: str | bytes, mode: int | None = None) -> None:
    """Write ``content`` to ``path`` through a temp file in its folder and ``os.replace``; the temp file
    (created 0600) is removed on any failure. ``mode`` defaults to the replaced file's, else the umask's."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    mode = _target_mode(path) if mode is None else mode
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def _target_mode(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


__all__ = ["save", "output_paths", "render", "write_atomic"]
