"""`ProvDoc`: the lean, ordered, id-keyed PROV document users hold.

Records are plain Python objects rather than prov.model records, to keep extraction fast (bench/RESULTS.md):

* an :class:`Element` per entity, activity or agent, keyed by its qualified-name id;
* a :class:`Relation` per relation record, anonymous unless read from a document that named it.

Attribute names are qualified-name strings (``"m2p:sha"``, ``"prov:type"``); values are ``str``, ``int``,
``float``, ``bool``, aware ``datetime`` (xsd:dateTime), :class:`QName` (a qualified-name value such as a
prov:type) or :class:`Literal` (any other typed or language-tagged literal). An attribute with several
values holds a ``tuple``. PROV-JSON is written and read directly; :meth:`ProvDoc.to_prov` and
:meth:`ProvDoc.from_prov` convert to and from :class:`prov.model.ProvDocument` for everything else.
"""

from __future__ import annotations

import io
import json
import math
from collections import Counter
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator

from .errors import DocumentFormatError
from .gcpause import gc_paused
from .namespaces import PREFIXES, PROV, XSD

ELEMENT_KINDS = ("entity", "activity", "agent")

# PROV-JSON relation kinds → their formal attributes, in PROV-N argument order.
RELATION_FORMALS: dict[str, tuple[str, ...]] = {
    "wasGeneratedBy": ("prov:entity", "prov:activity", "prov:time"),
    "used": ("prov:activity", "prov:entity", "prov:time"),
    "wasInformedBy": ("prov:informed", "prov:informant"),
    "wasStartedBy": ("prov:activity", "prov:trigger", "prov:starter", "prov:time"),
    "wasEndedBy": ("prov:activity", "prov:trigger", "prov:ender", "prov:time"),
    "wasInvalidatedBy": ("prov:entity", "prov:activity", "prov:time"),
    "wasDerivedFrom": (
        "prov:generatedEntity",
        "prov:usedEntity",
        "prov:activity",
        "prov:generation",
        "prov:usage",
    ),
    "wasAttributedTo": ("prov:entity", "prov:agent"),
    "wasAssociatedWith": ("prov:activity", "prov:agent", "prov:plan"),
    "actedOnBehalfOf": ("prov:delegate", "prov:responsible", "prov:activity"),
    "wasInfluencedBy": ("prov:influencee", "prov:influencer"),
    "specializationOf": ("prov:specificEntity", "prov:generalEntity"),
    "alternateOf": ("prov:alternate1", "prov:alternate2"),
    "hadMember": ("prov:collection", "prov:entity"),
    "mentionOf": ("prov:specificEntity", "prov:generalEntity", "prov:bundle"),
}
RELATION_KINDS = tuple(RELATION_FORMALS)
ELEMENT_FORMALS: dict[str, tuple[str, ...]] = {
    "entity": (),
    "activity": ("prov:startTime", "prov:endTime"),
    "agent": (),
}
# Position of prov:time among a kind's formal arguments (None: the kind has none).
_TIME_AT: dict[str, int | None] = {k: (v.index("prov:time") if "prov:time" in v else None) for k, v in RELATION_FORMALS.items()}
# Positions of the two endpoints a relation is drawn between (its "from" and "to").
ENDPOINTS: dict[str, tuple[int, int]] = {k: (0, 1) for k in RELATION_KINDS}
ENDPOINTS["wasStartedBy"] = (0, 2)
ENDPOINTS["wasEndedBy"] = (0, 2)
# Kinds whose source and target are the first two arguments and whose time (if any) is the third.
_SIMPLE_KINDS = frozenset(k for k in RELATION_KINDS if ENDPOINTS[k] == (0, 1) and _TIME_AT[k] in (2, None))
# PROV-DM names of relation kinds, for statistics and views.
PROV_DM_NAMES: dict[str, str] = {
    "wasGeneratedBy": "Generation",
    "used": "Usage",
    "wasInformedBy": "Communication",
    "wasStartedBy": "Start",
    "wasEndedBy": "End",
    "wasInvalidatedBy": "Invalidation",
    "wasDerivedFrom": "Derivation",
    "wasAttributedTo": "Attribution",
    "wasAssociatedWith": "Association",
    "actedOnBehalfOf": "Delegation",
    "wasInfluencedBy": "Influence",
    "specializationOf": "Specialization",
    "alternateOf": "Alternate",
    "hadMember": "Membership",
    "mentionOf": "Mention",
}
_TIME_FORMALS = frozenset({"prov:time", "prov:startTime", "prov:endTime"})
_KIND_ORDER = sorted(ELEMENT_KINDS + RELATION_KINDS)


