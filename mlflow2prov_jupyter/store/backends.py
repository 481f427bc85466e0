"""Where a store lives: an embedded Oxigraph database on disk, or a SPARQL 1.1 server.

Both backends offer the same few operations, all the push/load/query logic needs:

* :meth:`named_graphs` — the graph names present;
* :meth:`triples`, :meth:`triples_of` — the triples of one or several graphs (pyoxigraph terms);
* :meth:`load_quads` — add N-Quads (new, content-addressed graphs: need not be atomic);
* :meth:`update` — one SPARQL Update request, applied atomically (the catalogue switch);
* :meth:`query` — a SPARQL query over the union of all graphs.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Iterable, Protocol

import pyoxigraph as ox

from ..core.errors import Mlflow2ProvError


class StoreError(Mlflow2ProvError):
    """A store that cannot be opened, reached or used (one line naming the store and the fix)."""


Triple = tuple[Any, Any, Any]


class Backend(Protocol):
    label: str  # how the store is named in messages: never with credentials

    def named_graphs(self) -> set[str]: ...

    def triples(self, graph: str) -> list[Triple]: ...

    def triples_of(self, graphs: Iterable[str]) -> list[Triple]: ...

    def subject_triples(self, graph: str, subject: str) -> list[Triple]: ...

    def is_empty(self) -> bool: ...

    def load_quads(self, nquads: bytes) -> None: ...

    def update(self, sparql: str) -> None: ...

    def query(self, sparql: str) -> Any: ...

    def drop_graphs(self, graphs: Iterable[str]) -> None: ...


class EmbeddedStore:
    """An on-disk Oxigraph store (``pyoxigraph``), opened once per process and path."""

    def __init__(self, path: str):
        self.path = os.path.abspath(os.path.expanduser(path))
        self.label = self.path
        if os.path.exists(self.path) and not os.path.isdir(self.path):
            raise StoreError(f"store {self.path} is a file, not a store folder: give a new or existing store folder")
        parent = os.path.dirname(self.path) or "."
        if not os.path.isdir(parent):
            raise StoreError(f"store {self.path}: folder {parent} does not exist; create it first")
        try:
            self.store = ox.Store(self.path)
        except OSError as exc:
            text = str(exc)
            if "lock" in text.lower():
                raise StoreError(
                    f"store {self.path} is open in another process: close that process (or its notebook kernel), "
                    "or share the store through a SPARQL server"
                ) from None
            raise StoreError(
                f"store {self.path} cannot be opened as an Oxigraph store ({text.splitlines()[0][:120]}): give a new "
                "folder or a store made by push"
            ) from None

    def named_graphs(self) -> set[str]:
        return {g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode)}

    def is_empty(self) -> bool:
        return next(iter(self.store.quads_for_pattern(None, None, None)), None) is None

    def triples(self, graph: str) -> list[Triple]:
        return [
            (q.subject, q.predicate, q.object)
            for q in self.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        ]

    def subject_triples(self, graph: str, subject: str) -> list[Triple]:
        return [
            (q.subject, q.predicate, q.object)
            for q in self.store.quads_for_pattern(ox.NamedNode(subject), None, None, ox.NamedNode(graph))
        ]

    def triples_of(self, graphs: Iterable[str]) -> list[Triple]:
        out: list[Triple] = []
        for g in graphs:
            out.extend(self.triples(g))
        return out

    def load_quads(self, nquads: bytes) -> None:
        try:
            if len(nquads) > 1 << 20:  # bulk loading skips the transaction: fine for new, unreferenced graphs
                self.store.bulk_load(nquads, ox.RdfFormat.N_QUADS)
            else:
                self.store.load(nquads, ox.RdfFormat.N_QUADS)
        except (SyntaxError, ValueError) as exc:  # e.g. text that is not valid Unicode
            raise StoreError(
                f"store {self.label} rejected the document's data ({_first(exc)}): fix the document's text"
            ) from None

    def update(self, sparql: str) -> None:
        try:
            self.store.update(sparql)
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"store {self.label} rejected an update ({_first(exc)})") from None

    def query(self, sparql: str) -> Any:
        return self.store.query(sparql, use_default_graph_as_union=True)

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        for g in graphs:
            self.store.remove_graph(ox.NamedNode(g))

    def flush(self) -> None:
        self.store.flush()


def _first(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]


_OPEN: dict[str, EmbeddedStore] = {}
_LOCK = threading.Lock()


def open_store(uri: str | os.PathLike[str]) -> Backend:
    """The store at ``uri``: ``sparql+http(s)://…`` for a SPARQL server, else a folder path (embedded).

    Embedded stores stay open for the life of the process (a warm notebook answers fast); Oxigraph lets
    one process at a time write a folder.
    """
    text = os.fspath(uri).strip()
    if not text:
        raise StoreError("no store given: --store takes a folder path or a sparql+http(s):// URL")
    if text.startswith(("sparql+http://", "sparql+https://")):
        from .sparql_http import SparqlHttpStore

        return SparqlHttpStore(text)
    if "://" in text and not text.startswith("file://"):
        scheme = text.split("://", 1)[0]
        raise StoreError(
            f"store URI scheme {scheme}:// is not supported: give a folder path or a sparql+http(s):// URL"
        )
    if text.startswith("file://"):
        text = text[len("file://") :]
    path = os.path.abspath(os.path.expanduser(text))
    with _LOCK:
        backend = _OPEN.get(path)
        if backend is None:
            backend = _OPEN[path] = EmbeddedStore(path)
        return backend


def as_backend(store: str | os.PathLike[str] | Backend) -> Backend:
    """``store`` itself when it is an open store, else :func:`open_store` of that folder or URL."""
    if isinstance(store, (str, os.PathLike)):
        return open_store(store)
    return store


def close_store(uri: str | os.PathLike[str]) -> None:
    """Close an embedded store opened by :func:`open_store` (lets another process open it)."""
    path = os.path.abspath(os.path.expanduser(os.fspath(uri)))
    with _LOCK:
        backend = _OPEN.pop(path, None)
    if backend is not None:
        backend.flush()
        del backend
        import gc

        gc.collect()
