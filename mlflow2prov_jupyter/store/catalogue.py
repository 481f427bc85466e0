"""The catalogue: one small graph per project saying which graph holds each unit, and the marker graph.

Names (``BASE`` = ``https://w3id.org/mlflow2prov-jupyter/store/``):

* ``BASE`` — the marker graph: ``BASE a m2p:ProvenanceStore; m2p:store_format "1"; m2p:project <P>``;
* ``BASE project/<P>`` — project P's catalogue graph and the project's own IRI;
* ``BASE project/<P>/unit/<unit key>`` — a unit; ``…/@<content hash>`` — the graph holding its current
  content. Graph names carry the content hash, so a push writes new graphs beside the old ones and then
  switches the catalogue and drops the old graphs in one atomic update: every reader, and every push
  interrupted at any point, sees each unit either in its previous or in its new state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from ..core.ids import encode_segment
from ..core.namespaces import M2P, XSD
from ..core.provjson import _time_text, parse_time
from .backends import Backend, StoreError
from .provo import RDF_TYPE, _literal

BASE = "https://w3id.org/mlflow2prov-jupyter/store/"
STORE_FORMAT = "1"


def project_iri(project: str) -> str:
    return f"{BASE}project/{encode_segment(project)}"


def unit_iri(project: str, key: str) -> str:
    return f"{project_iri(project)}/unit/{key}"


def graph_iri(project: str, key: str, content_hash: str) -> str:
    return f"{unit_iri(project, key)}/@{content_hash}"


@dataclass
class UnitEntry:
    key: str
    graph: str
    hash: str
    size: int = 0


class SyncFields(TypedDict, total=False):
    """The incremental sync's watermark as the :class:`Catalogue` fields of the same names hold it."""

    sync_since_ms: str | None
    sync_git_heads: str | None
    sync_running_runs: str | None
    sync_deleted_runs: str | None


@dataclass
class Catalogue:
    """What the store records about one project."""

    project: str
    store_key: str | None = None  # the MLflow namespace's store key of the project's documents
    repository_url: str | None = None
    tracking_uri: str | None = None
    synced_at: datetime | None = None
    last_commit: str | None = None
    last_commit_at: datetime | None = None
    last_run_started_at: datetime | None = None
    source_fingerprint: str | None = None  # the sources' state at the last sync (store/sync.py)
    # The incremental sync's watermark (store/incremental.py): MLflow ms clock from which runs, logged models and
    # versions are listed again; the Git refs (JSON {refname: sha}); runs RUNNING and runs deleted at that round.
    sync_since_ms: str | None = None
    sync_git_heads: str | None = None
    sync_running_runs: str | None = None
    sync_deleted_runs: str | None = None
    content_hash: str | None = None  # of all unit hashes: equal ⇔ same content (readers' cache key)
    prefixes: dict[str, str] = field(default_factory=dict)
    units: dict[str, UnitEntry] = field(default_factory=dict)

    META = (
        "store_key",
        "repository_url",
        "tracking_uri",
        "synced_at",
        "last_commit",
        "last_commit_at",
        "last_run_started_at",
        "source_fingerprint",
        "sync_since_ms",
        "sync_git_heads",
        "sync_running_runs",
        "sync_deleted_runs",
        "content_hash",
    )

    def meta_triples(self) -> list[str]:
        """N-Triples of the project's own description (everything but its units)."""
        s = f"<{project_iri(self.project)}>"
        out = [f"{s} <{RDF_TYPE}> <{M2P}StoreProject> .", f"{s} <{M2P}project> {_literal(self.project)} ."]
        for name in self.META:
            v = getattr(self, name)
            if v is None:
                continue
            obj = f'"{_time_text(v)}"^^<{XSD}dateTime>' if isinstance(v, datetime) else _literal(str(v))
            out.append(f"{s} <{M2P}{name}> {obj} .")
        for p, uri in sorted(self.prefixes.items()):
            out.append(f"{s} <{M2P}prefix> {_literal(p + '=' + uri)} .")
        return out

    def same_meta(self, other: "Catalogue") -> bool:
        return (
            all(getattr(self, n) == getattr(other, n) for n in self.META if n != "synced_at")
            and self.prefixes == other.prefixes
        )


def check_ours(backend: Backend) -> bool:
    """Whether the store is an mlflow2prov store (True) or empty (False); raise if it holds other data."""
    if backend.triples(BASE):
        return True
    if backend.is_empty():
        return False
    raise StoreError(
        f"store {backend.label} holds data but no mlflow2prov catalogue: it is not a provenance store "
        "made by push; give an empty store or one made by mlflow2prov"
    )


def projects(backend: Backend) -> list[str]:
    """The projects in the store, by name."""
    names = []
    for _s, p, o in backend.triples(BASE):
        if p.value == M2P + "project" and o.value.startswith(BASE + "project/"):
            names.append(o.value)
    out = []
    for iri in sorted(names):
        for _s, p, o in backend.subject_triples(iri, iri):
            if p.value == M2P + "project":
                out.append(o.value)
                break
    return sorted(out)


