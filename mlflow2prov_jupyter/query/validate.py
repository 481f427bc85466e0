"""`validate()`: PROV-DM structure and the PROV-CONSTRAINTS a single document can violate.

Each :class:`Finding` names its rule (``code``), the records involved (element ids, and the positions of
the relations in ``doc.relations``) and one plain sentence a person who doesn't know PROV can read
("run rf-40-trees ends before it starts (…)"), naming records by short names (:mod:`.plain`); the full
ids are in ``records``, ``nodes`` (what a view centres on) and ``names`` (id → short name). Errors make
a document invalid PROV; warnings flag what PROV allows but this toolkit's model (docs/prov-model.md) does not expect.

Checked (PROV-CONSTRAINTS names in brackets):

* structure — undeclared prefix, missing mandatory argument, non-id argument, formal time that is not an
  xsd:dateTime (error); unknown endpoint, duplicate relation, naive or pre-1971 time, prov:type given as a
  string, a collection without prov:Collection type (warning);
* typing — an id required to be an entity by one relation and an activity by another [entity-activity-
  disjoint]; a relation argument that is an element of the wrong kind (error for entity/activity, warning
  for agents, which PROV lets also be entities or activities); membership of an empty collection
  [membership-empty-collection];
* keys — one id with two kinds [key-object] or two values of one formal attribute [unique-startTime,
  unique-endTime]; two relations with one id and different content [key-properties]; an entity generated
  or invalidated at two different times [unique-generation, generation-generation-ordering, …];
* event ordering, on the recorded times — start after end [start-precedes-end], usage / generation
  outside the activity [usage-within-activity, generation-within-activity], invalidation before
  generation, usage before generation or after invalidation [generation-precedes-invalidation,
  generation-precedes-usage, usage-precedes-invalidation], a used entity generated after the derived one
  [derivation-generation-generation-ordering], an informant starting after the informed activity ended
  [wasInformedBy-ordering], a start / end event at another time than the activity's [unique-startTime,
  unique-endTime], a starter or trigger later than the start [wasStartedBy-ordering], a general entity
  generated after / invalidated before its specialization [specialization-generation-ordering,
  specialization-invalidation-ordering];
* impossibilities — self-derivation and derivation cycles (derivation is strictly ordered), self-
  specialization and specialization cycles [impossible-specialization-reflexive].

Times only order events when they differ: equal times are accepted (sources record milliseconds).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, TypeVar, overload

from ..core.errors import DocumentFormatError
from ..core.provdoc import (
    ELEMENT_KINDS,
    RELATION_FORMALS,
    ProvDoc,
    QName,
    Relation,
    _canon_value,
    parse_time,
)
from .plain import distinct_times, element_name, when

ERROR = "error"
WARNING = "warning"

# Mandatory formal arguments per relation kind (PROV-DM): the others may be absent ("-").
MANDATORY: dict[str, tuple[str, ...]] = {
    "wasGeneratedBy": ("prov:entity",),
    "used": ("prov:activity",),
    "wasInformedBy": ("prov:informed", "prov:informant"),
    "wasStartedBy": ("prov:activity",),
    "wasEndedBy": ("prov:activity",),
    "wasInvalidatedBy": ("prov:entity",),
    "wasDerivedFrom": ("prov:generatedEntity", "prov:usedEntity"),
    "wasAttributedTo": ("prov:entity", "prov:agent"),
    "wasAssociatedWith": ("prov:activity",),
    "actedOnBehalfOf": ("prov:delegate", "prov:responsible"),
    "wasInfluencedBy": ("prov:influencee", "prov:influencer"),
    "specializationOf": ("prov:specificEntity", "prov:generalEntity"),
    "alternateOf": ("prov:alternate1", "prov:alternate2"),
    "hadMember": ("prov:collection", "prov:entity"),
    "mentionOf": ("prov:specificEntity", "prov:generalEntity", "prov:bundle"),
}
# The kind of element each id-valued argument must be (PROV-CONSTRAINTS typing constraint).
TYPING: dict[str, dict[str, str]] = {
    "wasGeneratedBy": {"prov:entity": "entity", "prov:activity": "activity"},
    "used": {"prov:activity": "activity", "prov:entity": "entity"},
    "wasInformedBy": {"prov:informed": "activity", "prov:informant": "activity"},
    "wasStartedBy": {"prov:activity": "activity", "prov:trigger": "entity", "prov:starter": "activity"},
    "wasEndedBy": {"prov:activity": "activity", "prov:trigger": "entity", "prov:ender": "activity"},
    "wasInvalidatedBy": {"prov:entity": "entity", "prov:activity": "activity"},
    "wasDerivedFrom": {"prov:generatedEntity": "entity", "prov:usedEntity": "entity", "prov:activity": "activity"},
    "wasAttributedTo": {"prov:entity": "entity", "prov:agent": "agent"},
    "wasAssociatedWith": {"prov:activity": "activity", "prov:agent": "agent", "prov:plan": "entity"},
    "actedOnBehalfOf": {"prov:delegate": "agent", "prov:responsible": "agent", "prov:activity": "activity"},
    "wasInfluencedBy": {},
    "specializationOf": {"prov:specificEntity": "entity", "prov:generalEntity": "entity"},
    "alternateOf": {"prov:alternate1": "entity", "prov:alternate2": "entity"},
    "hadMember": {"prov:collection": "entity", "prov:entity": "entity"},
    "mentionOf": {"prov:specificEntity": "entity", "prov:generalEntity": "entity"},
}
# Arguments that name other relations (derivation's generation/usage), not elements.
_RELATION_REFS = frozenset({"prov:generation", "prov:usage"})
_TIME_ARGS = frozenset({"prov:time"})
_BUILTIN_PREFIXES = frozenset({"prov", "xsd", "xml", "rdf", "rdfs"})
_EPOCH_LIMIT = datetime(1971, 1, 1, tzinfo=timezone.utc)

# Every code validate() can report, with its severity.
CODES: dict[str, str] = {
    "undeclared-prefix": ERROR,
    "missing-argument": ERROR,
    "bad-argument": ERROR,
    "bad-time": ERROR,
    "unknown-endpoint": WARNING,
    "duplicate-relation": WARNING,
    "naive-time": WARNING,
    "epoch-time": WARNING,
    "type-not-qname": WARNING,
    "collection-untyped": WARNING,
    "typing-conflict": ERROR,
    "wrong-kind": ERROR,  # warning when an agent is involved
    "empty-collection-member": ERROR,
    "key-kind": ERROR,
    "key-formal": ERROR,
    "key-relation": ERROR,
    "generation-times-differ": ERROR,
    "invalidation-times-differ": ERROR,
    "start-after-end": ERROR,
    "usage-outside-activity": ERROR,
    "generation-outside-activity": ERROR,
    "invalidation-before-generation": ERROR,
    "usage-before-generation": ERROR,
    "usage-after-invalidation": ERROR,
    "derivation-before-generation": ERROR,
    "informant-after-informed": ERROR,
    "start-time-mismatch": ERROR,
    "end-time-mismatch": ERROR,
    "starter-after-start": ERROR,
    "trigger-after-start": ERROR,
    "specialization-generation-order": ERROR,
    "specialization-invalidation-order": ERROR,
    "self-derivation": ERROR,
    "derivation-cycle": ERROR,
    "self-specialization": ERROR,
    "specialization-cycle": ERROR,
}

# Each relation kind in words: "A <words> B".
RELATION_WORDS: dict[str, str] = {
    "wasGeneratedBy": "was created by",
    "used": "used",
    "wasInformedBy": "depends on",
    "wasStartedBy": "was started by",
    "wasEndedBy": "was ended by",
    "wasInvalidatedBy": "was deleted by",
    "wasDerivedFrom": "comes from",
    "wasAttributedTo": "is attributed to",
    "wasAssociatedWith": "was done by",
    "actedOnBehalfOf": "acted on behalf of",
    "wasInfluencedBy": "was influenced by",
    "specializationOf": "is a more specific form of",
    "alternateOf": "is an alternate of",
    "hadMember": "contains",
    "mentionOf": "mentions",
}
_TIME_WORDS = {"prov:startTime": "start time", "prov:endTime": "end time"}


@dataclass(frozen=True)
class Finding:
    """One problem: ``severity`` (error | warning), rule ``code``, a one-line plain ``message`` (records
    called by short names), the element ids involved (``records``) and the positions of the relations
    involved in ``doc.relations``. ``nodes``: the elements of the document to centre a view on (the
    records and both ends of the relations); ``names``: id → the short name the message uses."""

    severity: str
    code: str
    message: str
    records: tuple[str, ...] = ()
    relations: tuple[int, ...] = field(default=(), compare=False)
    nodes: tuple[str, ...] = field(default=(), compare=False)
    names: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "records": list(self.records),
            "relations": list(self.relations),
            "nodes": list(self.nodes),
            "names": dict(self.names),
        }

    def __str__(self) -> str:
        return f"{self.severity}: {self.code}: {self.message}"


@overload
def _t(v: datetime) -> datetime: ...
@overload
def _t(v: Any) -> datetime | None: ...
def _t(v: Any) -> datetime | None:
    """A comparable instant (naive taken as UTC), or None for anything that is not a time."""
    if isinstance(v, tuple):
        vals = [x for x in (_t(x) for x in v) if x is not None]
        return min(vals) if vals else None
    if not isinstance(v, datetime):
        return None
    return v if v.tzinfo else v.replace(tzinfo=timezone.utc)


_V = TypeVar("_V")


def _at(table: Mapping[str, _V], key: object) -> _V | None:
    """``table[key]``, or None when absent or when ``key`` is no identifier (a relation's missing or
    malformed endpoint)."""
    return table.get(key) if isinstance(key, str) else None


class _Checker:
    def __init__(self, doc: ProvDoc):
        self.doc = doc
        self.findings: list[Finding] = []
        self._names: dict[str, str] = {}

    def add(
        self,
        code: str,
        message: str,
        records: Iterable[str | None] = (),
        relations: Iterable[int] = (),
        severity: str | None = None,
    ) -> None:
        recs = tuple(dict.fromkeys(r for r in records if r is not None))
        rels = tuple(sorted(set(relations)))
        ends = [
            a
            for i in rels
            if 0 <= i < len(self.doc.relations)
            for a in (self.doc.relations[i].source, self.doc.relations[i].target)
        ]
        nodes = tuple(x for x in dict.fromkeys([*recs, *ends]) if isinstance(x, str) and x in self.doc.elements)
        names = {x: self.name(x) for x in dict.fromkeys([*recs, *nodes]) if isinstance(x, str)}
        self.findings.append(Finding(severity or CODES[code], code, message, recs, rels, nodes, names))

    def name(self, eid: Any) -> str:
        """The short name of a record (:func:`.plain.element_name`), computed once per id."""
        key = eid if isinstance(eid, str) else repr(eid)
        if key not in self._names:
            self._names[key] = element_name(self.doc, eid)
        return self._names[key]

    def link(self, r: Any) -> str:
        """A relation in words: 'the link “run X used dataset Y”'."""
        return f"the link “{self.name(r.source)} {RELATION_WORDS[r.kind]} {self.name(r.target)}”"

    # -- structure ---------------------------------------------------------------------------------
    def prefixes(self) -> None:
        declared = set(self.doc.prefixes) | _BUILTIN_PREFIXES
        bad: dict[str, list[str]] = defaultdict(list)
        for eid in self.doc.elements:
            p = eid.split(":", 1)[0] if ":" in eid else None
            if p is None and "default" not in declared:
                bad["(none)"].append(eid)
            elif p is not None and p not in declared:
                bad[p].append(eid)
        for r in self.doc.relations:
            for name, a in zip(RELATION_FORMALS[r.kind], r.args):
                if not isinstance(a, str) or name in _TIME_ARGS or a in self.doc.elements:
                    continue
                p = a.split(":", 1)[0] if ":" in a else "(none)"
                if p == "(none)" and "default" in declared:
                    continue
                if p not in declared:
                    bad[p].append(a)
        for p, ids in sorted(bad.items()):
            ids = list(dict.fromkeys(ids))
            what = "has no prefix" if p == "(none)" else f"uses prefix {p!r}"
            self.add(
                "undeclared-prefix",
                f"{ids[0]} {what}, which the document does not declare"
                + (f" ({len(ids) - 1} more ids alike)" if len(ids) > 1 else ""),
                ids,
            )

    def elements(self) -> None:
        for eid, el in self.doc.elements.items():
            if el.kind not in ELEMENT_KINDS:
                self.add("key-kind", f"{self.name(eid)} has kind {el.kind!r}, not entity, activity or agent", [eid])
                continue
            for name in ("prov:startTime", "prov:endTime"):
                v = el.attrs.get(name)
                if v is None:
                    continue
                if el.kind != "activity":
                    self.add(
                        "bad-argument",
                        f"{self.name(eid)} is an {el.kind} but has a {_TIME_WORDS[name]} "
                        f"({name}); only activities have one",
                        [eid],
                    )
                vals = v if isinstance(v, tuple) else (v,)
                for x in vals:
                    self._check_time(x, f"the {_TIME_WORDS[name]} of {self.name(eid)}", [eid])
                distinct = {_canon_value(_t(x) or x) for x in vals}
                if len(distinct) > 1:
                    self.add(
                        "key-formal",
                        f"{self.name(eid)} has {len(distinct)} different {_TIME_WORDS[name]}s: "
                        + ", ".join(when(x) if isinstance(x, datetime) else str(x) for x in vals),
                        [eid],
                    )
            for x in el.values("prov:type"):
                if isinstance(x, str) and not isinstance(x, QName) and ":" in x and " " not in x:
                    self.add(
                        "type-not-qname",
                        f"the type {x!r} of {self.name(eid)} is plain text; give it as a qualified name",
                        [eid],
                    )

    def _check_time(self, v: Any, what: str, records: list[str], relations: Iterable[int] = ()) -> None:
        if not isinstance(v, datetime):
            self.add("bad-time", f"{what} is {v!r}, not a date and time (xsd:dateTime)", records, relations)
            return
        if v.tzinfo is None:
            self.add("naive-time", f"{what} ({when(v)}) has no time zone; it is read as UTC", records, relations)
        if _t(v) < _EPOCH_LIMIT:
            self.add(
                "epoch-time",
                f"{what} ({when(v)}) is before 1971: probably an unknown time stored as 0",
                records,
                relations,
            )

    def relations(self) -> None:
        doc = self.doc
        unknown: dict[str, list[int]] = defaultdict(list)
        required: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for i, r in enumerate(doc.relations):
            names = RELATION_FORMALS[r.kind]
            if len(r.args) > len(names):
                self.add(
                    "bad-argument",
                    f"a {r.kind} relation has {len(r.args)} arguments, at most {len(names)} allowed",
                    [],
                    [i],
                )
            args = dict(zip(names, r.args))
            for m in MANDATORY[r.kind]:
                if args.get(m) is None:
                    self.add(
                        "missing-argument",
                        f"a “{RELATION_WORDS[r.kind]}” link ({r.kind}) is missing its {m.split(':', 1)[1]}",
                        [a for n, a in args.items() if isinstance(a, str) and n not in _TIME_ARGS],
                        [i],
                    )
            for name, a in args.items():
                if a is None:
                    continue
                if name in _TIME_ARGS:
                    self._check_time(a, f"the time of {self.link(r)}", [], [i])
                    continue
                if not isinstance(a, str) or isinstance(a, datetime):
                    self.add(
                        "bad-argument",
                        f"the {name.split(':', 1)[1]} of a “{RELATION_WORDS[r.kind]}” link "
                        f"({r.kind}) is {a!r}, not an identifier",
                        [],
                        [i],
                    )
                    continue
                if name in _RELATION_REFS or (r.kind == "mentionOf" and name == "prov:bundle"):
                    continue
                if a not in doc.elements:
                    unknown[a].append(i)
                kind = TYPING[r.kind].get(name)
                if kind:
                    required[a][kind].append(i)
        for a, idx in unknown.items():
            self.add(
                "unknown-endpoint",
                f"{a} is linked by {len(idx)} relation{'s' if len(idx) != 1 else ''} "
                f"({', '.join(sorted({doc.relations[i].kind for i in idx}))}) but is not in the document",
                [a],
                idx,
            )
        self._typing(required)
        # Duplicate relations (docs/prov-model.md#identifiers).
        by_key: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for i, r in enumerate(doc.relations):
            by_key[r.key()].append(i)
        for same in by_key.values():
            if len(same) > 1:
                r = doc.relations[same[0]]
                self.add(
                    "duplicate-relation", f"{self.link(r)} is recorded {len(same)} times", [r.source, r.target], same
                )
        # Relations sharing an id with different content [key-properties].
        named: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(doc.relations):
            if r.id:
                named[r.id].append(i)
        for rid, idx in named.items():
            if len({(doc.relations[i].kind, doc.relations[i].key()[2]) for i in idx}) > 1:
                self.add(
                    "key-relation",
                    f"relation id {rid} names {len(idx)} relations with different kinds or arguments",
                    [],
                    idx,
                )

    def _typing(self, required: dict[str, dict[str, list[int]]]) -> None:
        doc = self.doc
        for a, kinds in required.items():
            if "entity" in kinds and "activity" in kinds:
                ent = sorted({doc.relations[i].kind for i in kinds["entity"]})
                act = sorted({doc.relations[i].kind for i in kinds["activity"]})
                self.add(
                    "typing-conflict",
                    f"{self.name(a)} is used both as a thing (entity: {', '.join(ent)}) and as an action "
                    f"(activity: {', '.join(act)}); it cannot be both",
                    [a],
                    kinds["entity"] + kinds["activity"],
                )
            el = doc.elements.get(a)
            if el is None:
                continue
            for kind, idx in kinds.items():
                if kind == el.kind:
                    continue
                rels = ", ".join(sorted({doc.relations[i].kind for i in idx}))
                severity = ERROR if {kind, el.kind} == {"entity", "activity"} else WARNING
                self.add(
                    "wrong-kind",
                    f"{self.name(a)} is an {el.kind}, but {rels} needs an {kind} there",
                    [a],
                    idx,
                    severity=severity,
                )

    def collections(self) -> None:
        doc = self.doc
        untyped: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(doc.relations):
            if r.kind != "hadMember" or not isinstance(r.source, str):
                continue
            el = doc.elements.get(r.source)
            if el is None:
                continue
            types = el.values("prov:type")
            if "prov:EmptyCollection" in types:
                self.add(
                    "empty-collection-member",
                    f"{self.name(r.source)} is declared empty (prov:EmptyCollection) but contains "
                    f"{self.name(r.target)}",
                    [r.source, r.target],
                    [i],
                )
            elif "prov:Collection" not in types:
                untyped[r.source].append(i)
        for c, idx in untyped.items():
            self.add("collection-untyped", f"{self.name(c)} has members but is not typed prov:Collection", [c], idx)

    # -- keys and event ordering -------------------------------------------------------------------
    def events(self) -> None:
        doc = self.doc
        start: dict[str, datetime] = {}
        end: dict[str, datetime] = {}
        for eid, el in doc.elements.items():
            if el.kind != "activity":
                continue
            t_start, t_end = _t(el.attrs.get("prov:startTime")), _t(el.attrs.get("prov:endTime"))
            if t_start is not None:
                start[eid] = t_start
            if t_end is not None:
                end[eid] = t_end
            if t_start is not None and t_end is not None and t_start > t_end:
                ts, te = distinct_times(t_start, t_end)
                self.add("start-after-end", f"{self.name(eid)} ends before it starts (starts {ts}, ends {te})", [eid])

        gens: dict[str, list[tuple[datetime, int, str | None]]] = defaultdict(list)
        invs: dict[str, list[tuple[datetime, int, str | None]]] = defaultdict(list)
        uses: list[tuple[str, datetime, int, str]] = []
        for i, r in enumerate(doc.relations):
            t = (
                _t(r.time)
                if r.kind in ("wasGeneratedBy", "used", "wasInvalidatedBy", "wasStartedBy", "wasEndedBy")
                else None
            )
            if r.kind == "wasGeneratedBy" and t is not None and isinstance(r.source, str):
                gens[r.source].append((t, i, r.target))
                self._within(r.target, t, i, start, end, "generation-outside-activity", "created", r.source)
            elif r.kind == "wasInvalidatedBy" and t is not None and isinstance(r.source, str):
                invs[r.source].append((t, i, r.target))
            elif r.kind == "used" and t is not None and isinstance(r.source, str):
                if isinstance(r.target, str):
                    uses.append((r.target, t, i, r.source))
                self._within(r.source, t, i, start, end, "usage-outside-activity", "used", r.target)
            elif r.kind in ("wasStartedBy", "wasEndedBy") and t is not None:
                self._start_end(r, i, t, start, end)

        for e, lst in gens.items():
            times = {x[0] for x in lst}
            if len(times) > 1:
                self.add(
                    "generation-times-differ",
                    f"{self.name(e)} is created {len(lst)} times, at different times "
                    f"({', '.join(distinct_times(*sorted(times)))}); a record is created once",
                    [e] + [x[2] for x in lst if x[2]],
                    [x[1] for x in lst],
                )
        for e, lst in invs.items():
            times = {x[0] for x in lst}
            if len(times) > 1:
                self.add(
                    "invalidation-times-differ",
                    f"{self.name(e)} is deleted {len(lst)} times, at different times "
                    f"({', '.join(distinct_times(*sorted(times)))}); a record is deleted once",
                    [e] + [x[2] for x in lst if x[2]],
                    [x[1] for x in lst],
                )
        first_gen = {e: min(lst) for e, lst in gens.items()}
        last_inv = {e: max(lst) for e, lst in invs.items()}
        first_inv = {e: min(lst) for e, lst in invs.items()}
        for e, (ti, ii, ai) in first_inv.items():
            g = first_gen.get(e)
            if g is not None and ti < g[0]:
                t1, t2 = distinct_times(ti, g[0])
                self.add(
                    "invalidation-before-generation",
                    f"{self.name(e)} is deleted ({t1}) before it is created ({t2})",
                    [e, ai, g[2]],
                    [ii, g[1]],
                )
        for e, t, i, a in uses:
            g = first_gen.get(e)
            if g is not None and t < g[0]:
                t1, t2 = distinct_times(t, g[0])
                self.add(
                    "usage-before-generation",
                    f"{self.name(a)} uses {self.name(e)} at {t1}, before it was created ({t2})",
                    [a, e, g[2]],
                    [i, g[1]],
                )
            inv = last_inv.get(e)
            if inv is not None and t > inv[0]:
                t1, t2 = distinct_times(t, inv[0])
                self.add(
                    "usage-after-invalidation",
                    f"{self.name(a)} uses {self.name(e)} at {t1}, after it was deleted ({t2})",
                    [a, e, inv[2]],
                    [i, inv[1]],
                )

        for i, r in enumerate(doc.relations):
            if r.kind == "wasDerivedFrom":
                g2, g1 = _at(first_gen, r.source), _at(first_gen, r.target)
                if g1 is not None and g2 is not None and g1[0] > g2[0]:
                    t2, t1 = distinct_times(g2[0], g1[0])
                    self.add(
                        "derivation-before-generation",
                        f"{self.name(r.source)} (created {t2}) comes from {self.name(r.target)}, which was "
                        f"created later ({t1})",
                        [r.source, r.target],
                        [i, g1[1], g2[1]],
                    )
            elif r.kind == "wasInformedBy":
                s1, e2 = _at(start, r.target), _at(end, r.source)
                if s1 is not None and e2 is not None and s1 > e2:
                    t2, t1 = distinct_times(e2, s1)
                    self.add(
                        "informant-after-informed",
                        f"{self.name(r.source)} ended ({t2}) before {self.name(r.target)} started ({t1}), "
                        "yet it is recorded as depending on it",
                        [r.source, r.target],
                        [i],
                    )
            elif r.kind == "specializationOf":
                gs, gg = _at(first_gen, r.source), _at(first_gen, r.target)
                if gs is not None and gg is not None and gg[0] > gs[0]:
                    t1, t2 = distinct_times(gs[0], gg[0])
                    self.add(
                        "specialization-generation-order",
                        f"{self.name(r.source)} (created {t1}) is a more specific form of "
                        f"{self.name(r.target)}, which was created later ({t2})",
                        [r.source, r.target],
                        [i, gs[1], gg[1]],
                    )
                vs, vg = _at(last_inv, r.source), _at(first_inv, r.target)
                if vs is not None and vg is not None and vs[0] > vg[0]:
                    t1, t2 = distinct_times(vs[0], vg[0])
                    self.add(
                        "specialization-invalidation-order",
                        f"{self.name(r.source)} (deleted {t1}) is a more specific form of "
                        f"{self.name(r.target)}, which was deleted earlier ({t2})",
                        [r.source, r.target],
                        [i, vs[1], vg[1]],
                    )
            elif r.kind in ("wasStartedBy", "wasEndedBy"):
                t = _t(r.time)
                trig = r.formal("prov:trigger")
                if t is not None and r.kind == "wasStartedBy" and isinstance(trig, str):
                    g = first_gen.get(trig)
                    if g is not None and g[0] > t:
                        t1, t2 = distinct_times(t, g[0])
                        self.add(
                            "trigger-after-start",
                            f"{self.name(r.source)} was started ({t1}) by {self.name(trig)}, which was "
                            f"created later ({t2})",
                            [r.source, trig],
                            [i, g[1]],
                        )

    def _within(
        self,
        act: Any,
        t: datetime,
        i: int,
        start: dict[str, datetime],
        end: dict[str, datetime],
        code: str,
        verb: str,
        entity: Any,
    ) -> None:
        """``act`` ``verb`` (created / used) ``entity`` at ``t``: flag it when outside act's start and end."""
        if not isinstance(act, str):
            return
        s, e = start.get(act), end.get(act)
        if s is not None and t < s:
            t1, t2 = distinct_times(t, s)
            when_words = f"at {t1}, before it started ({t2})"
        elif e is not None and t > e:
            t1, t2 = distinct_times(t, e)
            when_words = f"at {t1}, after it ended ({t2})"
        else:
            return
        what = self.name(entity) if entity is not None else "an entity"
        if what == self.name(act):  # a run's execution and the run's record share the name "run X"
            what = "its own record"
        r = self.doc.relations[i]
        self.add(code, f"{self.name(act)} {verb} {what} {when_words}", [r.source, r.target], [i])

    def _start_end(
        self, r: Relation, i: int, t: datetime, start: dict[str, datetime], end: dict[str, datetime]
    ) -> None:
        act = r.source
        if r.kind == "wasStartedBy":
            s = _at(start, act)
            if s is not None and s != t:
                t1, t2 = distinct_times(s, t)
                self.add(
                    "start-time-mismatch",
                    f"{self.name(act)} starts at {t1}, but its start is recorded at {t2} (wasStartedBy)",
                    [act, r.target],
                    [i],
                )
            starter = r.target
            s2 = start.get(starter) if isinstance(starter, str) else None
            if s2 is not None and s2 > t:
                t1, t2 = distinct_times(t, s2)
                self.add(
                    "starter-after-start",
                    f"{self.name(act)} was started ({t1}) by {self.name(starter)}, which started later ({t2})",
                    [act, starter],
                    [i],
                )
        else:
            e = _at(end, act)
            if e is not None and e != t:
                t1, t2 = distinct_times(e, t)
                self.add(
                    "end-time-mismatch",
                    f"{self.name(act)} ends at {t1}, but its end is recorded at {t2} (wasEndedBy)",
                    [act, r.target],
                    [i],
                )

    # -- impossibilities ---------------------------------------------------------------------------
    def cycles(self) -> None:
        for kind, self_code, cycle_code, verb in (
            ("wasDerivedFrom", "self-derivation", "derivation-cycle", RELATION_WORDS["wasDerivedFrom"]),
            ("specializationOf", "self-specialization", "specialization-cycle", RELATION_WORDS["specializationOf"]),
        ):
            graph: dict[str, set[str]] = defaultdict(set)
            rel_idx: dict[tuple[str, str], list[int]] = defaultdict(list)
            for i, r in enumerate(self.doc.relations):
                if r.kind != kind or not isinstance(r.source, str) or not isinstance(r.target, str):
                    continue
                if r.source == r.target:
                    self.add(self_code, f"{self.name(r.source)} {verb} itself", [r.source], [i])
                    continue
                graph[r.source].add(r.target)
                rel_idx[(r.source, r.target)].append(i)
            for comp in _sccs(graph):
                if len(comp) < 2:
                    continue
                members = sorted(comp)
                idx = [i for (s, t), lst in rel_idx.items() if s in comp and t in comp for i in lst]
                self.add(
                    cycle_code,
                    f"{self.name(members[0])} {verb} itself through a cycle of {len(members)} records "
                    f"({', '.join(self.name(m) for m in members[:5])}{', …' if len(members) > 5 else ''})",
                    members,
                    idx,
                )


