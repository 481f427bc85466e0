"""`lineage()`: the sub-document of records upstream and/or downstream of one node.

*Upstream* of a record is what it came from: what generated it, what it used, was derived from, was
attributed or associated to, informed or started by, what it specializes, and the members it is made of.
*Downstream* is the reverse. :data:`UPSTREAM` fixes the direction of every relation kind in one table.
"""

from __future__ import annotations

import difflib
from collections import defaultdict, deque
from typing import Iterable

from ..core.errors import Mlflow2ProvError, OptionError
from ..core.provdoc import PROV_DM_NAMES, RELATION_KINDS, Element, ProvDoc, Relation

FORWARD = "forward"  # the relation's target (second endpoint) is upstream of its source
REVERSE = "reverse"  # the relation's source is upstream of its target
BOTH = "both"  # symmetric: each endpoint is upstream and downstream of the other

# Direction of every relation kind, read "source → target" with the endpoints of ENDPOINTS.
UPSTREAM: dict[str, str] = {
    "wasGeneratedBy": FORWARD,  # entity ← activity that generated it
    "used": FORWARD,  # activity ← entity it used
    "wasInformedBy": FORWARD,  # informed activity ← informant activity
    "wasStartedBy": FORWARD,  # started activity ← starter activity
    "wasEndedBy": FORWARD,  # ended activity ← ender activity
    "wasInvalidatedBy": REVERSE,  # the invalidating activity consumed the entity (like a usage)
    "wasDerivedFrom": FORWARD,  # generated entity ← used entity
    "wasAttributedTo": FORWARD,  # entity ← responsible agent
    "wasAssociatedWith": FORWARD,  # activity ← responsible agent
    "actedOnBehalfOf": FORWARD,  # delegate ← responsible agent
    "wasInfluencedBy": FORWARD,  # influencee ← influencer
    "specializationOf": FORWARD,  # specific entity ← general entity (alias → version → model)
    "alternateOf": BOTH,
    "hadMember": FORWARD,  # collection ← its members (a collection is made of them)
    "mentionOf": FORWARD,
}
assert set(UPSTREAM) == set(RELATION_KINDS)

DIRECTIONS = ("up", "down", "both")
_DM_TO_JSON = {v.lower(): k for k, v in PROV_DM_NAMES.items()}


class UnknownNodeError(Mlflow2ProvError):
    """A node id that is not in the document."""

    exit_code = 2


def relation_kinds(relations: Iterable[str] | str | None) -> frozenset[str]:
    """Normalise a selection of relation kinds (PROV-JSON ``wasGeneratedBy`` or PROV-DM ``Generation``)."""
    if relations is None:
        return frozenset(RELATION_KINDS)
    if isinstance(relations, str):
        relations = [r for r in relations.replace(",", " ").split() if r]
    out = set()
    lower = {k.lower(): k for k in RELATION_KINDS}
    for r in relations:
        name = str(r).strip()
        kind = lower.get(name.lower()) or _DM_TO_JSON.get(name.lower())
        if kind is None:
            raise OptionError(
                f"unknown relation kind {name!r}; use PROV-JSON names ({', '.join(RELATION_KINDS)}) "
                "or PROV-DM names such as Generation"
            )
        out.add(kind)
    return frozenset(out)


def resolve_node(doc: ProvDoc, node: str) -> str:
    """The id of ``node`` in ``doc``: an element id, a relation endpoint, or a full URI of one.

    Raises :class:`UnknownNodeError` naming the id and the closest ids in the document.
    """
    node = str(node).strip()
    if node in doc.elements:
        return node
    for prefix, uri in doc.prefixes.items():
        if uri and node.startswith(uri):
            cand = f"{prefix}:{node[len(uri) :]}"
            if cand in doc.elements or _is_endpoint(doc, cand):
                return cand
    if _is_endpoint(doc, node):
        return node
    ids = list(doc.elements)
    close = difflib.get_close_matches(node, ids, n=3, cutoff=0.6)
    if not close:
        tail = node.rsplit("/", 1)[-1]
        close = [i for i in ids if tail and tail in i][:3]
    hint = f"; did you mean {', '.join(close)}?" if close else "; list the ids with doc.elements"
    raise UnknownNodeError(f"no record with id {node!r} in the document{hint}")


def _is_endpoint(doc: ProvDoc, node: str) -> bool:
    return any(node in (r.source, r.target) for r in doc.relations)


