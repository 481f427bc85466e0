"""Questions about one record, answered from the units the answer needs instead of the whole store.

A cold ``lineage --store`` or ``passport --store`` used to decode every project (:func:`.links.linked_document`)
before answering. Here the store itself finds what the answer can touch, with SPARQL 1.1 only (so every
backend answers it the same way):

1. the start's reachable set, breadth first, one query per step: a property path over the PROV-O predicates of
   each relation kind in the lineage direction of :data:`~mlflow2prov_jupyter.query.lineage.UPSTREAM` (binary
   triple and qualified pattern, e.g. ``prov:used | prov:qualifiedUsage/prov:entity``);
2. the units of the reached records (:func:`.units.unit_key_function`), in every project that has them (a
   shared commit or person is merged from all its projects in the linked document; a unit of equal content is
   read once);
3. for every cross-project match key of a loaded record (:func:`.links.match_keys`), every record of the
   store that may hold the same key (``VALUES`` lookups), and their units: the links among loaded records are
   then exactly the linked document's;
4. the reachable set again from the records linked to reached ones, until nothing new comes.

The loaded units, decoded and linked like the linked document, make a *partial* linked document that holds
everything the question reads; the exact in-memory query (:func:`~mlflow2prov_jupyter.query.lineage.lineage`,
:func:`~mlflow2prov_jupyter.query.passport.passport`) then trims the superset. Whatever the partial document
cannot answer exactly (an unknown node or reference, whose message names what the whole store holds) falls
back to the whole linked document.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from ..core.namespaces import M2P, PROV
from ..core.provdoc import ENDPOINTS, PROV_DM_NAMES, RELATION_KINDS, Element, ProvDoc
from ..query.lineage import BOTH, FORWARD, REVERSE, UPSTREAM
from .backends import Backend, StoreError, as_backend
from .catalogue import BASE, Catalogue, _read, check_ours, project_iri
from .links import _expand, link_documents, match_keys
from .provo import _DERIVATION_SUBTYPES, _FORMAL_PREDICATES, decode_triples
from .units import unit_key_function

_BATCH = 400  # VALUES rows per request: small enough for any server's request size


def kind_path(kind: str) -> str:
    """SPARQL path from a relation's first argument to its second, in every form PROV-O writes it."""
    preds = _FORMAL_PREDICATES[kind]
    # The lineage target (ENDPOINTS: a start's or end's starter/ender, not its trigger) and the second argument,
    # which the binary triple names: both, a superset the exact query trims.
    targets = sorted({preds[i] for i in (1, ENDPOINTS[kind][1]) if i < len(preds)})
    forms = [f"<{PROV}{kind}>"]
    qualifiers = [PROV_DM_NAMES[kind]]
    if kind == "wasDerivedFrom":
        qualifiers += [t.rsplit("#", 1)[1] for t in sorted(_DERIVATION_SUBTYPES)]
    if kind != "alternateOf":
        forms += [f"<{PROV}qualified{q}>/<{t}>" for q in qualifiers for t in targets]
    return "|".join(forms)


def step_path(kinds: Iterable[str], direction: str) -> str:
    """One step upstream (``up``) or downstream (``down``) over relations of ``kinds``."""
    parts = []
    for kind in sorted(kinds):
        path = f"({kind_path(kind)})"
        d = UPSTREAM[kind]
        forward = d in (FORWARD, BOTH)
        reverse = d in (REVERSE, BOTH)
        if direction == "down":
            forward, reverse = reverse, forward
        if forward:
            parts.append(path)
        if reverse:
            parts.append("^" + path)
    return "|".join(parts)


def _values(var: str, terms: Iterable[str]) -> str:
    return f"VALUES ?{var} {{ {' '.join(terms)} }}"


def _iri(i: str) -> str:
    return f"<{i}>"


