"""Unification of records sharing an identifier, relation dedupe (docs/prov-model.md#operations: merge, transform).

Semantics follow prov's ``unified()``: records with one identifier become one record, non-formal attributes
are unioned (prov:type and prov:label too), an absent formal value is filled from another record, times
compare as instants, and two different concrete formal values (or incompatible kinds) are a conflict.
``hadMember``, ``specializationOf``, ``alternateOf`` and ``mentionOf`` records are never merged by id.
Then relations are deduplicated: equal (kind, id, formal attributes incl. time) collapse into one with
their extra attributes unioned.
"""

from __future__ import annotations

import warnings
from typing import Any, Iterable

from ..core.errors import MergeConflictError
from ..core.gcpause import without_gc
from ..core.provdoc import (
    RELATION_FORMALS,
    Element,
    ProvDoc,
    Relation,
    _canon_args,
    _canon_value,
    add_value,
)


class MergeConflictWarning(UserWarning):
    """A merge conflict resolved by keeping the earliest document's value (``on_conflict="first"``)."""


ELEMENT_FORMAL_ATTRS = frozenset({"prov:startTime", "prov:endTime"})
# Relations that PROV gives no identifier to merge on (prov's unified() passes them through).
KEYLESS = frozenset({"hadMember", "specializationOf", "alternateOf", "mentionOf"})
# PROV-CONSTRAINTS 53: identified relations no two of which may share an identifier.
_DISJOINT = frozenset(
    {
        "wasGeneratedBy",
        "used",
        "wasInformedBy",
        "wasStartedBy",
        "wasEndedBy",
        "wasInvalidatedBy",
        "wasAttributedTo",
        "wasAssociatedWith",
        "actedOnBehalfOf",
    }
)


def _same(a: Any, b: Any) -> bool:
    return _canon_value(a) == _canon_value(b)


