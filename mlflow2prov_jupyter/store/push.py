"""Push a document into a store (replacing exactly the units that changed) and load it back."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Collection

from ..core.errors import OptionError
from ..core.gcpause import gc_paused
from ..core.provdoc import ProvDoc, QName
from .backends import Backend, StoreError, as_backend
from .catalogue import (
    BASE,
    Catalogue,
    SyncFields,
    UnitEntry,
    check_ours,
    drop_project_update,
    graph_iri,
    project_content_hash,
    project_iri,
    projects,
    read_catalogue,
    switch_update,
)
from .provo import decode_triples
from .units import Unit, encode_units


@dataclass
class PushResult:
    """What a push changed in one project: unit keys added, replaced, removed; unchanged count."""

    project: str
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    triples_written: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed)

    def summary(self) -> str:
        if not self.changed:
            return f"{self.project}: up to date ({self.unchanged} units)"
        return (
            f"{self.project}: {len(self.added)} units added, {len(self.replaced)} replaced, "
            f"{len(self.removed)} removed, {self.unchanged} unchanged ({self.triples_written} triples written)"
        )


def public_uri(uri: Any) -> str | None:
    """A tracking or repository URI without credentials (the core's rule: no userinfo, no secret parameters)."""
    from ..core.values import strip_secrets

    if uri in (None, ""):
        return None
    text = os.fspath(uri)
    if "://" not in text and not text.startswith(("sqlite:", "file:")):
        text = os.path.abspath(text)
    return strip_secrets(text)


def watermark(doc: ProvDoc) -> tuple[str | None, datetime | None, datetime | None]:
    """(newest commit sha, its commit time, newest run start) of an extracted document."""
    commit = commit_at = run_at = None
    commit_type, run_type = QName("m2p:Commit"), QName("m2p:RunCreation")
    for el in doc.elements.values():
        if el.kind != "activity":
            continue
        types = el.types
        if commit_type in types:
            t = el.get("m2p:committed_at")
            if isinstance(t, datetime) and (commit_at is None or t > commit_at):
                commit_at, commit = t, el.get("m2p:sha")
        elif run_type in types:
            t = el.get("prov:startTime")
            if isinstance(t, datetime) and (run_at is None or t > run_at):
                run_at = t
    return commit, commit_at, run_at


def store_key_of(doc: ProvDoc) -> str | None:
    """The store key the document's MLflow identifiers were extracted with (None: no key)."""
    from urllib.parse import unquote

    from ..core.namespaces import MLFLOW

    uri = doc.prefixes.get("mlflow", "")
    key = uri[len(MLFLOW) :].rstrip("/") if uri.startswith(MLFLOW) else ""
    return unquote(key) or None


def _check_project(name: str) -> str:
    name = str(name or "").strip()
    if not name:
        raise OptionError("a store project needs a name: give --project NAME (or a document with a name)")
    if len(name) > 200:
        raise OptionError("a project name is at most 200 characters")
    return name


def push(
    doc: ProvDoc,
    store: str | Backend,
    project: str | None = None,
    *,
    repository_url: Any = None,
    tracking_uri: Any = None,
    prune: bool = True,
    source_fingerprint: str | None = None,
    units: dict[str, Unit] | None = None,
    remove: Collection[str] = (),
    sync_state: SyncFields | None = None,
) -> PushResult:
    """Write ``doc`` as project ``project`` (default: the document's name) into ``store``.

    Units whose content hash is unchanged are not touched; changed ones get new graphs, and one atomic
    update switches the catalogue to them and drops their old graphs. With ``prune`` (the default: the
    document is the project's whole provenance), units the document no longer has are removed; a partial
    document (a time window) is pushed with ``prune=False``.

    An incremental sync passes ``units`` (already encoded: only those are written, with ``prune=False``),
    ``remove`` (unit keys to drop) and ``sync_state`` (its watermark fields of the catalogue).
    """
    from .writer import writer_lock

    name = _check_project(project or doc.name or "")
    with writer_lock(store, name), gc_paused():
        backend = as_backend(store)
        ours = check_ours(backend)
        old = read_catalogue(backend, name) if ours else None
        if units is None:
            units = encode_units(doc)
        commit, commit_at, run_at = watermark(doc)
        new = Catalogue(
            name,
            store_key=store_key_of(doc),
            repository_url=public_uri(repository_url) or (old.repository_url if old else None),
            tracking_uri=public_uri(tracking_uri) or (old.tracking_uri if old else None),
            last_commit=commit or (old.last_commit if old else None),
            last_commit_at=commit_at or (old.last_commit_at if old else None),
            last_run_started_at=(
                _later(run_at, old.last_run_started_at)
                if old and not prune
                else run_at or (old.last_run_started_at if old else None)
            ),
            prefixes=dict(doc.prefixes) if prune or not old else {**old.prefixes, **doc.prefixes},
            synced_at=datetime.now(timezone.utc).replace(microsecond=0),
            source_fingerprint=source_fingerprint,
            **(sync_state or SyncFields()),
        )
        before = old.units if old else {}
        result = PushResult(name)
        changed: list[UnitEntry] = []
        chunks: list[str] = []
        for key, unit in units.items():
            cur = before.get(key)
            if cur is not None and cur.hash == unit.hash:
                result.unchanged += 1
                continue
            g = graph_iri(name, key, unit.hash)
            changed.append(UnitEntry(key, g, unit.hash, unit.size))
            (result.replaced if cur else result.added).append(key)
            tail = f" <{g}> .\n"
            chunks.append(tail.join(line[:-2] for line in unit.lines) + tail)
            result.triples_written += unit.size
        gone = set(remove) - set(units)
        removed = [e for k, e in before.items() if (prune and k not in units) or k in gone]
        result.removed = [e.key for e in removed]
        final = {k: e.hash for k, e in before.items() if (k in units or not prune) and k not in gone}
        final.update({k: u.hash for k, u in units.items()})
        if old is not None and not prune and old.last_commit_at and (not commit_at or commit_at < old.last_commit_at):
            new.last_commit, new.last_commit_at = old.last_commit, old.last_commit_at  # a partial document's
        new.content_hash = project_content_hash(final)
        if not changed and not removed and old is not None and old.same_meta(new):
            return result
        _collect_orphans(backend, name, old)
        if chunks:
            backend.load_quads("".join(chunks).encode("utf-8", "surrogatepass"))
        old_graphs = [before[e.key].graph for e in changed if e.key in before] + [e.graph for e in removed]
        backend.update(switch_update(new, changed, removed, old_graphs))
    return result


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _collect_orphans(backend: Backend, project: str, cat: Catalogue | None) -> None:
    """Drop graphs of ``project`` that its catalogue does not name (left by an interrupted push)."""
    prefix = project_iri(project) + "/unit/"
    current = {e.graph for e in cat.units.values()} if cat else set()
    orphans = [g for g in backend.named_graphs() if g.startswith(prefix) and g not in current]
    if orphans:
        backend.drop_graphs(orphans)


def load(store: str | Backend, project: str | None = None, graph: str | None = None) -> list[ProvDoc]:
    """The documents of a store: one per project (or only ``project``), optionally one unit ``graph``.

    ``graph`` is a unit key (``run/<id>``) or a graph IRI from the catalogue.
    """
    backend = as_backend(store)
    if not check_ours(backend):
        raise StoreError(f"store {backend.label} is empty: push documents into it first")
    names = [project] if project else projects(backend)
    docs = []
    with gc_paused():
        for name in names:
            cat = read_catalogue(backend, name)
            if cat is None:
                known = ", ".join(projects(backend)) or "none"
                raise StoreError(f"store {backend.label} has no project {name!r}; projects: {known}")
            entries = list(cat.units.values())
            if graph:
                entries = [e for e in entries if graph in (e.key, e.graph)]
                if not entries:
                    raise StoreError(
                        f"project {name!r} has no unit or graph {graph!r}: give a unit key such as run/<id>, or a "
                        "graph IRI"
                    )
            triples = backend.triples_of([e.graph for e in entries])
            docs.append(decode_triples(triples, cat.prefixes, name=name))
    return docs


def drop_project(store: str | Backend, project: str) -> None:
    """Remove a project and all its graphs from the store."""
    backend = as_backend(store)
    cat = read_catalogue(backend, project) if check_ours(backend) else None
    if cat is None:
        raise StoreError(f"store {backend.label} has no project {project!r}")
    backend.update(drop_project_update(project, [e.graph for e in cat.units.values()]))
    _collect_orphans(backend, project, None)


__all__ = ["push", "load", "drop_project", "PushResult", "public_uri", "watermark", "BASE"]