def _lit(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _chunks(items: Iterable[str], n: int = _BATCH) -> Iterable[list[str]]:
    items = sorted(items)
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _descriptions(backend: Backend) -> dict[str, Catalogue]:
    """Every project's description (its catalogue without the unit entries), in one query."""
    import pyoxigraph as ox

    q = (
        f"SELECT ?cat ?p ?o WHERE {{ GRAPH <{BASE}> {{ <{BASE}> <{M2P}project> ?cat }} "
        f"GRAPH ?cat {{ ?cat ?p ?o FILTER(?p != <{M2P}unit>) }} }}"
    )
    rows: dict[str, list] = {}
    for sol in backend.query(q):
        rows.setdefault(sol["cat"].value, []).append((ox.NamedNode(sol["cat"].value), sol["p"], sol["o"]))
    out: dict[str, Catalogue] = {}
    for iri, triples in rows.items():
        name = next((str(o.value) for _s, p, o in triples if p.value == M2P + "project"), None)
        head = _read(name, triples) if name is not None else None
        if head is not None and project_iri(head.project) == iri:
            out[head.project] = head
    return out


class UnitReader:
    """Reads a store's projects unit by unit: the units of given records, plus the cross-project holders of
    their match keys, decoded per project at the end into the partial linked document."""

    def __init__(self, backend: Backend, names: Iterable[str] | None = None):
        self.backend = backend
        self.heads = _descriptions(backend)
        self.names = list(names) if names else sorted(self.heads)
        for n in self.names:
            if n not in self.heads:
                raise StoreError(
                    f"store {backend.label} has no project {n!r}; projects: {', '.join(sorted(self.heads)) or 'none'}"
                )
        self._cat = {project_iri(n): n for n in self.names}
        self._unit_of = {n: unit_key_function(h.prefixes) for n, h in self.heads.items()}
        self._ns = {
            n: sorted(((u, p) for p, u in h.prefixes.items() if p != "default"), key=lambda x: -len(x[0]))
            for n, h in self.heads.items()
        }
        self.asked: set[str] = set()  # unit keys looked up in the catalogues
        self.units: dict[str, dict[str, str]] = {n: {} for n in self.names}  # project → unit key → graph
        self.triples: dict[str, list] = {n: [] for n in self.names}
        self.keys: dict[str, set[tuple]] = {}  # loaded element IRI → its match keys
        self.by_key: dict[tuple, set[str]] = {}
        self._looked_up: set[tuple] = set()
        self.graphs_read = 0
        self.copies_skipped = 0
        self.records: dict[str, Element] = {}  # full IRI → a loaded record (as its own unit describes it)

    # ------------------------------------------------------------------------------------------ units
    def unit_keys(self, iris: Iterable[str]) -> set[str]:
        """The unit keys of full IRIs, as each project's prefixes name them."""
        out = set()
        for iri in iris:
            for n in self.names:
                for uri, p in self._ns[n]:
                    if iri.startswith(uri) and len(iri) > len(uri):
                        out.add(self._unit_of[n](f"{p}:{iri[len(uri) :]}"))
                        break
        return out

    def ensure(self, iris: Iterable[str]) -> None:
        """Load the units of ``iris`` in every project, then the holders of their match keys, until closed."""
        todo = self.unit_keys(iris) - self.asked
        while todo:
            self.asked |= todo
            fresh = self._load(todo)
            todo = self.unit_keys(self._holders(fresh)) - self.asked

    def _load(self, keys: set[str]) -> set[tuple]:
        found: dict[str, dict[str, str]] = {n: {} for n in self.names}
        cats = [_iri(c) for c in self._cat]
        for chunk in _chunks(keys):
            q = (
                f"SELECT ?cat ?key ?g WHERE {{ {_values('cat', cats)} {_values('key', map(_lit, chunk))} "
                f"GRAPH ?cat {{ ?u <{M2P}unit_key> ?key ; <{M2P}graph> ?g }} }}"
            )
            for sol in self.backend.query(q):
                name = self._cat.get(sol["cat"].value)
                if name is not None:
                    found[name][sol["key"].value] = sol["g"].value
        # A unit with the same content in several projects (a shared commit, a person) is read once: merged, the
        # copies would add nothing. Unless it holds a record with match keys (the linked document links a record
        # to itself across projects, and names its project): then every copy is read.
        first: dict[tuple[str, str], str] = {}
        copies: dict[str, dict[str, str]] = {n: {} for n in self.names}
        for name in self.names:
            self.units[name].update(found[name])
            for key, graph in found[name].items():
                owner = first.setdefault((key, graph.rsplit("/@", 1)[-1]), name)
                if owner != name:
                    copies[name][key] = graph
        new_keys: set[tuple] = set()
        shared: set[str] = set()
        for name in self.names:
            own = {k: g for k, g in found[name].items() if k not in copies[name]}
            new_keys |= self._read(name, own, shared)
        for name in self.names:
            extra = {k: g for k, g in copies[name].items() if k in shared}
            new_keys |= self._read(name, extra, set())
            self.copies_skipped += len(copies[name]) - len(extra)
        return new_keys - self._looked_up

    def _read(self, name: str, units: dict[str, str], keyed_units: set[str]) -> set[tuple]:
        """Read and decode ``units`` of project ``name``; note their match keys (and, in ``keyed_units``, the
        unit keys of records that have some)."""
        if not units:
            return set()
        triples = self.backend.triples_of(list(units.values()))
        self.graphs_read += len(units)
        self.triples[name].extend(triples)
        part = decode_triples(triples, self.heads[name].prefixes, name=name)
        for el in part.elements.values():
            self.records.setdefault(_expand(part, el.id), el)
        new_keys: set[tuple] = set()
        for iri, ks in match_keys(part).items():
            self.keys.setdefault(iri, set()).update(ks)
            for k in ks:
                self.by_key.setdefault(k, set()).add(iri)
            new_keys |= ks
            keyed_units |= self.unit_keys([iri])
        return new_keys

    def _holders(self, keys: set[tuple]) -> set[str]:
        """IRIs of every record in the store that may hold one of ``keys`` (a superset: units are then decoded
        and their exact keys computed)."""
        self._looked_up |= keys
        digests = {k[1] for k in keys if k[0] == "dataset"}
        uris = {k[1] for k in keys if k[0] == "uri"}
        exact = {u for x in uris for u in (x, x + "/")}
        model_ids = {u[len("models:/") :] for u in uris if u.startswith("models:/")}
        bases: set[str] = set()  # a run whose artifact URI is a prefix of a key holds the artifact of that key
        for u in uris:
            cut = u.rfind("/")
            while cut > 0:
                bases.update((u[:cut], u[: cut + 1]))
                cut = u.rfind("/", 0, cut)
        out: set[str] = set()
        parts = [
            ("d", digests, f"?e <{M2P}digest> ?d"),
            ("v", exact | model_ids, f"?e <{M2P}artifact_location>|<{M2P}source>|<{M2P}model_id> ?v"),
            ("b", bases, f"?e <{M2P}artifact_uri> ?b"),
        ]
        for var, vals, pattern in parts:
            for chunk in _chunks(vals):
                q = f"SELECT DISTINCT ?e WHERE {{ {_values(var, map(_lit, chunk))} {pattern} }}"
                out.update(sol["e"].value for sol in self.backend.query(q))
        for chunk in _chunks(uris):  # a data set's source is often JSON text naming the URI
            q = (
                f"SELECT DISTINCT ?e WHERE {{ {_values('u', map(_lit, chunk))} ?e a <{M2P}Dataset> ; "
                f"<{M2P}source> ?s FILTER(CONTAINS(STR(?s), ?u)) }}"
            )
            out.update(sol["e"].value for sol in self.backend.query(q))
        return out

    def alternates(self, iris: Iterable[str]) -> set[str]:
        """Loaded records sharing a match key with one of ``iris`` (the linked document links among them)."""
        out: set[str] = set()
        for iri in iris:
            for k in self.keys.get(iri, ()):
                out |= self.by_key.get(k, set())
        return out

    # ------------------------------------------------------------------------------------------ reach
    def hop(self, iris: Iterable[str], path: str) -> set[str]:
        """The records one ``path`` step from ``iris``."""
        out: set[str] = set()
        for chunk in _chunks(iris):
            q = f"SELECT DISTINCT ?y WHERE {{ {_values('x', map(_iri, chunk))} ?x ({path}) ?y }}"
            out.update(sol["y"].value for sol in self.backend.query(q) if type(sol["y"]).__name__ == "NamedNode")
        return out

    def reach(self, starts: Iterable[str], direction: str, kinds: Iterable[str]) -> set[str]:
        """Load what a walk from ``starts`` in ``direction`` (up/down) over ``kinds`` can reach, crossing
        projects where the linked document links them; return the reached IRIs (a superset).

        Breadth first, one SPARQL step per round: a transitive path (``(…)*``) would walk again, from every
        record linked in from another project, what the walk has already reached.
        """
        kinds = set(kinds)
        path = step_path(kinds, direction)
        reached = set(starts)
        frontier = set(starts)
        while frontier:
            self.ensure(frontier)
            if "alternateOf" in kinds:
                linked = self.alternates(reached) - reached
                while linked:
                    reached |= linked
                    frontier |= linked
                    self.ensure(linked)
                    linked = self.alternates(linked) - reached
            frontier = self.hop(frontier, path) - reached if path else set()
            reached |= frontier
        return reached

    # ------------------------------------------------------------------------------------------ document
    def document(self) -> ProvDoc:
        """The loaded units as the linked document would hold them: projects decoded, merged and linked."""
        # every project takes part, loaded or not: the merge renames clashing prefixes as in the linked document
        docs = [decode_triples(self.triples[n], self.heads[n].prefixes, name=n) for n in self.names]
        return link_documents(docs, self.names)

    def iri(self, node: str) -> str | None:
        """The full IRI of a node given as ``prefix:local`` of the linked document, or as a full IRI."""
        from ..ops.merge import unify_prefixes

        text = str(node).strip()
        if "://" in text:
            return text
        table, _ = unify_prefixes([self.heads[n].prefixes for n in self.names])
        prefix, sep, local = text.partition(":")
        return table[prefix] + local if sep and prefix in table else None


def cached_linked_document(backend: Backend, names: Iterable[str] | None = None) -> ProvDoc | None:
    """The linked document of ``names`` when this process holds it for the store's current content (a warm
    notebook), else None: nothing is read but the projects' descriptions."""
    from . import links

    heads = _descriptions(backend)
    wanted = list(names) if names else sorted(heads)
    docs = []
    with links._LOCK:
        for n in wanted:
            head = heads.get(n)
            doc = links._CACHE.get((backend.label, n, head.content_hash)) if head and head.content_hash else None
            if doc is None:
                return None
            docs.append(doc)
        return links._CACHE.get(("linked", backend.label, tuple(id(d) for d in docs)))


def open_backend(store: str | Backend) -> Backend:
    """The store's backend (an open one passes through); raises for an empty store."""
    backend = as_backend(store)
    if not check_ours(backend):
        raise StoreError(f"store {backend.label} is empty: push documents into it first")
    return backend


def lineage_document(
    store: str | Backend,
    node: str,
    direction: str = "up",
    relations: Iterable[str] | str | None = None,
    names: Iterable[str] | None = None,
) -> tuple[ProvDoc, UnitReader] | None:
    """The partial linked document holding the lineage of ``node`` (None: the node is not found this way)."""
    from ..query.lineage import DIRECTIONS, relation_kinds

    if direction not in DIRECTIONS:
        return None  # lineage() names the bad option
    kinds = relation_kinds(relations)
    reader = UnitReader(open_backend(store), names)
    start = reader.iri(node)
    if start is None:
        return None
    for d in ("up", "down") if direction == "both" else (direction,):
        reader.reach([start], d, kinds)
    if not any(reader.units.values()):
        return None
    return reader.document(), reader


def store_lineage(
    store: str | Backend,
    node: str,
    direction: str = "up",
    depth: int | None = None,
    relations: Iterable[str] | str | None = None,
    names: Iterable[str] | None = None,
) -> ProvDoc:
    """:func:`~mlflow2prov_jupyter.query.lineage.lineage` of ``node`` over the store's projects, reading only
    the units the answer needs; equal to the lineage in :func:`.links.linked_document`."""
    from ..query.lineage import UnknownNodeError, lineage
    from .links import linked_document, linked_lineage

    backend = open_backend(store)
    if cached_linked_document(backend, names) is not None:  # warm: the cached adjacency answers at once
        if relations is None:
            return linked_lineage(backend, node, direction, depth, names)
        return lineage(linked_document(backend, names), node, direction=direction, depth=depth, relations=relations)
    found = lineage_document(backend, node, direction, relations, names)
    if found is not None:
        try:
            return lineage(found[0], node, direction=direction, depth=depth, relations=relations)
        except UnknownNodeError:
            pass  # the whole store names the closest ids
    return lineage(linked_document(backend, names), node, direction=direction, depth=depth, relations=relations)


# ---------------------------------------------------------------------------------------------- passport
def _ref_candidates(reader: UnitReader, ref: str) -> set[str]:
    """Records a passport reference may name (its resolution searches them by attributes)."""
    from ..query.passport import _parse_ref

    kind, parts = _parse_ref(ref)
    lookups: list[tuple[str, str]] = []  # (predicate local name, value)
    if kind == "alias":
        lookups = [("alias", parts["alias"])]
    elif kind == "version":
        lookups = [("name", parts["name"])]
    elif kind == "model":
        lookups = [("model_id", parts["model_id"])]
    elif kind == "run":
        lookups = [("run_id", parts["run_id"])]
    else:
        lookups = [("run_id", parts["value"]), ("model_id", parts["value"])]
    out: set[str] = set()
    if kind == "bare":
        iri = reader.iri(parts["value"])
        if iri:
            out.add(iri)
    for pred, value in lookups:
        q = f"SELECT DISTINCT ?e WHERE {{ ?e <{M2P}{pred}> ?v FILTER(STR(?v) = {_lit(value)}) }}"
        out.update(sol["e"].value for sol in reader.backend.query(q))
    return out


_STEP_DOWN_FROM = frozenset({"m2p:ModelVersion", "m2p:LoggedModel", "m2p:Run", "m2p:Artifact", "m2p:ModelArtifact"})
_ROOTS = frozenset({"m2p:Run", "m2p:RunCreation"})
_ID_ATTRS = (("m2p:run_id", "run_id"), ("m2p:source_run_id", "run_id"), ("m2p:model_id", "model_id"))


def passport_document(store: str | Backend, ref: str, names: Iterable[str] | None = None) -> ProvDoc | None:
    """The partial linked document a passport of ``ref`` reads (None: the reference is not found this way).

    A passport walks upstream from its subject (alias → version → model → run creation → data sets, commit,
    entry point), upstream from the run it finds, one step downstream from versions (their aliases), models
    (their metrics), artifacts and runs (their run, their experiment), and looks runs and models up by id.
    The partial document holds the upstream closures of the subject and of every loaded run, the records one
    step downstream of those kinds, and the runs and models loaded records name by id, until nothing new comes.
    """
    reader = UnitReader(open_backend(store), names)
    roots = _ref_candidates(reader, ref)
    if not roots:
        return None
    kinds = set(RELATION_KINDS)
    down = step_path(kinds, "down")
    done: set[str] = set()
    stepped: set[str] = set()
    looked: set[tuple[str, str]] = set()
    while roots - done:
        new = roots - done
        done |= new
        reader.reach(new, "up", kinds)
        typed = {iri for iri, el in reader.records.items() if _STEP_DOWN_FROM.intersection(el.types)}
        reader.ensure(reader.hop(typed - stepped, down))
        stepped |= typed
        wanted: set[tuple[str, str]] = set()
        for el in reader.records.values():
            for attr, pred in _ID_ATTRS:
                v = el.get(attr)
                wanted.update((pred, str(x)) for x in (v if isinstance(v, tuple) else (v,) if v is not None else ()))
        named: set[str] = set()
        for pred in ("run_id", "model_id"):
            values = {v for p, v in wanted - looked if p == pred}
            for chunk in _chunks(values):
                q = (
                    f"SELECT DISTINCT ?e WHERE {{ {_values('v', map(_lit, chunk))} ?e <{M2P}{pred}> ?w "
                    "FILTER(STR(?w) = ?v) }"
                )
                named.update(sol["e"].value for sol in reader.backend.query(q))
        looked |= wanted
        if not any("m2p:Commit" in el.types for el in reader.records.values()):  # whether the store has Git history
            q = f"SELECT ?c WHERE {{ ?c a <{M2P}Commit> }} LIMIT 1"
            named.update(sol["c"].value for sol in reader.backend.query(q))
        reader.ensure(named)
        roots |= named | {iri for iri, el in reader.records.items() if _ROOTS.intersection(el.types)}
    return reader.document()


def store_passport(store: str | Backend, ref: str, names: Iterable[str] | None = None) -> tuple[Any, ProvDoc]:
    """(passport card, document it was read from) of ``ref`` over the store's projects, reading only the units
    the passport needs; the card equals the passport in :func:`.links.linked_document`, cross-project notes
    included."""
    from ..query.passport import UnknownReferenceError, passport
    from .links import add_cross_project_notes, linked_document

    backend = open_backend(store)
    doc = cached_linked_document(backend, names) or passport_document(backend, ref, names)
    card = None
    if doc is not None:
        try:
            card = passport(doc, ref)
        except UnknownReferenceError:
            card = None  # the whole store names what exists
    if card is None or doc is None:
        doc = linked_document(backend, names)
        card = passport(doc, ref)
    add_cross_project_notes(doc, card)
    return card, doc