class Unifier:
    """Accumulates records of one or more documents (by index) and unifies them.

    ``on_conflict="error"`` collects every conflict; :meth:`result` then raises :class:`MergeConflictError`.
    ``"first"`` keeps the earliest document's value and emits a :class:`MergeConflictWarning` per conflict.
    Input records are never modified: stored records are copies.
    """

    def __init__(self, on_conflict: str = "error"):
        self.on_conflict = on_conflict
        self.elements: dict[str, Element] = {}
        self._el_doc: dict[str, int] = {}
        self._formal_doc: dict[tuple[str, str], int] = {}
        self.relations: list[Relation | None] = []
        self._rel_doc: list[int] = []
        self._conflicts: dict[tuple[str, str], dict[str, Any]] = {}

    # -- conflicts --------------------------------------------------------------------------------------
    def _conflict(self, ident: str, kind: str, attribute: str, first: tuple[Any, int], other: tuple[Any, int]) -> None:
        key = (ident, attribute)
        c = self._conflicts.get(key)
        if c is None:
            c = {
                "identifier": ident,
                "kind": kind,
                "attribute": attribute,
                "values": [first[0]],
                "documents": [first[1]],
            }
            self._conflicts[key] = c
        c["values"].append(other[0])
        c["documents"].append(other[1])

    @property
    def conflicts(self) -> list[dict[str, Any]]:
        return list(self._conflicts.values())

    # -- elements ---------------------------------------------------------------------------------------
    def add_element(self, el: Element, doc: int = 0) -> None:
        cur = self.elements.get(el.id)
        if cur is None:
            self.elements[el.id] = Element(el.kind, el.id, dict(el.attrs))
            self._el_doc[el.id] = doc
            return
        if cur.kind != el.kind:
            self._conflict(el.id, cur.kind, "kind", (cur.kind, self._el_doc[el.id]), (el.kind, doc))
            return
        attrs = cur.attrs
        for k, v in el.attrs.items():
            if k in ELEMENT_FORMAL_ATTRS:
                have = attrs.get(k)
                if have is None:
                    attrs[k] = v
                    self._formal_doc[(el.id, k)] = doc
                elif not _same(have, v):
                    src = self._formal_doc.get((el.id, k), self._el_doc[el.id])
                    self._conflict(el.id, cur.kind, k, (have, src), (v, doc))
                continue
            if type(v) is tuple:
                for x in v:
                    add_value(attrs, k, x)
            else:
                add_value(attrs, k, v)

    # -- relations --------------------------------------------------------------------------------------
    def add_relation(self, r: Relation, doc: int = 0) -> None:
        self.relations.append(r)
        self._rel_doc.append(doc)

    def _kept(self, i: int) -> Relation:
        """Relation ``i``, not yet joined into another (a join empties only its own group's other members)."""
        r = self.relations[i]
        assert r is not None
        return r

    def _unify_identified(self) -> None:
        """Join identified relations sharing (kind, id); record kind clashes with elements or other kinds."""
        groups: dict[str, list[int]] = {}
        for i, r in enumerate(self.relations):
            if r is not None and r.id is not None and r.kind not in KEYLESS:
                groups.setdefault(r.id, []).append(i)
        for rid, idx in groups.items():
            el = self.elements.get(rid)
            if el is not None:
                r = self._kept(idx[0])
                self._conflict(rid, el.kind, "kind", (el.kind, self._el_doc[rid]), (r.kind, self._rel_doc[idx[0]]))
                continue
            by_kind: dict[str, list[int]] = {}
            for i in idx:
                by_kind.setdefault(self._kept(i).kind, []).append(i)
            kinds = [k for k in by_kind if k in _DISJOINT]
            for k in kinds[1:]:
                a, b = by_kind[kinds[0]][0], by_kind[k][0]
                self._conflict(rid, kinds[0], "kind", (kinds[0], self._rel_doc[a]), (k, self._rel_doc[b]))
            for kind, members in by_kind.items():
                if len(members) > 1:
                    self._join(kind, rid, members)

    def _join(self, kind: str, rid: str, members: list[int]) -> None:
        names = RELATION_FORMALS[kind]
        first = self._kept(members[0])
        args: list[Any] = list(first.args) + [None] * (len(names) - len(first.args))
        # The document each value came from (read only where args[pos] holds a value).
        src = [self._rel_doc[members[0]]] * len(args)
        attrs: dict[str, Any] = dict(first.attrs) if first.attrs else {}
        for i in members[1:]:
            r = self._kept(i)
            doc = self._rel_doc[i]
            for pos, a in enumerate(r.args):
                if a is None:
                    continue
                if args[pos] is None:
                    args[pos], src[pos] = a, doc
                elif not _same(args[pos], a):
                    self._conflict(rid, kind, names[pos], (args[pos], src[pos]), (a, doc))
            for k, v in (r.attrs or {}).items():
                for x in v if type(v) is tuple else (v,):
                    add_value(attrs, k, x)
            self.relations[i] = None
        while args and args[-1] is None:
            args.pop()
        self.relations[members[0]] = Relation(kind, tuple(args), attrs or None, rid)

    def _dedupe(self) -> list[Relation]:
        out: list[Relation] = []
        index: dict[tuple[Any, ...], Relation] = {}
        for r in self.relations:
            if r is None:
                continue
            key = (r.kind, r.id, _canon_args(r.args))
            cur = index.get(key)
            if cur is None:
                new = Relation(r.kind, r.args, dict(r.attrs) if r.attrs else None, r.id)
                index[key] = new
                out.append(new)
                continue
            if r.attrs:
                if cur.attrs is None:
                    cur.attrs = {}
                for k, v in r.attrs.items():
                    for x in v if type(v) is tuple else (v,):
                        add_value(cur.attrs, k, x)
        return out

    # -- result -----------------------------------------------------------------------------------------
    def result(self, prefixes: dict[str, str], name: str | None = None) -> ProvDoc:
        """The unified document; raises :class:`MergeConflictError` (``error``) or warns (``first``)."""
        self._unify_identified()
        conflicts = self.conflicts
        if conflicts:
            if self.on_conflict == "error":
                raise MergeConflictError(conflicts)
            err = MergeConflictError(conflicts)
            for line in err.lines():
                warnings.warn(f"merge conflict, earliest document kept: {line}", MergeConflictWarning, stacklevel=3)
        out = ProvDoc(prefixes=prefixes, name=name)
        out.elements = self.elements
        out.relations = self._dedupe()
        return out


@without_gc  # builds many small acyclic records: see core/gcpause
def dedupe(doc: ProvDoc, *, on_conflict: str = "error") -> ProvDoc:
    """A copy of ``doc`` without duplicate records (docs/prov-model.md#operations, transform step 3).

    Relations keyed by (kind, id, formal attributes incl. time) collapse with their extra attributes
    unioned; identified relations sharing an id are unified as prov's ``unified()`` does.
    """
    u = Unifier(on_conflict)
    for el in doc.elements.values():
        u.add_element(el)
    for r in doc.relations:
        u.add_relation(r)
    return u.result(dict(doc.prefixes), doc.name)


def relation_key(r: Relation) -> tuple[Any, ...]:
    """The dedupe key of a relation: (kind, id, formal arguments with times as instants)."""
    return (r.kind, r.id, _canon_args(r.args))


def iter_unique(relations: Iterable[Relation]) -> list[Relation]:
    """Relations with equal :func:`relation_key` collapsed, extra attributes unioned (copies)."""
    u = Unifier()
    for r in relations:
        u.add_relation(r)
    return u._dedupe()


__all__ = ["Unifier", "MergeConflictWarning", "dedupe", "relation_key", "iter_unique", "KEYLESS"]