def project_content_hash(units: dict[str, str]) -> str:
    """One hash of a project's units (key → content hash)."""
    import hashlib

    text = "\n".join(f"{k} {h}" for k, h in sorted(units.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def read_description(backend: Backend, project: str) -> Catalogue | None:
    """Project ``project``'s description without its units (a few triples: cheap to check for changes)."""
    iri = project_iri(project)
    triples = backend.subject_triples(iri, iri)
    return _read(project, triples) if triples else None


def read_catalogue(backend: Backend, project: str) -> Catalogue | None:
    """Project ``project``'s catalogue, or None when the store has no such project."""
    return _read(project, backend.triples(project_iri(project)))


def _read(project: str, triples: list) -> Catalogue | None:
    iri = project_iri(project)
    cat = Catalogue(project)
    found = False
    unit_rows: dict[str, dict[str, Any]] = {}
    for s, p, o in triples:
        pred = p.value
        if s.value == iri:
            found = True
            name = pred[len(M2P) :] if pred.startswith(M2P) else None
            if name == "prefix":
                k, _, v = o.value.partition("=")
                cat.prefixes[k] = v
            elif name in ("synced_at", "last_commit_at", "last_run_started_at"):
                setattr(cat, name, parse_time(o.value))
            elif name in Catalogue.META:
                setattr(cat, name, o.value)
        elif pred.startswith(M2P):
            unit_rows.setdefault(s.value, {})[pred[len(M2P) :]] = o.value
    if not found:
        return None
    for row in unit_rows.values():
        if {"unit_key", "graph", "content_hash"} <= set(row):
            cat.units[row["unit_key"]] = UnitEntry(
                row["unit_key"], row["graph"], row["content_hash"], int(row.get("triple_count", 0))
            )
    return cat


def unit_triples(project: str, entry: UnitEntry) -> list[str]:
    u = f"<{unit_iri(project, entry.key)}>"
    return [
        f"<{project_iri(project)}> <{M2P}unit> {u} .",
        f"{u} <{M2P}unit_key> {_literal(entry.key)} .",
        f"{u} <{M2P}graph> <{entry.graph}> .",
        f"{u} <{M2P}content_hash> {_literal(entry.hash)} .",
        f'{u} <{M2P}triple_count> "{entry.size}"^^<{XSD}integer> .',
    ]


def switch_update(new: Catalogue, changed: list[UnitEntry], removed: list[UnitEntry], old_graphs: list[str]) -> str:
    """One SPARQL Update: the project's description and changed units rewritten, old graphs dropped."""
    cat = project_iri(new.project)
    parts = []
    gone = changed + removed
    if gone:
        values = " ".join(f"<{unit_iri(new.project, e.key)}>" for e in gone)
        parts.append(
            f"DELETE {{ GRAPH <{cat}> {{ ?u ?p ?o }} }} WHERE "
            f"{{ GRAPH <{cat}> {{ VALUES ?u {{ {values} }} ?u ?p ?o }} }}"
        )
    if removed:
        links = " ".join(f"<{cat}> <{M2P}unit> <{unit_iri(new.project, e.key)}> ." for e in removed)
        parts.append(f"DELETE DATA {{ GRAPH <{cat}> {{ {links} }} }}")
    parts.append(
        f"DELETE {{ GRAPH <{cat}> {{ <{cat}> ?p ?o }} }} WHERE "
        f"{{ GRAPH <{cat}> {{ <{cat}> ?p ?o FILTER(?p != <{M2P}unit>) }} }}"
    )
    body = new.meta_triples()
    for e in changed:
        body.extend(unit_triples(new.project, e))
    marker = [
        f"<{BASE}> <{RDF_TYPE}> <{M2P}ProvenanceStore> .",
        f"<{BASE}> <{M2P}store_format> {_literal(STORE_FORMAT)} .",
        f"<{BASE}> <{M2P}project> <{cat}> .",
    ]
    parts.append(
        "INSERT DATA { GRAPH <"
        + cat
        + "> { "
        + "\n".join(body)
        + " } GRAPH <"
        + BASE
        + "> { "
        + " ".join(marker)
        + " } }"
    )
    parts.extend(f"DROP SILENT GRAPH <{g}>" for g in old_graphs)
    return " ;\n".join(parts)


def drop_project_update(project: str, graphs: list[str]) -> str:
    cat = project_iri(project)
    parts = [f"DELETE DATA {{ GRAPH <{BASE}> {{ <{BASE}> <{M2P}project> <{cat}> }} }}", f"DROP SILENT GRAPH <{cat}>"]
    parts.extend(f"DROP SILENT GRAPH <{g}>" for g in graphs)
    return " ;\n".join(parts)
