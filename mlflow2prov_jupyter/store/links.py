"""Cross-project questions: the store's projects as one document, linked where one's output is another's input.

Projects meet where they name the same thing: a data set with the same digest and source, or the same
URI (a logged model's artifact location, a model version's source, a run artifact's full URI, a data
set's source URI). For each such match between *different* projects the linked document gets a
``prov:alternateOf`` relation ("two aspects of the same thing"), which lineage follows both ways, so a
passport or lineage started in one project continues into the project that produced its input.

:func:`linked_document` caches the decoded projects per content (the catalogue's unit hashes): a warm
process answers the next question without reading the store again.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Iterable

from ..core.gcpause import gc_paused
from ..core.provdoc import ProvDoc, QName, Relation
from .backends import Backend, StoreError, as_backend
from .catalogue import check_ours, projects, read_catalogue, read_description
from .provo import decode_triples

_CACHE: dict[tuple[Any, ...], ProvDoc] = {}
# The adjacency of the last document a lineage question walked (one at a time), with that document.
_ADJACENCY: list[tuple[ProvDoc, tuple[dict[str, list[int]], dict[str, list[int]]]]] = []
_LOCK = threading.Lock()


def _expand(doc: ProvDoc, qname: str) -> str:
    prefix, _, local = qname.partition(":")
    ns = doc.prefixes.get(prefix)
    return ns + local if ns is not None else qname


def _uri_value(v: Any) -> str | None:
    """A URI from an attribute value: plain text, or a data set source's JSON ``{"uri": …}``."""
    text = str(v).strip() if v is not None else ""
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        text = str(data.get("uri") or data.get("url") or data.get("path") or "") if isinstance(data, dict) else ""
    text = text.rstrip("/")
    return text if "://" in text or text.startswith("models:/") else None


def match_keys(doc: ProvDoc) -> dict[str, set[tuple]]:
    """Full element IRI → the keys under which another project may name the same thing."""
    out: dict[str, set[tuple]] = {}
    runs_uri: dict[str, str] = {}
    for el in doc.elements.values():
        if QName("m2p:Run") in el.types and el.get("m2p:artifact_uri"):
            runs_uri[el.id] = str(el.get("m2p:artifact_uri")).rstrip("/")
    for el in doc.elements.values():
        types = el.types
        keys: set[tuple] = set()
        if QName("m2p:Dataset") in types:
            src = el.get("m2p:source")
            if el.get("m2p:digest") and src is not None:
                keys.add(("dataset", str(el.get("m2p:digest")), _uri_value(src) or str(src)))
            if _uri_value(src):
                keys.add(("uri", _uri_value(src)))
        if QName("m2p:LoggedModel") in types:
            for name in ("m2p:artifact_location",):
                if _uri_value(el.get(name)):
                    keys.add(("uri", _uri_value(el.get(name))))
            if el.get("m2p:model_id"):
                keys.add(("uri", f"models:/{el.get('m2p:model_id')}"))
        if QName("m2p:ModelVersion") in types and _uri_value(el.get("m2p:source")):
            keys.add(("uri", _uri_value(el.get("m2p:source"))))
        if (QName("m2p:Artifact") in types or QName("m2p:ModelArtifact") in types) and el.get("m2p:path"):
            run_id = el.id.split("/artifact/")[0].split("/model-artifact/")[0]
            base = runs_uri.get(run_id)
            if base:
                keys.add(("uri", f"{base}/{el.get('m2p:path')}".rstrip("/")))
        if keys:
            out[_expand(doc, el.id)] = keys
    return out


def _load_project(backend: Backend, name: str) -> ProvDoc:
    head = read_description(backend, name)  # a few triples: enough to know whether the cache is current
    if head is None:
        raise StoreError(
            f"store {backend.label} has no project {name!r}; projects: {', '.join(projects(backend)) or 'none'}"
        )
    key = (backend.label, name, head.content_hash)
    with _LOCK:
        hit = _CACHE.get(key) if head.content_hash else None
    if hit is not None:
        return hit
    cat = read_catalogue(backend, name)
    assert cat is not None
    triples = backend.triples_of([e.graph for e in cat.units.values()])
    doc = decode_triples(triples, cat.prefixes, name=name)
    with _LOCK:
        for k in [k for k in _CACHE if k[:2] == key[:2]]:
            del _CACHE[k]
        _CACHE[key] = doc
    return doc


def linked_document(store: str | Backend, names: Iterable[str] | None = None) -> ProvDoc:
    """The store's projects (or ``names``) merged into one document, with cross-project alternateOf links."""
    backend = as_backend(store)
    if not check_ours(backend):
        raise StoreError(f"store {backend.label} is empty: push documents into it first")
    wanted = list(names) if names else projects(backend)
    docs = [_load_project(backend, n) for n in wanted]
    key = ("linked", backend.label, tuple(id(d) for d in docs))
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    merged = link_documents(docs, wanted)
    with _LOCK:
        for k in [k for k in _CACHE if k[:2] == key[:2]]:
            del _CACHE[k]
        _CACHE[key] = merged
    return merged


def link_documents(docs: list[ProvDoc], names: list[str]) -> ProvDoc:
    """Projects' documents merged into one, with a cross-project alternateOf relation per matched pair."""
    from ..ops.merge import merge

    with gc_paused():
        merged = (
            merge(docs, on_conflict="first")
            if len(docs) > 1
            else ProvDoc.from_json(docs[0].to_json(), name=docs[0].name)
        )
        merged.name = "store: " + ", ".join(names)
        home = {iri: d.name for d in docs for iri in match_keys(d)}
        for a, b in cross_project_pairs(docs):
            qa, qb = _compact(merged, a), _compact(merged, b)
            if qa in merged.elements and qb in merged.elements:
                attrs = {
                    "prov:type": QName("m2p:CrossProjectLink"),
                    "m2p:project": home.get(a),
                    "m2p:other_project": home.get(b),
                }
                merged.relations.append(Relation("alternateOf", (qa, qb), {k: v for k, v in attrs.items() if v}))
    return merged