class QName(str):
    """A qualified-name *value* (e.g. a prov:type ``m2p:Commit``), as opposed to a plain string."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"QName({str.__repr__(self)})"


class Literal:
    """A literal of a datatype the lean model does not map to a Python type, or a language-tagged string."""

    __slots__ = ("value", "datatype", "lang")

    def __init__(self, value: str, datatype: str | None = None, lang: str | None = None):
        self.value = str(value)
        self.datatype = None if lang else (datatype or "xsd:string")
        self.lang = lang

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Literal)
            and (self.value, self.datatype, (self.lang or "").lower())
            == (other.value, other.datatype, (other.lang or "").lower())
        )

    def __hash__(self) -> int:
        return hash((self.value, self.datatype, (self.lang or "").lower()))

    def __repr__(self) -> str:
        tag = f"@{self.lang}" if self.lang else f" %% {self.datatype}"
        return f"Literal({self.value!r}{tag})"

    def __str__(self) -> str:
        return self.value


class Element:
    """An entity, activity or agent: ``kind``, qualified-name ``id`` and ``attrs`` (formal ones included)."""

    __slots__ = ("kind", "id", "attrs")

    def __init__(self, kind: str, id: str, attrs: dict[str, Any] | None = None):
        self.kind = kind
        self.id = id
        self.attrs = attrs if attrs is not None else {}

    def get(self, name: str, default: Any = None) -> Any:
        return self.attrs.get(name, default)

    def values(self, name: str) -> tuple:
        """All values of attribute ``name`` as a tuple (empty when absent)."""
        v = self.attrs.get(name)
        if v is None:
            return ()
        return v if isinstance(v, tuple) else (v,)

    @property
    def types(self) -> tuple:
        return self.values("prov:type")

    def __repr__(self) -> str:
        return f"Element({self.kind}, {self.id})"


class Relation:
    """A relation record: ``kind``, formal ``args`` (aligned with :data:`RELATION_FORMALS`), extra ``attrs``."""

    __slots__ = ("kind", "args", "attrs", "id")

    def __init__(self, kind: str, args: tuple, attrs: dict[str, Any] | None = None, id: str | None = None):
        self.kind = kind
        self.args = args
        self.attrs = attrs
        self.id = id

    @property
    def source(self) -> str | None:
        return self.args[ENDPOINTS[self.kind][0]] if self.args else None

    @property
    def target(self) -> str | None:
        i = ENDPOINTS[self.kind][1]
        return self.args[i] if len(self.args) > i else None

    def formal(self, name: str) -> Any:
        """The value of formal attribute ``name`` (e.g. ``"prov:time"``), or None."""
        names = RELATION_FORMALS[self.kind]
        try:
            i = names.index(name)
        except ValueError:
            return None
        return self.args[i] if i < len(self.args) else None

    @property
    def time(self) -> datetime | None:
        return self.formal("prov:time")

    def values(self, name: str) -> tuple:
        v = (self.attrs or {}).get(name)
        if v is None:
            return ()
        return v if isinstance(v, tuple) else (v,)

    @property
    def roles(self) -> tuple:
        return self.values("prov:role")

    def key(self) -> tuple:
        """Identity of the relation for counting and comparison (kind, formal args, attributes)."""
        return (self.kind, self.id, _canon_args(self.args), _canon_attrs(self.attrs))

    def __repr__(self) -> str:
        return f"Relation({self.kind}, {self.args!r}, {self.attrs!r})"


def _canon_value(v: Any) -> tuple:
    if isinstance(v, QName):
        return ("q", str(v))
    if isinstance(v, datetime):
        return ("t", v.astimezone(timezone.utc) if v.tzinfo else v)
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, float) and math.isnan(v):
        return ("f", "nan")
    if isinstance(v, Literal):
        return ("l", v.value, v.datatype, (v.lang or "").lower())
    return (type(v).__name__, v)


def _canon_args(args: tuple) -> tuple:
    out = list(args)
    while out and out[-1] is None:
        out.pop()
    return tuple(_canon_value(a) if isinstance(a, datetime) else a for a in out)


def _canon_attrs(attrs: dict | None) -> frozenset:
    if not attrs:
        return frozenset()
    items = set()
    for k, v in attrs.items():
        for x in v if isinstance(v, tuple) else (v,):
            items.add((k, _canon_value(x)))
    return frozenset(items)


def value_sort_key(v: Any) -> tuple:
    """Deterministic order of attribute values of mixed types."""
    c = _canon_value(v)
    return (c[0],) + tuple(str(x) for x in c[1:])


def add_value(attrs: dict[str, Any], name: str, value: Any) -> None:
    """Add ``value`` to attribute ``name`` (a set union, kept sorted); None is ignored."""
    if value is None:
        return
    cur = attrs.get(name)
    if cur is None:
        attrs[name] = value
        return
    vals = cur if isinstance(cur, tuple) else (cur,)
    cv = _canon_value(value)
    if any(_canon_value(x) == cv for x in vals):
        return
    attrs[name] = tuple(sorted(vals + (value,), key=value_sort_key))


class ProvDoc:
    """A PROV document as an ordered, id-keyed store of plain records.

    ``elements`` maps id → :class:`Element`; ``relations`` is a list of :class:`Relation`;
    ``prefixes`` maps prefix → namespace URI (``default`` for a default namespace, when read from a file).
    ``==`` compares record sets: elements by id, kind and attribute values; relations as a multiset.
    """

    __slots__ = ("prefixes", "elements", "relations", "name", "__weakref__")

    def __init__(self, prefixes: dict[str, str] | None = None, name: str | None = None):
        self.prefixes: dict[str, str] = dict(PREFIXES if prefixes is None else prefixes)
        self.elements: dict[str, Element] = {}
        self.relations: list[Relation] = []
        self.name = name

    # -- building -------------------------------------------------------------------------------------
    def add_element(self, kind: str, id: str, attrs: dict[str, Any] | None = None) -> Element:
        """Add a new entity/activity/agent; an id that is already present raises ``ValueError``."""
        if id in self.elements:
            raise ValueError(f"duplicate element id {id}")
        el = Element(kind, id, attrs if attrs is not None else {})
        self.elements[id] = el
        return el

    def entity(self, id: str, attrs: dict[str, Any] | None = None) -> Element:
        return self.add_element("entity", id, attrs)

    def activity(
        self,
        id: str,
        start: datetime | None = None,
        end: datetime | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> Element:
        merged: dict[str, Any] = {}
        if start is not None:
            merged["prov:startTime"] = start
        if end is not None:
            merged["prov:endTime"] = end
        if attrs:
            merged.update(attrs)
        return self.add_element("activity", id, merged)

    def agent(self, id: str, attrs: dict[str, Any] | None = None) -> Element:
        return self.add_element("agent", id, attrs)

    def add_relation(
        self,
        kind: str,
        source: str,
        target: str | None,
        *,
        time: datetime | None = None,
        role: str | tuple | None = None,
        attrs: dict[str, Any] | None = None,
        formal: dict[str, Any] | None = None,
    ) -> Relation:
        """Add a relation from ``source`` to ``target`` (the kind's two endpoints, see :data:`ENDPOINTS`).

        ``time`` fills prov:time where the kind has one, ``role`` the prov:role attribute, ``formal`` any
        other formal attribute by name (e.g. ``{"prov:activity": ...}`` on a derivation).
        """
        extra: dict[str, Any] | None = {"prov:role": role} if role is not None else None
        if attrs:
            extra = {**(extra or {}), **attrs}
        if formal is None and kind in _SIMPLE_KINDS:  # the common shapes, without the general loop
            if time is not None:
                if _TIME_AT[kind] is None:
                    raise ValueError(f"{kind} has no prov:time")
                args_t: tuple = (source, target, time)
            elif target is not None:
                args_t = (source, target)
            else:
                args_t = (source,)
        else:
            names = RELATION_FORMALS[kind]
            args: list[Any] = [None] * len(names)
            s, t = ENDPOINTS[kind]
            args[s] = source
            args[t] = target
            if time is not None:
                args[names.index("prov:time")] = time
            if formal:
                for k, v in formal.items():
                    args[names.index(k)] = v
            while args and args[-1] is None:
                args.pop()
            args_t = tuple(args)
        rel = Relation(kind, args_t, extra)
        self.relations.append(rel)
        return rel

    # -- reading --------------------------------------------------------------------------------------
    def __contains__(self, id: object) -> bool:
        return id in self.elements

    def __getitem__(self, id: str) -> Element:
        return self.elements[id]

    def get(self, id: str) -> Element | None:
        return self.elements.get(id)

    def __len__(self) -> int:
        """Number of records (elements + relations)."""
        return len(self.elements) + len(self.relations)

    def of_type(self, prov_type: str) -> Iterator[Element]:
        """Elements carrying prov:type ``prov_type`` (e.g. ``"m2p:Run"``)."""
        for el in self.elements.values():
            if prov_type in el.values("prov:type"):
                yield el

    def relations_of(self, kind: str) -> Iterator[Relation]:
        return (r for r in self.relations if r.kind == kind)

    def copy(self) -> "ProvDoc":
        """A deep-enough copy: new record objects and attribute dicts (values are immutable)."""
        out = ProvDoc(self.prefixes, self.name)
        out.elements = {k: Element(e.kind, e.id, dict(e.attrs)) for k, e in self.elements.items()}
        out.relations = [
            Relation(r.kind, r.args, dict(r.attrs) if r.attrs else None, r.id) for r in self.relations
        ]
        return out

    def counts(self) -> dict[str, int]:
        """Number of records per PROV-JSON kind (entity, activity, agent, wasGeneratedBy, …)."""
        c: Counter[str] = Counter(e.kind for e in self.elements.values())
        c.update(r.kind for r in self.relations)
        return dict(c)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ProvDoc):
            return NotImplemented
        if self.elements.keys() != other.elements.keys():
            return False
        for k, e in self.elements.items():
            o = other.elements[k]
            if e.kind != o.kind or _canon_attrs(e.attrs) != _canon_attrs(o.attrs):
                return False
        return Counter(r.key() for r in self.relations) == Counter(r.key() for r in other.relations)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        c = self.counts()
        parts = [f"{c.get(k, 0)} {k}" for k in ELEMENT_KINDS]
        parts.append(f"{len(self.relations)} relations")
        name = f" {self.name!r}" if self.name else ""
        return f"<ProvDoc{name}: {', '.join(parts)}>"

    # -- PROV-JSON ------------------------------------------------------------------------------------
    def sorted_records(self) -> tuple[list[Element], list[Relation]]:
        """Elements by (kind, id) and relations by (kind, source, target, role, …): the write order (P3)."""
        els = sorted(self.elements.values(), key=lambda e: (e.kind, e.id))
        return els, _sorted_relations(self.relations)

    def to_json_dict(self) -> dict[str, Any]:
        """The PROV-JSON structure of this document, records in the deterministic order of P3."""
        with gc_paused():
            return _encode(self)

    def to_json(self, indent: int | None = None) -> str:
        """PROV-JSON text, byte-identical for equal content (docs/prov-model.md#values); compact unless ``indent``."""
        if indent is None:
            return self.to_json_bytes().decode("utf-8")
        with gc_paused():
            return json.dumps(_encode(self, share=True), ensure_ascii=False, indent=indent, allow_nan=False)

    def to_json_bytes(self) -> bytes:
        """Compact PROV-JSON as UTF-8 bytes (what ``save`` writes), byte-identical for equal content.

        Serialised by orjson: 5–6× faster than ``json.dumps`` on big documents, and byte for byte what
        ``json.dumps(…, separators=(",", ":"), ensure_ascii=False)`` writes (tests hold the two equal).
        """
        import orjson

        with gc_paused():  # ~10 short-lived acyclic containers per record: the collector's scans would cost a third
            data = _encode(self, share=True)
            try:
                return orjson.dumps(data)
            except orjson.JSONEncodeError as exc:  # text that is not valid Unicode (lone surrogates)
                raise DocumentFormatError(f"cannot write the document as JSON: {exc}") from None

    def write_json(self, stream: io.TextIOBase, indent: int | None = None) -> None:
        stream.write(self.to_json(indent=indent))

    @classmethod
    def from_json(cls, text: str | bytes | dict, name: str | None = None) -> "ProvDoc":
        """Read PROV-JSON text (or its parsed dict); raises :class:`DocumentFormatError` on a bad shape."""
        with gc_paused():  # parsing and decoding make ~10 small acyclic objects per record
            if isinstance(text, (str, bytes, bytearray)):
                try:
                    data = json.loads(text)
                except (ValueError, UnicodeDecodeError) as exc:
                    raise DocumentFormatError(f"not valid JSON ({exc})") from None
            else:
                data = text
            return _decode(data, name)

    # -- display ---------------------------------------------------------------------------------------
    def _repr_mimebundle_(self, include=None, exclude=None):
        """Rich display in notebooks (PROV-JSON MIME type, HTML graph, text); built by the notebook layer,
        imported only when a front end asks for it, so the core stays free of Jupyter."""
        from ..notebook.display import mimebundle

        return mimebundle(self, include=include, exclude=exclude)

    def to_pyvis(self, **kw: Any) -> Any:
        """The document as a ``pyvis.network.Network`` in the graph view's styles (``show=ids`` narrows it);
        pyvis needs no Jupyter (:mod:`mlflow2prov_jupyter.notebook.pyvis_view`)."""
        from ..notebook.pyvis_view import to_pyvis

        return to_pyvis(self, **kw)

    # -- prov ------------------------------------------------------------------------------------------
    def to_prov(self):
        """Convert to a :class:`prov.model.ProvDocument` (records in the deterministic write order)."""
        from .provconvert import to_prov

        return to_prov(self)

    @classmethod
    def from_prov(cls, document, name: str | None = None) -> "ProvDoc":
        """Convert a :class:`prov.model.ProvDocument` (bundles are flattened into the document)."""
        from .provconvert import from_prov

        return from_prov(document, name)


def _primary_key(r: Relation) -> tuple:
    s, t = ENDPOINTS[r.kind]
    args = r.args
    src = args[s] if len(args) > s else None
    dst = args[t] if len(args) > t else None
    role = r.attrs.get("prov:role") if r.attrs else None
    roles = () if role is None else tuple(map(str, role)) if isinstance(role, tuple) else (str(role),)
    return (r.kind, src or "", dst or "", roles)


def _sorted_relations(relations: list[Relation]) -> list[Relation]:
    """Relations in the order of :func:`_relation_sort_key`, computing its costly tail only for ties of
    (kind, source, target, roles), which are rare."""
    keyed = sorted(((_primary_key(r), i) for i, r in enumerate(relations)), key=lambda p: p[0])
    out: list[Relation] = []
    n = len(keyed)
    i = 0
    while i < n:
        j = i + 1
        while j < n and keyed[j][0] == keyed[i][0]:
            j += 1
        if j - i == 1:
            out.append(relations[keyed[i][1]])
        else:
            out.extend(sorted((relations[k] for _, k in keyed[i:j]), key=_relation_sort_key))
        i = j
    return out


def _relation_sort_key(r: Relation) -> tuple:
    s, t = ENDPOINTS[r.kind]
    args = r.args
    src = args[s] if len(args) > s else None
    dst = args[t] if len(args) > t else None
    roles = r.values("prov:role") if r.attrs else ()
    rest = tuple(
        "" if a is None else (a.isoformat() if isinstance(a, datetime) else str(a)) for a in args
    )
    extra = ""
    if r.attrs:
        extra = repr(sorted((k, sorted(map(str, r.values(k)))) for k in r.attrs))
    return (r.kind, src or "", dst or "", tuple(map(str, roles)), rest, extra, r.id or "")


# ---------------------------------------------------------------------------------------------- encode
def _int_type(v: int) -> str:
    if -(2**31) <= v <= 2**31 - 1:
        return "xsd:int"
    if -(2**63) <= v <= 2**63 - 1:
        return "xsd:long"
    return "xsd:integer"


def _double_text(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "INF" if v > 0 else "-INF"
    return float.__repr__(v)


def _time_text(v: datetime) -> str:
    off = v.utcoffset()
    if off is not None and (off.total_seconds() % 60 or off.microseconds):
        v = v.astimezone(timezone.utc)
    return v.isoformat()


def encode_value(v: Any) -> Any:
    """One attribute value in PROV-JSON form, exactly as prov writes it."""
    t = type(v)
    if t is str:
        return v
    if t is QName:
        return {"$": str(v), "type": "xsd:QName"}
    if t is bool:
        return v
    if t is int:
        return {"$": str(v), "type": _int_type(v)}
    if t is float:
        return {"$": _double_text(v), "type": "xsd:double"}
    if isinstance(v, datetime):
        return {"$": _time_text(v), "type": "xsd:dateTime"}
    if isinstance(v, Literal):
        if v.lang:
            return {"$": v.value, "lang": v.lang}
        return {"$": v.value, "type": v.datatype}
    if isinstance(v, str):
        return str(v)
    raise TypeError(f"unsupported attribute value {v!r}")


def _encode_attrs(attrs: dict[str, Any], out: dict[str, Any]) -> None:
    for k, v in attrs.items():
        if k in _TIME_FORMALS:
            out[k] = _time_text(v)
        elif type(v) is tuple:
            out[k] = [encode_value(x) for x in v]
        else:
            out[k] = encode_value(v)


class _MemoEncoder:
    """:func:`encode_value` with memo tables for the values documents repeat (types, steps, timestamps).

    Equal values share one encoded dict, so the result is only for serialising, never for handing out.
    """

    def __init__(self) -> None:
        self.qnames: dict[str, dict] = {}
        self.ints: dict[int, dict] = {}
        self.utc: dict[datetime, str] = {}  # UTC instants: equal ⇒ same text (other offsets are not memoised)

    def time(self, v: datetime) -> str:
        if v.tzinfo is timezone.utc:
            text = self.utc.get(v)
            if text is None:
                text = self.utc[v] = v.isoformat()
            return text
        return _time_text(v)

    def value(self, v: Any) -> Any:
        t = type(v)
        if t is str:
            return v
        if t is QName:
            enc_q = self.qnames.get(v)
            if enc_q is None:
                enc_q = self.qnames[v] = {"$": str(v), "type": "xsd:QName"}
            return enc_q
        if t is int:
            enc_i = self.ints.get(v)
            if enc_i is None:
                enc_i = self.ints[v] = {"$": str(v), "type": _int_type(v)}
            return enc_i
        if t is datetime:
            return {"$": self.time(v), "type": "xsd:dateTime"}
        return encode_value(v)

    def attrs(self, attrs: dict[str, Any], out: dict[str, Any]) -> None:
        value = self.value
        for k, v in attrs.items():
            t = type(v)
            if t is str:  # most values: plain strings, written as they are
                out[k] = v
            elif k in _TIME_FORMALS:
                out[k] = self.time(v)
            elif t is tuple:
                out[k] = [value(x) for x in v]
            else:
                out[k] = value(v)


def _encode(doc: ProvDoc, share: bool = False) -> dict[str, Any]:
    """The PROV-JSON structure. ``share``: memoised values, equal ones sharing a dict (for json.dumps only:
    callers that may change the structure get a fresh dict per value)."""
    els, rels = doc.sorted_records()
    memo = _MemoEncoder() if share else None
    encode_attrs = memo.attrs if memo is not None else _encode_attrs
    time_text = memo.time if memo is not None else _time_text
    body: dict[str, dict[str, Any]] = {}
    for kind in _KIND_ORDER:
        body[kind] = {}
    for e in els:
        rec: dict[str, Any] = {}
        encode_attrs(e.attrs, rec)
        body[e.kind][e.id] = rec
    n = 0
    formals = RELATION_FORMALS
    for r in rels:
        rec = {}
        for name, a in zip(formals[r.kind], r.args):
            if a is None:
                continue
            if type(a) is str:
                rec[name] = a
            elif isinstance(a, datetime):
                rec[name] = time_text(a)
            else:
                rec[name] = a
        if r.attrs:
            encode_attrs(r.attrs, rec)
        if r.id:
            rid = r.id
        else:
            n += 1
            rid = f"_:id{n}"
        group = body[r.kind]
        if rid in group:
            cur = group[rid]
            group[rid] = (cur if isinstance(cur, list) else [cur]) + [rec]
        else:
            group[rid] = rec
    out: dict[str, Any] = {}
    if doc.prefixes:
        out["prefix"] = dict(doc.prefixes)
    for kind in _KIND_ORDER:
        if body[kind]:
            out[kind] = body[kind]
    return out


# ---------------------------------------------------------------------------------------------- decode
_INT_TYPES = {
    "xsd:int",
    "xsd:long",
    "xsd:integer",
    "xsd:short",
    "xsd:byte",
    "xsd:nonNegativeInteger",
    "xsd:positiveInteger",
    "xsd:nonPositiveInteger",
    "xsd:negativeInteger",
    "xsd:unsignedLong",
    "xsd:unsignedInt",
    "xsd:unsignedShort",
    "xsd:unsignedByte",
}
_FLOAT_TYPES = {"xsd:double", "xsd:float"}
_QNAME_TYPES = {"xsd:QName", "prov:QUALIFIED_NAME"}


def parse_time(text: Any) -> datetime:
    """An xsd:dateTime text → datetime (naive values are kept naive, as prov keeps them)."""
    if isinstance(text, datetime):
        return text
    if not isinstance(text, str):
        raise ValueError(f"time value {text!r} is not a string")
    t = text.strip()
    if t.endswith(("Z", "z")):
        t = t[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(t)
    except ValueError:
        from dateutil import parser as du

        return du.isoparse(text)


def decode_value(v: Any) -> Any:
    """One PROV-JSON attribute value → the lean model's Python value."""
    if isinstance(v, dict):
        if "$" not in v:
            raise DocumentFormatError(f'a typed value {json.dumps(v)[:60]} has no "$" key')
        val = v["$"]
        lang = v.get("lang")
        dtype = v.get("type")
        if lang:
            return Literal(str(val), None, str(lang))
        if dtype is None or dtype == "xsd:string":
            return str(val) if not isinstance(val, str) else val
        try:
            if dtype in _QNAME_TYPES:
                return QName(val)
            if dtype in _INT_TYPES:
                return int(val)
            if dtype in _FLOAT_TYPES:
                return float(val)
            if dtype == "xsd:boolean":
                if isinstance(val, bool):
                    return val
                s = str(val).strip().lower()
                if s in ("true", "1"):
                    return True
                if s in ("false", "0"):
                    return False
                raise ValueError(val)
            if dtype == "xsd:dateTime":
                return parse_time(val)
        except (TypeError, ValueError):
            raise DocumentFormatError(f"value {str(val)[:40]!r} is not a valid {dtype}") from None
        return Literal(str(val), str(dtype))
    if isinstance(v, (str, bool, int, float)):
        return v
    if v is None:
        raise DocumentFormatError("an attribute value is null")
    raise DocumentFormatError(f"an attribute value has an unsupported shape: {json.dumps(v)[:60]}")


def _decode_attrs(content: dict[str, Any], skip: frozenset | tuple = ()) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for k, v in content.items():
        if k in skip:
            continue
        if not isinstance(k, str) or ":" not in k and k != "":
            pass
        if k in _TIME_FORMALS:
            try:
                attrs[k] = parse_time(v["$"] if isinstance(v, dict) else v)
            except (ValueError, TypeError, KeyError):
                raise DocumentFormatError(f"{k} value {str(v)[:40]!r} is not an xsd:dateTime") from None
            continue
        if isinstance(v, list):
            if not v:
                continue
            vals = tuple(decode_value(x) for x in v)
            uniq: list[Any] = []
            seen: set = set()
            for x in vals:
                c = _canon_value(x)
                if c not in seen:
                    seen.add(c)
                    uniq.append(x)
            attrs[k] = uniq[0] if len(uniq) == 1 else tuple(sorted(uniq, key=value_sort_key))
        else:
            attrs[k] = decode_value(v)
    return attrs


def _decode(data: Any, name: str | None) -> ProvDoc:
    if not isinstance(data, dict):
        raise DocumentFormatError("PROV-JSON must be a JSON object with record kinds as keys")
    prefixes = data.get("prefix", {})
    if not isinstance(prefixes, dict) or not all(isinstance(u, str) for u in prefixes.values()):
        raise DocumentFormatError('the "prefix" value must map prefixes to namespace URIs')
    doc = ProvDoc(prefixes=dict(prefixes), name=name)
    bundles = data.get("bundle")
    groups = [data]
    if bundles is not None:
        if not isinstance(bundles, dict):
            raise DocumentFormatError('the "bundle" value must map bundle ids to PROV-JSON containers')
        for b in bundles.values():
            if not isinstance(b, dict):
                raise DocumentFormatError("a bundle must be a PROV-JSON container")
            for p, u in (b.get("prefix") or {}).items():
                doc.prefixes.setdefault(p, u)
            groups.append(b)
    for group in groups:
        for kind, records in group.items():
            if kind in ("prefix", "bundle"):
                continue
            if kind not in ELEMENT_FORMALS and kind not in RELATION_FORMALS:
                raise DocumentFormatError(f"{str(kind)[:40]!r} is not a PROV-JSON record kind")
            if not isinstance(records, dict):
                raise DocumentFormatError(f"the {kind!r} value must map record ids to attributes")
            for rid, content in records.items():
                items = content if isinstance(content, list) else [content]
                for item in items:
                    if not isinstance(item, dict):
                        raise DocumentFormatError(f"record {str(rid)[:60]} of kind {kind} is not a JSON object")
                    if kind in ELEMENT_FORMALS:
                        _decode_element(doc, kind, rid, item)
                    else:
                        _decode_relation(doc, kind, rid, item)
    return doc


def _decode_element(doc: ProvDoc, kind: str, rid: str, item: dict) -> None:
    attrs = _decode_attrs(item)
    cur = doc.elements.get(rid)
    if cur is None:
        doc.elements[rid] = Element(kind, rid, attrs)
        return
    if cur.kind != kind:
        raise DocumentFormatError(f"{rid} is both an {cur.kind} and an {kind}")
    for k, v in attrs.items():
        for x in v if isinstance(v, tuple) else (v,):
            if k in _TIME_FORMALS and k in cur.attrs:
                continue
            add_value(cur.attrs, k, x)


def _decode_relation(doc: ProvDoc, kind: str, rid: str, item: dict) -> None:
    names = RELATION_FORMALS[kind]
    if kind == "hadMember" and isinstance(item.get("prov:entity"), list):
        for member in item["prov:entity"]:
            _decode_relation(doc, kind, rid, {**item, "prov:entity": member})
        return
    args: list[Any] = []
    for n in names:
        v = item.get(n)
        if isinstance(v, list):
            if len(v) != 1:
                raise DocumentFormatError(f"{kind} record {rid}: {n} must have exactly one value")
            v = v[0]
        if v is None:
            args.append(None)
        elif n in _TIME_FORMALS:
            try:
                args.append(parse_time(v["$"] if isinstance(v, dict) else v))
            except (ValueError, TypeError, KeyError):
                raise DocumentFormatError(f"{kind} record {rid}: {n} is not an xsd:dateTime") from None
        else:
            if isinstance(v, dict):
                v = v.get("$")
            if not isinstance(v, str):
                raise DocumentFormatError(f"{kind} record {rid}: {n} must be a qualified name")
            args.append(v)
    while args and args[-1] is None:
        args.pop()
    attrs = _decode_attrs(item, skip=names) or None
    anon = not isinstance(rid, str) or rid.startswith("_:")
    doc.relations.append(Relation(kind, tuple(args), attrs, None if anon else rid))


def iter_records(doc: ProvDoc) -> Iterable[Element | Relation]:
    """Elements then relations, in write order."""
    els, rels = doc.sorted_records()
    yield from els
    yield from rels


__all__ = [
    "ProvDoc",
    "Element",
    "Relation",
    "QName",
    "Literal",
    "RELATION_FORMALS",
    "RELATION_KINDS",
    "ELEMENT_KINDS",
    "PROV_DM_NAMES",
    "ENDPOINTS",
    "add_value",
    "encode_value",
    "decode_value",
    "PROV",
    "XSD",
]
