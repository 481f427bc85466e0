"""Load a PROV document from a file or stdin into a :class:`ProvDoc` (docs/prov-model.md#operations)."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import sys
import warnings
from pathlib import Path
from typing import IO, Any

from ..core.errors import DocumentFormatError, DocumentNotFoundError
from ..core.gcpause import without_gc
from ..core.provdoc import ProvDoc
from ..core.redact import one_line
from .formats import DETECTION_ORDER, FORMATS, Format, check_available, format_for_path, get_format
from .names import canonicalize


@without_gc  # builds many small acyclic records: see core/gcpause
def load(source: str | os.PathLike[str] | IO[Any], format: str | None = None) -> ProvDoc:
    """Read one PROV document.

    ``source`` is a path, ``"-"`` for stdin (read whole first) or an open stream. ``format`` is one of
    json, xml, rdf (TriG; also turtle, nt, rdf-xml), provn, jsonld; without it the file extension decides,
    else every format is tried in the order json, rdf, provn, xml, jsonld, rdf-xml. The document's ``name``
    is the file stem. Every failure raises :class:`DocumentFormatError` (a missing file
    :class:`DocumentNotFoundError`) with a one-line message naming the file and the formats tried.
    """
    data, label, stem, suffix_fmt = _read_source(source)
    if format is not None:
        try:
            fmt = get_format(format, purpose="read")
        except Exception as exc:
            raise DocumentFormatError(_line(f"cannot read {label}: {exc}")) from None
        candidates = [fmt]
    elif suffix_fmt is not None and suffix_fmt.readable:
        candidates = [suffix_fmt]
    else:
        candidates = [FORMATS[n] for n in DETECTION_ORDER]
    explicit = len(candidates) == 1
    reasons: list[str] = []
    for fmt in candidates:
        try:
            doc = _parse(data, fmt, detecting=not explicit)
        except _NotThisFormat as exc:
            reasons.append(f"{fmt.name}: {exc}")
            continue
        except DocumentFormatError as exc:
            if explicit:
                raise DocumentFormatError(_line(f"cannot read {label} as {fmt.name}: {exc}")) from None
            reasons.append(f"{fmt.name}: {exc}")
            continue
        doc.name = stem
        return doc
    tried = ", ".join(f.name for f in candidates)
    raise DocumentFormatError(
        _line(
            f"cannot read {label}: not a PROV document in any of the formats tried ({tried}); "
            "check the file or give its format"
        )
    )


_CAUSE_LIMIT = 200  # characters of a library's message quoted in ours


class _NotThisFormat(Exception):
    pass


_BREAKS = {ord(c): repr(c)[1:-1] for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}


def _line(text: str) -> str:
    """``text`` with every line break escaped, so an error message stays on one line."""
    return text.translate(_BREAKS)


def _read_source(source: Any) -> tuple[bytes, str, str | None, Format | None]:
    """The whole input as bytes, a label for messages, the document name and the format its suffix names."""
    if hasattr(source, "read"):
        try:
            raw = source.read()
        except Exception as exc:  # a stream that cannot be read
            raise DocumentFormatError(f"cannot read the input stream: {one_line(exc, _CAUSE_LIMIT)}") from None
        name = getattr(source, "name", None)
        label = str(name) if isinstance(name, str) else "the input stream"
        data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        stem = Path(name).stem if isinstance(name, str) and not name.startswith("<") else None
        return data, label, stem, format_for_path(name) if isinstance(name, str) else None
    if not isinstance(source, (str, os.PathLike)):
        raise DocumentFormatError(
            f"cannot load {type(source).__name__!r}: give a file path, '-' for stdin or an open file"
        )
    if str(source) == "-":
        stream = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else sys.stdin
        try:
            raw = stream.read()
        except Exception as exc:
            raise DocumentFormatError(f"cannot read standard input: {one_line(exc, _CAUSE_LIMIT)}") from None
        data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        return data, "standard input", "stdin", None
    path = Path(source)
    if not path.exists():
        raise DocumentNotFoundError(_line(f"document {path} does not exist; check the path"))
    if not path.is_file():
        raise DocumentNotFoundError(_line(f"document {path} is not a file; give the path of a PROV document"))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentNotFoundError(
            _line(f"cannot read document {path}: {exc.strerror or one_line(exc, _CAUSE_LIMIT)}")
        ) from None
    return data, str(path), path.stem, format_for_path(path)


def _parse(data: bytes, fmt: Format, *, detecting: bool) -> ProvDoc:
    """Parse ``data`` as ``fmt``; any library exception becomes :class:`DocumentFormatError`."""
    if fmt.prov_format == "json":  # json and provjson: our own codec
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DocumentFormatError("not UTF-8 text") from None
        try:
            return ProvDoc.from_json(text)
        except DocumentFormatError:
            raise
        except RecursionError:
            raise DocumentFormatError("JSON nested too deeply") from None
        except Exception as exc:
            raise DocumentFormatError(one_line(exc, _CAUSE_LIMIT)) from None
    try:
        check_available(fmt)
    except Exception as exc:
        raise DocumentFormatError(one_line(exc, _CAUSE_LIMIT)) from None
    if fmt.prov_format is None:  # dot and svg: drawings, never read (not in READ_FORMATS)
        raise DocumentFormatError(f"{fmt.name} documents cannot be read; give a PROV document")
    from prov.model import ProvDocument

    rdflib_logger = logging.getLogger("rdflib")
    level = rdflib_logger.level
    if detecting:
        rdflib_logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                document = ProvDocument.deserialize(source=io.BytesIO(data), format=fmt.prov_format, **fmt.options)
            except RecursionError:
                raise DocumentFormatError("document nested too deeply") from None
            except Exception as exc:
                raise DocumentFormatError(one_line(exc, _CAUSE_LIMIT)) from None
        if not (document.get_records() or document.has_bundles()) and (detecting or not _empty_document(data, fmt)):
            raise _NotThisFormat("no PROV records found")
        try:
            doc = ProvDoc.from_prov(document)
            if fmt.prov_format == "rdf":
                doc = canonicalize(doc)
        except Exception as exc:
            raise DocumentFormatError(one_line(exc, _CAUSE_LIMIT)) from None
    finally:
        if detecting:
            rdflib_logger.setLevel(level)
    for w in caught:  # the chosen candidate's warnings reach the caller
        if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning)):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return doc


def _empty_document(data: bytes, fmt: Format) -> bool:
    """Whether ``data`` (which parsed as ``fmt`` without any PROV record) is an empty document written on
    purpose, as ``save`` writes one, rather than blank or foreign content: a ``prov:document`` root, a
    ``document … endDocument`` block, an empty ``@graph``, or RDF text without any statement."""
    text = data.decode("utf-8", "replace").strip()
    if not text:
        return False
    if fmt.prov_format == "xml":
        return re.search(r"<(\w+:)?document\b[^>]*xmlns(:\w+)?=\"http://www\.w3\.org/ns/prov#\"", text) is not None
    if fmt.prov_format == "provn":
        return re.fullmatch(r"document\b.*\bendDocument", text, re.DOTALL) is not None
    if fmt.prov_format == "jsonld":
        try:
            value = json.loads(text)
        except ValueError:
            return False
        return isinstance(value, dict) and value.get("@graph") == []
    if fmt.prov_format == "rdf":
        import rdflib

        try:
            graph = rdflib.Dataset()
            graph.parse(data=text, format=fmt.options.get("rdf_format", "trig"))
        except Exception:  # noqa: BLE001 - not RDF after all
            return False
        return len(graph) == 0 and not any(True for _ in graph.quads((None, None, None, None)))
    return False


__all__ = ["load"]