def linked_lineage(
    store: str | Backend,
    node: str,
    direction: str = "up",
    depth: int | None = None,
    names: Iterable[str] | None = None,
) -> ProvDoc:
    """:func:`~mlflow2prov_jupyter.query.lineage.lineage` of ``node`` in the linked document of the store.

    The linked document's adjacency is built once and cached with it, and the result is cut from the
    reached nodes' relations only: a warm process answers in time proportional to the lineage, not to
    the store.
    """
    from ..query.lineage import DIRECTIONS, neighbours, resolve_node, subdocument

    doc = linked_document(store, names)
    if direction not in DIRECTIONS:
        from ..core.errors import OptionError

        raise OptionError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    with _LOCK:
        adj = _ADJACENCY[0][1] if _ADJACENCY and _ADJACENCY[0][0] is doc else None
    if adj is None:
        adj = neighbours(doc)
        with _LOCK:
            _ADJACENCY[:] = [(doc, adj)]
    start = resolve_node(doc, node)
    reached: set[str] = set()
    used: set[int] = set()
    for table in (adj[0],) if direction == "up" else (adj[1],) if direction == "down" else adj:
        seen, frontier, level = {start}, [start], 0
        while frontier and (depth is None or level < depth):
            nxt = []
            for n in frontier:
                for i in table.get(n, ()):
                    r = doc.relations[i]
                    other = r.target if r.source == n else r.source
                    if other is not None and other not in seen:
                        seen.add(other)
                        nxt.append(other)
            frontier, level = nxt, level + 1
        reached |= seen
    for n in reached:
        for table in adj:
            for i in table.get(n, ()):
                r = doc.relations[i]
                if r.source in reached and r.target in reached:
                    used.add(i)
    label = {"up": "upstream", "down": "downstream", "both": "lineage"}[direction]
    return subdocument(
        doc, reached, relations=[doc.relations[i] for i in sorted(used)], name=f"{label} of {start} (store)"
    )


def cross_project_notes(doc: ProvDoc, ids: Iterable[str]) -> list[str]:
    """One sentence per cross-project link of ``ids`` in a linked document: where that thing comes from
    in the other project (what it is, and the run that generated it)."""
    from ..query.plain import element_name

    wanted = set(ids)
    generated_by = {r.args[0]: r.args[1] for r in doc.relations if r.kind == "wasGeneratedBy" and len(r.args) > 1}
    notes = []
    for r in doc.relations:
        if r.kind != "alternateOf" or QName("m2p:CrossProjectLink") not in r.values("prov:type"):
            continue
        attrs = r.attrs or {}  # holds the prov:type just read
        for mine, other, project in (
            (r.args[0], r.args[1], attrs.get("m2p:other_project")),
            (r.args[1], r.args[0], attrs.get("m2p:project")),
        ):
            if mine not in wanted:
                continue
            other_el = doc.elements.get(other)
            if other_el is not None and QName("m2p:Dataset") in other_el.types:
                notes.append(f"{element_name(doc, mine)} is also in project {project or '?'} (same digest and source)")
                continue
            text = f"{element_name(doc, mine)} comes from project {project or '?'}: {element_name(doc, other)}"
            activity = generated_by.get(other)
            run = activity[: -len("/creation")] if activity and activity.endswith("/creation") else None
            if run and run in doc.elements:
                text += f", generated by {element_name(doc, run)}"
            notes.append(text)
    return sorted(set(notes))


def add_cross_project_notes(doc: ProvDoc, card: Any) -> None:
    """Add to a passport ``card`` of a linked store document where its records come from in other projects."""
    if any(r.kind == "alternateOf" for r in doc.relations):
        for note in cross_project_notes(doc, list(card.context) + list(card.chain)):
            if note not in card.notes:
                card.notes.append(note)


def cross_project_pairs(docs: list[ProvDoc]) -> list[tuple[str, str]]:
    """Pairs of full IRIs, from different documents, that name the same data set, model or artifact.

    Data sets match each other only on digest *and* source; a URI match needs a model or an artifact on
    one side (two data sets read from one file at different times are different data sets).
    """
    by_key: dict[tuple, dict[int, set[str]]] = {}
    datasets: set[str] = set()
    for i, d in enumerate(docs):
        for iri, keys in match_keys(d).items():
            for k in keys:
                by_key.setdefault(k, {}).setdefault(i, set()).add(iri)
                if k[0] == "dataset":
                    datasets.add(iri)
    pairs: set[tuple[str, str]] = set()
    for key, holders in by_key.items():
        if len(holders) < 2:
            continue
        if key[0] == "dataset":
            firsts = [min(ids) for _, ids in sorted(holders.items())]
            pairs.update(zip(firsts, firsts[1:]))
            continue
        producers = [(i, min(ids - datasets)) for i, ids in sorted(holders.items()) if ids - datasets]
        if not producers:
            continue
        pairs.update((a, b) for (_, a), (_, b) in zip(producers, producers[1:]))
        for i, ids in sorted(holders.items()):
            for iri in sorted(ids & datasets):
                source = next((p for j, p in producers if j != i), None)
                if source is not None:
                    pairs.add((iri, source))
    return sorted(pairs)


def _compact(doc: ProvDoc, iri: str) -> str:
    best = None
    for p, ns in doc.prefixes.items():
        if iri.startswith(ns) and (best is None or len(ns) > len(doc.prefixes[best])):
            best = p
    return f"{best}:{iri[len(doc.prefixes[best]) :]}" if best is not None else iri
