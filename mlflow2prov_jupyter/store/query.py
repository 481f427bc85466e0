"""SPARQL over a store: SELECT → a table (text, CSV, JSON, DataFrame), CONSTRUCT → a PROV document.

A query is SPARQL text, a ``.rq`` file, or the name of a ready query shipped in ``store/queries/``
(:func:`ready_queries`). Parameters become a trailing ``VALUES`` block binding each name to a string,
so the same query text works on the embedded store and on any SPARQL 1.1 server. Queries see the union
of the store's graphs (the catalogue included, so results can name each thing's project).
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any, Iterable

from ..core.errors import OptionError
from ..core.namespaces import PREFIXES, PROV, XSD
from ..core.provdoc import ProvDoc
from .backends import Backend, StoreError, as_backend
from .provo import RDFS, _Names, _value, decode_triples

_COMPACT = {**PREFIXES, "prov": PROV, "xsd": XSD, "rdfs": RDFS}


def ready_queries() -> dict[str, str]:
    """Name → text of the queries shipped with the package."""
    folder = resources.files(__package__).joinpath("queries")
    return {
        p.name[:-3]: p.read_text(encoding="utf-8")
        for p in sorted(folder.iterdir(), key=lambda p: p.name)
        if p.name.endswith(".rq")
    }


def ready_query_help() -> str:
    """One line per ready query: its name and the first line of its comment."""
    lines = []
    for name, text in ready_queries().items():
        first = next((ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("#")), "")
        lines.append(f"{name}: {first}")
    return "\n".join(lines)


def query_text(query: str) -> str:
    """SPARQL text from a ready query name, a .rq file path, or the text itself."""
    q = str(query).strip()
    if not q:
        raise OptionError(
            "query needs SPARQL text, a .rq file or a ready query name (" + ", ".join(ready_queries()) + ")"
        )
    ready = ready_queries()
    if q in ready:
        return ready[q]
    if q.endswith((".rq", ".sparql")) and "\n" not in q:
        if not os.path.isfile(q):
            raise OptionError(f"query file {q} does not exist; ready queries: {', '.join(ready)}")
        with open(q, encoding="utf-8") as fh:
            return fh.read()
    if not any(w in q.upper() for w in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")):
        raise OptionError(f"{q[:60]!r} is neither SPARQL nor a ready query; ready queries: {', '.join(ready)}")
    return q


def with_params(text: str, params: dict[str, str] | Iterable[str] | None) -> str:
    """The query with ``name=value`` parameters bound by a trailing VALUES block (values are strings)."""
    if not params:
        return text
    pairs = params.items() if isinstance(params, dict) else (_split_param(p) for p in params)
    block = []
    for name, value in pairs:
        if not name.isidentifier():
            raise OptionError(f"parameter name {name!r} must be a SPARQL variable name such as digest")
        block.append((name, json.dumps(str(value), ensure_ascii=False)))
    names = " ".join(f"?{n}" for n, _ in block)
    vals = " ".join(v for _, v in block)
    return f"{text.rstrip()}\nVALUES ({names}) {{ ({vals}) }}\n"


def _split_param(p: str) -> tuple[str, str]:
    name, sep, value = str(p).partition("=")
    if not sep:
        raise OptionError(f"parameter {p!r} must be NAME=VALUE, e.g. digest=53e13291")
    return name.strip(), value


@dataclass
class Table:
    """A SELECT result: column names and rows of plain Python values."""

    columns: list[str]
    rows: list[list[Any]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r)) for r in self.rows]

    def to_text(self, format: str = "table") -> str:
        if format == "json":
            return json.dumps(self.records(), indent=2, default=str, ensure_ascii=False)
        if format == "csv":
            out = io.StringIO()
            w = csv.writer(out, lineterminator="\n")
            w.writerow(self.columns)
            w.writerows([["" if v is None else str(v) for v in r] for r in self.rows])
            return out.getvalue()
        lines = ["\t".join(self.columns)] + ["\t".join("" if v is None else str(v) for v in r) for r in self.rows]
        lines.append(f"({len(self.rows)} rows)")
        return "\n".join(lines)

    def to_dataframe(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)


def _plain(term: Any, names: _Names) -> Any:
    if term is None:
        return None
    cls = type(term).__name__
    if cls == "NamedNode":
        return names.qname(term.value)
    if cls == "BlankNode":
        return "_:" + term.value
    v = _value(term, names)
    if isinstance(v, datetime):
        return v.isoformat()
    return v if isinstance(v, (str, int, float, bool)) else str(v)


def run_query(
    store: str | Backend, query: str, params: dict[str, str] | Iterable[str] | None = None
) -> Table | ProvDoc | bool:
    """Run a query: SELECT → :class:`Table`, CONSTRUCT/DESCRIBE → :class:`ProvDoc`, ASK → bool."""
    backend = as_backend(store)
    text = with_params(query_text(query), params)
    try:
        result = backend.query(text)
    except (SyntaxError, ValueError) as exc:
        raise OptionError(f"the query is not valid SPARQL: {str(exc).splitlines()[0][:200]}") from None
    except OSError as exc:
        raise StoreError(f"store {backend.label} failed the query: {str(exc).splitlines()[0][:200]}") from None
    names = _Names(dict(_COMPACT))
    cls = type(result).__name__
    if cls == "QueryBoolean":
        return bool(result)
    if cls == "QuerySolutions":
        cols = [v.value for v in result.variables]
        rows = [[_plain(sol[c], names) for c in cols] for sol in result]
        return Table(cols, rows)
    triples = [(t.subject, t.predicate, t.object) for t in result]
    return decode_triples(triples, dict(PREFIXES), name="query result")