def neighbours(doc: ProvDoc, kinds: frozenset[str] | None = None) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Adjacency by relation index: (up, down) where ``up[x]`` lists relations leading upstream from x."""
    up: dict[str, list[int]] = defaultdict(list)
    down: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(doc.relations):
        if kinds is not None and r.kind not in kinds:
            continue
        s, t = r.source, r.target
        if s is None or t is None:
            continue
        d = UPSTREAM[r.kind]
        if d in (FORWARD, BOTH):
            up[s].append(i)
            down[t].append(i)
        if d in (REVERSE, BOTH):
            up[t].append(i)
            down[s].append(i)
    return up, down


def _walk(doc: ProvDoc, start: str, adj: dict[str, list[int]], depth: int | None) -> set[str]:
    seen = {start}
    queue: deque[tuple[str, int]] = deque([(start, 0)])
    while queue:
        node, d = queue.popleft()
        if depth is not None and d >= depth:
            continue
        for i in adj.get(node, ()):
            r = doc.relations[i]
            other = r.target if r.source == node else r.source
            if r.source == r.target:
                other = node
            if other is not None and other not in seen:
                seen.add(other)
                queue.append((other, d + 1))
    return seen


def reachable(
    doc: ProvDoc,
    node: str | Iterable[str],
    direction: str = "up",
    depth: int | None = None,
    relations: Iterable[str] | str | None = None,
) -> set[str]:
    """Ids reachable from ``node`` (or from any of several nodes), themselves included; see :func:`lineage`."""
    if direction not in DIRECTIONS:
        raise OptionError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    if depth is not None:
        try:
            depth = int(depth)
        except (TypeError, ValueError):
            raise OptionError(f"depth must be a whole number, not {depth!r}") from None
        if depth < 0:
            raise OptionError("depth must be 0 or more (or None for no limit)")
    kinds = relation_kinds(relations)
    starts = [node] if isinstance(node, str) else list(node)
    up, down = neighbours(doc, kinds)
    ids: set[str] = set()
    for s in starts:
        start = resolve_node(doc, s)
        if direction in ("up", "both"):
            ids |= _walk(doc, start, up, depth)
        if direction in ("down", "both"):
            ids |= _walk(doc, start, down, depth)
    return ids


def lineage(
    doc: ProvDoc,
    node: str | Iterable[str],
    direction: str = "up",
    depth: int | None = None,
    relations: Iterable[str] | str | None = None,
) -> ProvDoc:
    """The sub-document of the records reachable from ``node``.

    Args:
        doc: the document to query.
        node: an element id (``mlflow:run/<id>``), a relation endpoint id, or a full URI of one; or several
            (e.g. the members of a collapsed metric series): the union of their lineages.
        direction: ``"up"`` (what it came from), ``"down"`` (what came from it) or ``"both"`` (the union
            of the two, not the whole connected component). Directions per kind: :data:`UPSTREAM`.
        depth: the largest number of relation steps from ``node`` (None: no limit; 0: the node alone).
        relations: the relation kinds to follow (PROV-JSON or PROV-DM names; None: all).

    Returns a new :class:`ProvDoc` with the reached elements and every relation of the followed kinds
    between two reached ids, in the order of ``doc``. Raises :class:`UnknownNodeError` for an unknown
    node and :class:`~mlflow2prov_jupyter.core.errors.OptionError` for bad arguments.
    """
    kinds = relation_kinds(relations)
    starts = [node] if isinstance(node, str) else list(node)
    ids = reachable(doc, starts, direction, depth, kinds)
    label = {"up": "upstream", "down": "downstream", "both": "lineage"}[direction]
    what = resolve_node(doc, starts[0]) if len(starts) == 1 else f"{len(starts)} nodes"
    return subdocument(doc, ids, kinds, name=f"{label} of {what}")


def subdocument(
    doc: ProvDoc,
    ids: Iterable[str],
    kinds: Iterable[str] | None = None,
    name: str | None = None,
    relations: Iterable[Relation] | None = None,
) -> ProvDoc:
    """A new document with the elements of ``ids`` and the relations among them.

    With ``relations`` given, exactly those relations are kept (they need not lie among ``ids``);
    otherwise every relation of ``kinds`` (default: all) whose two endpoints are in ``ids``.
    """
    keep = set(ids)
    out = ProvDoc(doc.prefixes, name if name is not None else doc.name)
    for eid, el in doc.elements.items():
        if eid in keep:
            out.elements[eid] = Element(el.kind, el.id, dict(el.attrs))
    if relations is not None:
        chosen = list(relations)
    else:
        allowed = set(kinds) if kinds is not None else set(RELATION_KINDS)
        chosen = [r for r in doc.relations if r.kind in allowed and r.source in keep and r.target in keep]
    for r in chosen:
        out.relations.append(Relation(r.kind, r.args, dict(r.attrs) if r.attrs else None, r.id))
    return out


__all__ = [
    "lineage",
    "reachable",
    "subdocument",
    "resolve_node",
    "relation_kinds",
    "neighbours",
    "UPSTREAM",
    "FORWARD",
    "REVERSE",
    "BOTH",
    "UnknownNodeError",
]
