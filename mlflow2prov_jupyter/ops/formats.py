"""The document formats ``load`` and ``save`` know: names, file extensions, prov options, required extras."""

from __future__ import annotations

import importlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import FormatUnavailableError, OptionError


@dataclass(frozen=True)
class Format:
    """One document format.

    ``prov_format`` is the name prov's serializer registry uses (None: not through prov's serializers),
    ``options`` the keyword options passed to prov (e.g. ``rdf_format``), ``modules`` the Python modules it
    needs and ``extra`` the pip extra that installs them; ``binary`` an executable it needs on the PATH.
    """

    name: str
    extension: str
    prov_format: str | None
    options: dict[str, Any] = field(default_factory=dict)
    modules: tuple[str, ...] = ()
    extra: str | None = None
    binary: str | None = None
    readable: bool = True
    writable: bool = True


_RDF = ("rdflib",)
FORMATS: dict[str, Format] = {
    "json": Format("json", ".json", "json"),
    # PROV-JSON under the extension JupyterLab opens as a graph (the extension's file type).
    "provjson": Format("provjson", ".provjson", "json"),
    "xml": Format("xml", ".xml", "xml", modules=("lxml",), extra="prov[xml]"),
    "rdf": Format("rdf", ".trig", "rdf", {"rdf_format": "trig"}, _RDF, "prov[rdf]"),
    "turtle": Format("turtle", ".ttl", "rdf", {"rdf_format": "turtle"}, _RDF, "prov[rdf]"),
    "nt": Format("nt", ".nt", "rdf", {"rdf_format": "nt"}, _RDF, "prov[rdf]"),
    "rdf-xml": Format("rdf-xml", ".rdf", "rdf", {"rdf_format": "xml"}, _RDF, "prov[rdf]"),
    "provn": Format("provn", ".provn", "provn"),
    "jsonld": Format("jsonld", ".jsonld", "jsonld"),
    "dot": Format("dot", ".dot", None, modules=("pydot",), extra="prov[dot]", readable=False),
    "svg": Format("svg", ".svg", None, modules=("pydot",), extra="prov[dot]", binary="dot", readable=False),
}

# Other spellings accepted for a format name.
ALIASES: dict[str, str] = {
    "prov-json": "json",
    "provx": "xml",
    "prov-xml": "xml",
    "trig": "rdf",
    "ttl": "turtle",
    "n-triples": "nt",
    "ntriples": "nt",
    "rdfxml": "rdf-xml",
    "rdf/xml": "rdf-xml",
    "prov-n": "provn",
    "json-ld": "jsonld",
}

# File extension → format (docs/prov-model.md#operations).
EXTENSIONS: dict[str, str] = {
    ".json": "json",
    ".provjson": "provjson",
    ".jsonld": "jsonld",
    ".xml": "xml",
    ".provx": "xml",
    ".trig": "rdf",
    ".ttl": "turtle",
    ".nt": "nt",
    ".rdf": "rdf-xml",
    ".provn": "provn",
    ".dot": "dot",
    ".svg": "svg",
}

# Formats tried, in this order, when neither a format nor a known extension is given (prov.read's order,
# then RDF/XML, which prov's detection does not find).
DETECTION_ORDER: tuple[str, ...] = ("json", "rdf", "provn", "xml", "jsonld", "rdf-xml")
# The formats ``load`` and ``save`` accept by name.
READ_FORMATS = tuple(n for n, f in FORMATS.items() if f.readable)
WRITE_FORMATS = tuple(n for n, f in FORMATS.items() if f.writable)


def get_format(name: str, *, purpose: str = "write") -> Format:
    """The :class:`Format` called ``name`` (case-insensitive, aliases allowed); unknown → :class:`OptionError`."""
    key = str(name).strip().lower()
    key = ALIASES.get(key, key)
    fmt = FORMATS.get(key)
    allowed = READ_FORMATS if purpose == "read" else WRITE_FORMATS
    if fmt is None or fmt.name not in allowed:
        raise OptionError(f"unknown {purpose} format {name!r}; use one of: {', '.join(allowed)}")
    return fmt


def format_for_path(path: str | Path) -> Format | None:
    """The format a file extension names (``.json``, ``.trig``, …), or None for an unknown extension."""
    name = EXTENSIONS.get(Path(path).suffix.lower())
    return FORMATS[name] if name else None


def check_available(fmt: Format) -> None:
    """Raise :class:`FormatUnavailableError` (one line) if a module or binary ``fmt`` needs is missing."""
    for module in fmt.modules:
        try:
            importlib.import_module(module)
        except ImportError:
            raise FormatUnavailableError(
                f"format {fmt.name} needs the Python package {module}; install it with: pip install '{fmt.extra}'"
            ) from None
    if fmt.binary and shutil.which(fmt.binary) is None:
        raise FormatUnavailableError(
            f"format {fmt.name} needs the Graphviz '{fmt.binary}' program; install Graphviz "
            "(e.g. apt-get install graphviz) or save as 'dot' instead"
        )


__all__ = [
    "Format",
    "FORMATS",
    "ALIASES",
    "EXTENSIONS",
    "DETECTION_ORDER",
    "READ_FORMATS",
    "WRITE_FORMATS",
    "get_format",
    "format_for_path",
    "check_available",
]