def _sccs(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    nodes = set(graph) | {t for ts in graph.values() for t in ts}
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    advanced = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(comp)
    return out


# ------------------------------------------------------------------------------------- raw PROV-JSON
def _raw_keys(data: dict[str, Any]) -> tuple[list[Finding], dict[str, Any]]:
    """Key violations only visible in PROV-JSON text (one id with two kinds or two formal values).

    Returns the findings and a copy of ``data`` keeping only the first kind of each id, readable by
    :meth:`ProvDoc.from_json`.
    """
    findings: list[Finding] = []
    groups = [data] + [b for b in (data.get("bundle") or {}).values() if isinstance(b, dict)]
    kinds: dict[str, list[str]] = defaultdict(list)
    formals: dict[tuple[str, str], set[tuple[Any, ...]]] = defaultdict(set)
    for g in groups:
        for kind in ELEMENT_KINDS:
            recs = g.get(kind)
            if not isinstance(recs, dict):
                continue
            for eid, content in recs.items():
                if kind not in kinds[eid]:
                    kinds[eid].append(kind)
                for item in content if isinstance(content, list) else [content]:
                    if not isinstance(item, dict):
                        continue
                    for name in ("prov:startTime", "prov:endTime"):
                        v = item.get(name)
                        if v is None:
                            continue
                        v = v.get("$") if isinstance(v, dict) else v
                        try:
                            formals[(eid, name)].add(_canon_value(_t(parse_time(v)) or v))
                        except (ValueError, TypeError):
                            formals[(eid, name)].add(("s", str(v)))
    drop: dict[str, set[str]] = defaultdict(set)
    for eid, ks in kinds.items():
        if len(ks) > 1:
            findings.append(
                Finding(
                    ERROR,
                    "key-kind",
                    f"{eid} is declared both as {' and as '.join(ks)}; one id names one record",
                    (eid,),
                )
            )
            for k in ks[1:]:
                drop[k].add(eid)
    for (eid, name), vals in formals.items():
        if len(vals) > 1:
            findings.append(
                Finding(ERROR, "key-formal", f"{eid} is declared with {len(vals)} different {name} values", (eid,))
            )
    if not drop:
        return findings, data
    clean = json.loads(json.dumps(data))
    for g in [clean] + [b for b in (clean.get("bundle") or {}).values() if isinstance(b, dict)]:
        for kind, ids in drop.items():
            recs = g.get(kind)
            if isinstance(recs, dict):
                for eid in ids:
                    recs.pop(eid, None)
    return findings, clean


def _order(f: Finding) -> tuple[int, str, tuple[str, ...], str]:
    return (0 if f.severity == ERROR else 1, f.code, f.records, f.message)


def validate(doc: ProvDoc | str | bytes | dict[str, Any]) -> list[Finding]:
    """Check a document against PROV-DM structure and the PROV-CONSTRAINTS one document can violate.

    ``doc`` is a :class:`ProvDoc` or PROV-JSON (text or parsed dict; then key violations that reading
    would hide — one id with two kinds or two start times — are found too). Returns the findings, errors
    first; an empty list means valid. ``[f for f in findings if f.severity == "error"]`` decides validity.
    """
    pre: list[Finding] = []
    if not isinstance(doc, ProvDoc):
        data = doc
        if isinstance(doc, (str, bytes, bytearray)):
            try:
                data = json.loads(doc)
            except (ValueError, UnicodeDecodeError) as exc:
                raise DocumentFormatError(
                    f"validate needs a ProvDoc or PROV-JSON text; this is not JSON ({exc})"
                ) from None
        if not isinstance(data, dict):
            raise DocumentFormatError("validate needs a ProvDoc or a PROV-JSON object")
        pre, data = _raw_keys(data)
        doc = ProvDoc.from_json(data)
    c = _Checker(doc)
    for f in pre:  # found in the PROV-JSON text: now name their nodes in the document read
        c.add(f.code, f.message, f.records, f.relations, f.severity)
    c.prefixes()
    c.elements()
    c.relations()
    c.collections()
    c.events()
    c.cycles()
    return sorted(c.findings, key=_order)


def errors(findings: Iterable[Finding]) -> list[Finding]:
    """The findings of severity error."""
    return [f for f in findings if f.severity == ERROR]


def findings_markdown(findings: list[Finding]) -> str:
    """A Markdown table of findings (or a line saying none were found)."""
    if not findings:
        return "No findings: the document is valid PROV.\n"
    n_err = sum(f.severity == ERROR for f in findings)
    lines = [
        f"{n_err} error(s), {len(findings) - n_err} warning(s)",
        "",
        "| severity | code | message | records |",
        "|---|---|---|---|",
    ]
    for f in findings:
        cells = [f.severity, f.code, f.message, ", ".join(f.records)]
        lines.append("| " + " | ".join(" ".join(x.split()).replace("|", "\\|") for x in cells) + " |")
    return "\n".join(lines) + "\n"


__all__ = ["validate", "Finding", "CODES", "MANDATORY", "TYPING", "errors", "findings_markdown", "ERROR", "WARNING"]
