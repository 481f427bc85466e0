"""`ProvDoc`: the lean, ordered, id-keyed PROV document users hold.

Records are plain Python objects rather than prov.model records, to keep extraction fast (bench/RESULTS.md):

* an :class:`Element` per entity, activity or agent, keyed by its qualified-name id;
* a :class:`Relation` per relation record, anonymous unless read from a document that named it.

Attribute names are qualified-name strings (``"m2p:sha"``, ``"prov:type"``); values are ``str``, ``int``,
``float``, ``bool``, aware ``datetime`` (xsd:dateTime), :class:`QName` (a qualified-name value such as a
prov:type) or :class:`Literal` (any other typed or language-tagged literal). An attribute with several
values holds a ``tuple``. This module is the model; :mod:`.provjson` writes and reads it as PROV-JSON
(``ProvDoc.to_json``/``from_json`` call it), :mod:`.provconvert` converts to and from
:class:`prov.model.ProvDocument` for everything else (as ``prov`` keeps ``model`` apart from ``serializers``).
"""

from __future__ import annotations

import io
import math
from collections import Counter
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from .namespaces import PREFIXES, PROV, XSD

if TYPE_CHECKING:
    from prov.model import ProvDocument

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
_TIME_AT: dict[str, int | None] = {
    k: (v.index("prov:time") if "prov:time" in v else None) for k, v in RELATION_FORMALS.items()
}
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
        return isinstance(other, Literal) and (self.value, self.datatype, (self.lang or "").lower()) == (
            other.value,
            other.datatype,
            (other.lang or "").lower(),
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

    def values(self, name: str) -> tuple[Any, ...]:
        """All values of attribute ``name`` as a tuple (empty when absent)."""
        v = self.attrs.get(name)
        if v is None:
            return ()
        return v if isinstance(v, tuple) else (v,)

    @property
    def types(self) -> tuple[Any, ...]:
        return self.values("prov:type")

    def __repr__(self) -> str:
        return f"Element({self.kind}, {self.id})"


class Relation:
    """A relation record: ``kind``, formal ``args`` (aligned with :data:`RELATION_FORMALS`), extra ``attrs``."""

    __slots__ = ("kind", "args", "attrs", "id")

    def __init__(self, kind: str, args: tuple[Any, ...], attrs: dict[str, Any] | None = None, id: str | None = None):
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
        time: datetime | None = self.formal("prov:time")
        return time

    def values(self, name: str) -> tuple[Any, ...]:
        v = (self.attrs or {}).get(name)
        if v is None:
            return ()
        return v if isinstance(v, tuple) else (v,)

    @property
    def roles(self) -> tuple[Any, ...]:
        return self.values("prov:role")

    def key(self) -> tuple[Any, ...]:
        """Identity of the relation for counting and comparison (kind, formal args, attributes)."""
        return (self.kind, self.id, _canon_args(self.args), _canon_attrs(self.attrs))

    def __repr__(self) -> str:
        return f"Relation({self.kind}, {self.args!r}, {self.attrs!r})"


def _canon_value(v: Any) -> tuple[Any, ...]:
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


def _canon_args(args: tuple[Any, ...]) -> tuple[Any, ...]:
    out = list(args)
    while out and out[-1] is None:
        out.pop()
    return tuple(_canon_value(a) if isinstance(a, datetime) else a for a in out)


def _canon_attrs(attrs: dict[str, Any] | None) -> frozenset[tuple[str, tuple[Any, ...]]]:
    if not attrs:
        return frozenset()
    items: set[tuple[str, tuple[Any, ...]]] = set()
    for k, v in attrs.items():
        for x in v if isinstance(v, tuple) else (v,):
            items.add((k, _canon_value(x)))
    return frozenset(items)


def value_sort_key(v: Any) -> tuple[Any, ...]:
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
        role: str | tuple[Any, ...] | None = None,
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
                args_t: tuple[Any, ...] = (source, target, time)
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
        out.relations = [Relation(r.kind, r.args, dict(r.attrs) if r.attrs else None, r.id) for r in self.relations]
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

    __hash__ = None  # type: ignore[assignment]  # unhashable (mutable); typeshed declares __hash__ a method

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
        from . import provjson

        return provjson.to_dict(self)

    def to_json(self, indent: int | None = None) -> str:
        """PROV-JSON text, byte-identical for equal content (docs/prov-model.md#values); compact unless ``indent``."""
        from . import provjson

        return provjson.dumps(self, indent=indent)

    def to_json_bytes(self) -> bytes:
        """Compact PROV-JSON as UTF-8 bytes (what ``save`` writes), byte-identical for equal content."""
        from . import provjson

        return provjson.dumps_bytes(self)

    def write_json(self, stream: io.TextIOBase, indent: int | None = None) -> None:
        stream.write(self.to_json(indent=indent))

    @classmethod
    def from_json(cls, text: str | bytes | dict[str, Any], name: str | None = None) -> "ProvDoc":
        """Read PROV-JSON text (or its parsed dict); raises :class:`DocumentFormatError` on a bad shape."""
        from . import provjson

        return provjson.loads(text, name)

    # -- display ---------------------------------------------------------------------------------------
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
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
    def to_prov(self) -> ProvDocument:
        """Convert to a :class:`prov.model.ProvDocument` (records in the deterministic write order)."""
        from .provconvert import to_prov

        return to_prov(self)

    @classmethod
    def from_prov(cls, document: ProvDocument, name: str | None = None) -> "ProvDoc":
        """Convert a :class:`prov.model.ProvDocument` (bundles are flattened into the document)."""
        from .provconvert import from_prov

        return from_prov(document, name)


def _primary_key(r: Relation) -> tuple[str, Any, Any, tuple[str, ...]]:
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


def _relation_sort_key(r: Relation) -> tuple[Any, ...]:
    s, t = ENDPOINTS[r.kind]
    args = r.args
    src = args[s] if len(args) > s else None
    dst = args[t] if len(args) > t else None
    roles = r.values("prov:role") if r.attrs else ()
    rest = tuple("" if a is None else (a.isoformat() if isinstance(a, datetime) else str(a)) for a in args)
    extra = ""
    if r.attrs:
        extra = repr(sorted((k, sorted(map(str, r.values(k)))) for k in r.attrs))
    return (r.kind, src or "", dst or "", tuple(map(str, roles)), rest, extra, r.id or "")


def iter_records(doc: ProvDoc) -> Iterable[Element | Relation]:
    """Elements then relations, in write order."""
    els, rels = doc.sorted_records()
    yield from els
    yield from rels


# The PROV-JSON codec's names, importable from here as before the codec moved to :mod:`.provjson`.
_CODEC_NAMES = frozenset(
    {
        "encode_value",
        "decode_value",
        "parse_time",
        "_time_text",
        "_double_text",
        "_int_type",
        "_encode_attrs",
        "_decode_attrs",
        "_MemoEncoder",
        "_encode",
        "_decode",
    }
)


def __getattr__(name: str) -> Any:
    if name in _CODEC_NAMES:
        from . import provjson

        return getattr(provjson, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    "encode_value",  # noqa: F822 - from the codec, through __getattr__
    "decode_value",  # noqa: F822 - from the codec, through __getattr__
    "PROV",
    "XSD",
]
