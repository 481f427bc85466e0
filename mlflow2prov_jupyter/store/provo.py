"""PROV-O for the lean :class:`ProvDoc`, written and read directly (no rdflib, no ``prov`` document).

:func:`encode_triples` yields N-Triples lines that are, up to blank-node labels, the triples ``prov``'s own
RDF serializer writes for the same document (a test holds the two equal): elements as typed subjects with
their attributes, relations in PROV-O's qualification pattern (a binary triple such as ``prov:used``
and/or a ``prov:qualifiedUsage`` blank node carrying roles, times and other attributes). ``prov`` builds
an rdflib graph record by record, far too slow for 90k records; here each triple is one formatted string.

:func:`decode_triples` reads such triples back into a :class:`ProvDoc` equal to the one encoded, except
for what PROV-O itself cannot tell apart (documented in docs/store.md): a relation without attributes
next to an otherwise equal one with attributes, and an element's explicit ``prov:type prov:Entity``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Callable, Iterable

from ..core.errors import DocumentFormatError
from ..core.namespaces import PROV, XSD
from ..core.provdoc import PROV_DM_NAMES, RELATION_FORMALS, Element, Literal, ProvDoc, QName, Relation, add_value
from ..core.provjson import _double_text, _int_type, _time_text, parse_time  # PROV-JSON's value texts, shared

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = RDF + "type"
RDFS_LABEL = RDFS + "label"
_BUILTIN_PREFIXES = {"prov": PROV, "xsd": XSD, "rdf": RDF, "rdfs": RDFS}

_KIND_CLASS = {"entity": PROV + "Entity", "activity": PROV + "Activity", "agent": PROV + "Agent"}
_CLASS_KIND = {v: k for k, v in _KIND_CLASS.items()}
_ELEMENT_ATTR_PREDICATES = {
    "prov:type": RDF_TYPE,
    "prov:label": RDFS_LABEL,
    "prov:startTime": PROV + "startedAtTime",
    "prov:endTime": PROV + "endedAtTime",
    "prov:location": PROV + "atLocation",
}
_ELEMENT_PREDICATE_ATTRS = {v: k for k, v in _ELEMENT_ATTR_PREDICATES.items()}

# prov's serializer rules (prov/serializers/provrdf.py), restated over our relation kinds.
_QUALIFIED_ONLY = frozenset(
    {"wasEndedBy", "wasStartedBy", "used", "wasGeneratedBy", "wasDerivedFrom", "wasAssociatedWith", "wasInvalidatedBy"}
)
_INFLUENCER_ON_NODE = frozenset({"wasInformedBy", "wasAttributedTo", "actedOnBehalfOf", "wasInfluencedBy"})
_DERIVATION_SUBTYPES = frozenset({PROV + "Revision", PROV + "Quotation", PROV + "PrimarySource"})
_TIMED = (
    (PROV + "time", PROV + "atTime"),
    (PROV + "ender", PROV + "hadActivity"),
    (PROV + "starter", PROV + "hadActivity"),
    (PROV + "location", PROV + "atLocation"),
)
_COMMON_REWRITES = (
    (PROV + "plan", PROV + "hadPlan"),
    (PROV + "informant", PROV + "activity"),
    (PROV + "responsible", PROV + "agent"),
)
_KIND_REWRITES: dict[str, tuple[tuple[str, str], ...]] = {
    "actedOnBehalfOf": ((PROV + "activity", PROV + "hadActivity"),),
    "wasEndedBy": ((PROV + "trigger", PROV + "entity"), *_TIMED),
    "wasStartedBy": ((PROV + "trigger", PROV + "entity"), *_TIMED),
    "used": ((PROV + "used", PROV + "entity"), *_TIMED),
    "wasGeneratedBy": _TIMED,
    "wasInvalidatedBy": _TIMED,
    "wasDerivedFrom": (
        (PROV + "activity", PROV + "hadActivity"),
        (PROV + "generation", PROV + "hadGeneration"),
        (PROV + "usage", PROV + "hadUsage"),
        (PROV + "usedEntity", PROV + "entity"),
    ),
}
_QUALIFIED_ATTR_PREDICATES = {
    "prov:role": PROV + "hadRole",
    "prov:plan": PROV + "hadPlan",
    "prov:type": RDF_TYPE,
    "prov:label": RDFS_LABEL,
}


def _rewrite(kind: str, pred: str) -> str:
    """The predicate of one attribute on a qualification node (prov rewrites by substring, in order)."""
    for needle, replacement in (*_COMMON_REWRITES, *_KIND_REWRITES.get(kind, ())):
        if needle in pred:
            pred = replacement
    return pred


# Per kind: the predicate of each formal argument on the qualification node, and the reverse map.
_FORMAL_PREDICATES: dict[str, tuple[str, ...]] = {
    kind: tuple(_rewrite(kind, PROV + name.split(":", 1)[1]) for name in names)
    for kind, names in RELATION_FORMALS.items()
}
_PREDICATE_FORMAL_INDEX: dict[str, dict[str, int]] = {
    kind: {p: i for i, p in enumerate(preds) if i > 0} for kind, preds in _FORMAL_PREDICATES.items()
}
_RELATION_PREDICATE = {kind: PROV + kind for kind in RELATION_FORMALS}
_PREDICATE_RELATION = {v: k for k, v in _RELATION_PREDICATE.items()}
_QUALIFIER_KIND = {PROV + "qualified" + dm: kind for kind, dm in PROV_DM_NAMES.items()}
_QUALIFIER_KIND.update({PROV + "qualified" + t.rsplit("#", 1)[1]: "wasDerivedFrom" for t in _DERIVATION_SUBTYPES})
_NODE_CLASSES = frozenset(PROV + dm for dm in PROV_DM_NAMES.values()) | _DERIVATION_SUBTYPES
_REVERSE_QUALIFIED_ATTR = {v: k for k, v in _QUALIFIED_ATTR_PREDICATES.items()}

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_IRI_FORBIDDEN = re.compile(r'[<>"{}|^`\\\x00-\x20]')


def _literal(text: str) -> str:
    return '"' + text.translate(_ESCAPES) + '"'


class Encoder:
    """Turns qualified names and attribute values into N-Triples terms, with the document's prefixes."""

    def __init__(self, prefixes: dict[str, str]):
        self.prefixes = {**_BUILTIN_PREFIXES, **{p: u for p, u in prefixes.items() if p != "default"}}
        self.default = prefixes.get("default")
        self._iris: dict[str, str] = {}
        self._preds: dict[tuple[str, str], str] = {}

    def iri_text(self, qname: str) -> str:
        """The full IRI of ``prefix:local`` (a default namespace when declared, else an error)."""
        prefix, sep, local = qname.partition(":")
        ns = self.prefixes.get(prefix) if sep else None
        if ns is None:
            if self.default is None:
                raise DocumentFormatError(
                    f"{qname[:80]!r} has no declared prefix: declare it in the document's prefixes"
                )
            ns, local = self.default, qname
        iri = ns + local
        if _IRI_FORBIDDEN.search(iri):
            raise DocumentFormatError(
                f'{qname[:80]!r} is not a valid IRI in RDF: percent-encode spaces and <>"{{}}|^`\\'
            )
        return iri

    def iri(self, qname: str) -> str:
        term = self._iris.get(qname)
        if term is None:
            term = self._iris[qname] = "<" + self.iri_text(qname) + ">"
        return term

    def value(self, v: Any) -> str:
        t = type(v)
        if t is str:
            return _literal(v)
        if t is QName:
            return self.iri(v)
        if t is bool:
            return f'"{"true" if v else "false"}"^^<{XSD}boolean>'
        if t is int:
            return f'"{v}"^^<{XSD}{_int_type(v)[4:]}>'
        if t is float:
            return f'"{_double_text(v)}"^^<{XSD}double>'
        if isinstance(v, datetime):
            return f'"{_time_text(v)}"^^<{XSD}dateTime>'
        if isinstance(v, Literal):
            if v.lang:
                return _literal(v.value) + "@" + v.lang
            return _literal(v.value) + "^^" + self.iri(v.datatype or "xsd:string")
        if isinstance(v, str):
            return _literal(str(v))
        raise DocumentFormatError(f"unsupported attribute value {v!r}")

    def attr_predicate(self, name: str, kind: str | None) -> str:
        """The predicate of attribute ``name`` on an element (kind None) or a relation's qualification node."""
        key = (name, kind or "")
        pred = self._preds.get(key)
        if pred is None:
            if kind is None:
                full = _ELEMENT_ATTR_PREDICATES.get(name) or self.iri_text(name)
            else:
                full = _rewrite(kind, _QUALIFIED_ATTR_PREDICATES.get(name) or self.iri_text(name))
            pred = self._preds[key] = "<" + full + ">"
        return pred


def _flat(attrs: dict[str, Any] | None) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in (attrs or {}).items():
        if type(v) is tuple:
            out.extend((k, x) for x in v)
        else:
            out.append((k, v))
    return out


def element_triples(enc: Encoder, el: Element) -> list[str]:
    """N-Triples lines of one entity, activity or agent."""
    s = enc.iri(el.id)
    out = [f"{s} <{RDF_TYPE}> <{_KIND_CLASS[el.kind]}> ."]
    for k, v in el.attrs.items():
        p = enc.attr_predicate(k, None)
        if type(v) is tuple:
            out.extend(f"{s} {p} {enc.value(x)} ." for x in v)
        else:
            out.append(f"{s} {p} {enc.value(v)} .")
    return out


def relation_triples(enc: Encoder, r: Relation, bnode: Callable[[], str]) -> list[str]:
    """N-Triples lines of one relation, in prov's PROV-O qualification pattern; ``bnode()`` names a new node."""
    kind = r.kind
    names = RELATION_FORMALS[kind]
    vals = list(r.args) + [None] * (len(names) - len(r.args))
    extras = _flat(r.attrs)
    out: list[str] = []

    def term(i: int) -> str:
        v = vals[i]
        return enc.value(v) if isinstance(v, datetime) else enc.iri(v)

    if vals[0] is None:
        return out  # prov writes nothing for a relation without its first argument
    subj = enc.iri(vals[0])
    used = {0}
    qualifier = PROV_DM_NAMES[kind]
    for k, v in extras:  # prov:Revision, prov:Quotation, prov:PrimarySource rename the qualification
        if k == "prov:type" and type(v) is QName and enc.iri_text(v) in _DERIVATION_SUBTYPES:
            qualifier = enc.iri_text(v).rsplit("#", 1)[1]
    node: str | None
    if r.id:
        node = enc.iri(r.id)
        if qualifier == PROV_DM_NAMES[kind]:
            out.append(f"{node} <{RDF_TYPE}> <{PROV}{qualifier}> .")
        has_q = True
    else:
        node = None
        has_q = bool(extras) or any(v is not None for v in vals[2:])
        if vals[1]:
            valid = {i for i, v in enumerate(vals) if v}
            if not (kind in _QUALIFIED_ONLY and not (valid == {0, 1} and not extras)):
                out.append(f"{subj} <{_RELATION_PREDICATE[kind]}> {term(1)} .")
                if not (kind in _INFLUENCER_ON_NODE and has_q):
                    used.add(1)
                if kind == "mentionOf":
                    if vals[2]:
                        used.add(2)
                        out.append(f"{subj} <{PROV}asInBundle> {term(2)} .")
                    has_q = False
    if kind == "alternateOf" or not has_q:
        return out
    if node is None:
        node = bnode()
        out.append(f"{node} <{RDF_TYPE}> <{PROV}{qualifier}> .")
    out.append(f"{subj} <{PROV}qualified{qualifier}> {node} .")
    preds = _FORMAL_PREDICATES[kind]
    for i in range(1, len(vals)):
        if vals[i] is not None and i not in used:
            out.append(f"{node} <{preds[i]}> {term(i)} .")
    for k, v in extras:
        out.append(f"{node} {enc.attr_predicate(k, kind)} {enc.value(v)} .")
    return out


# ---------------------------------------------------------------------------------------------- decode
class _Names:
    """Full IRIs back to ``prefix:local`` with the document's prefixes (longest namespace first)."""

    def __init__(self, prefixes: dict[str, str]):
        self.prefixes = dict(prefixes)
        ns = {**_BUILTIN_PREFIXES, **{p: u for p, u in prefixes.items() if p != "default"}}
        self._ns = sorted(((u, p) for p, u in ns.items()), key=lambda x: -len(x[0]))
        self._cache: dict[str, str] = {}

    def qname(self, iri: str) -> str:
        q = self._cache.get(iri)
        if q is not None:
            return q
        for uri, prefix in self._ns:
            if iri.startswith(uri) and len(iri) > len(uri):
                q = f"{prefix}:{iri[len(uri) :]}"
                break
        else:  # an IRI outside every declared namespace: declare one for it
            cut = max(iri.rfind("#"), iri.rfind("/")) + 1 or len(iri)
            uri = iri[:cut]
            prefix = f"ns{len(self.prefixes) + 1}"
            while prefix in self.prefixes:
                prefix += "_"
            self.prefixes[prefix] = uri
            self._ns = sorted(self._ns + [(uri, prefix)], key=lambda x: -len(x[0]))
            q = f"{prefix}:{iri[cut:]}"
        self._cache[iri] = q
        return q


_INT_DATATYPES = frozenset(
    XSD + t
    for t in (
        "int",
        "long",
        "integer",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
)


def _value(term: Any, names: _Names) -> Any:
    """A pyoxigraph term (object position) → the lean model's value."""
    cls = type(term).__name__
    if cls == "NamedNode":
        return QName(names.qname(term.value))
    if cls == "BlankNode":
        raise DocumentFormatError("a blank node is an attribute value: not a PROV-O document written by mlflow2prov")
    text = term.value
    if term.language:
        return Literal(text, None, term.language)
    dt = term.datatype.value
    try:
        if dt == XSD + "string":
            return text
        if dt in _INT_DATATYPES:
            return int(text)
        if dt == XSD + "double" or dt == XSD + "float":
            return float({"INF": "inf", "-INF": "-inf"}.get(text, text))
        if dt == XSD + "boolean":
            return text.strip() in ("true", "1")
        if dt == XSD + "dateTime":
            return parse_time(text)
    except ValueError:
        pass
    return Literal(text, names.qname(dt))


def decode_triples(
    triples: Iterable[tuple[Any, Any, Any]], prefixes: dict[str, str], name: str | None = None
) -> ProvDoc:
    """Read PROV-O triples (pyoxigraph terms ``(subject, predicate, object)``) into a :class:`ProvDoc`.

    Blank nodes of different calls' triples must be distinct objects (pyoxigraph keeps them so per store).
    """
    names = _Names(prefixes)
    by_subject: dict[Any, list[tuple[str, Any]]] = {}
    for s, p, o in triples:
        by_subject.setdefault(s, []).append((p.value, o))
    doc = ProvDoc(prefixes={}, name=name)
    kinds: dict[Any, str] = {}
    for s, pos in by_subject.items():
        for p, o in pos:
            if p == RDF_TYPE and o.value in _CLASS_KIND and type(s).__name__ == "NamedNode":
                kinds[s] = _CLASS_KIND[o.value]
    binaries: list[tuple[str, str, str]] = []  # (kind, source, target)
    qualified: list[tuple[str, str, Any]] = []  # (kind, source qname, node)
    bundles: dict[str, list[str]] = {}  # mentionOf's third argument, beside its binary triple
    for s, pos in by_subject.items():
        if type(s).__name__ != "NamedNode":
            continue
        sid = names.qname(s.value)
        kind = kinds.get(s)
        attrs: dict[str, Any] | None = {} if kind else None
        for p, o in pos:
            rel = _PREDICATE_RELATION.get(p)
            if rel is not None:
                binaries.append((rel, sid, names.qname(o.value)))
                continue
            qk = _QUALIFIER_KIND.get(p)
            if qk is not None:
                qualified.append((qk, sid, o))
                continue
            if p == PROV + "asInBundle":
                bundles.setdefault(sid, []).append(names.qname(o.value))
                continue
            if attrs is None or kind is None:  # (attrs is a dict exactly when kind is known)
                continue
            if p == RDF_TYPE and o.value == _KIND_CLASS[kind]:
                continue
            attr = _ELEMENT_PREDICATE_ATTRS.get(p) or names.qname(p)
            add_value(
                attrs, attr, parse_time(o.value) if attr in ("prov:startTime", "prov:endTime") else _value(o, names)
            )
        if kind:
            doc.elements[sid] = Element(kind, sid, attrs or {})
    consumed: dict[tuple[str, str, str], int] = {}
    for kind, sid, node in qualified:
        names_k = RELATION_FORMALS[kind]
        vals: list[Any] = [sid] + [None] * (len(names_k) - 1)
        extra: dict[str, Any] = {}
        index = _PREDICATE_FORMAL_INDEX[kind]
        for p, o in by_subject.get(node, ()):
            if p == RDF_TYPE and o.value in _NODE_CLASSES:
                if o.value in _DERIVATION_SUBTYPES:
                    add_value(extra, "prov:type", QName(names.qname(o.value)))
                continue
            i = index.get(p)
            if i is not None and vals[i] is None:
                vals[i] = parse_time(o.value) if names_k[i] == "prov:time" else names.qname(o.value)
                continue
            attr = _REVERSE_QUALIFIED_ATTR.get(p) or names.qname(p)
            add_value(extra, attr, _value(o, names))
        if vals[1] is None and len(names_k) > 1:  # prov leaves the target on the binary triple only
            targets = [t for k, s_, t in binaries if k == kind and s_ == sid]
            if len(targets) == 1:
                vals[1] = targets[0]
        while vals and vals[-1] is None:
            vals.pop()
        rid = names.qname(node.value) if type(node).__name__ == "NamedNode" else None
        doc.relations.append(Relation(kind, tuple(vals), extra or None, rid))
        if len(vals) > 1 and rid is None:
            key = (kind, sid, vals[1])
            consumed[key] = consumed.get(key, 0) + 1
    for kind, sid, target in binaries:
        if kind not in _QUALIFIED_ONLY and consumed.get((kind, sid, target)):
            continue  # the binary triple of a qualified relation read above
        args: tuple = (sid, target)
        if kind == "mentionOf" and len(bundles.get(sid, ())) == 1:
            args += (bundles[sid][0],)
        doc.relations.append(Relation(kind, args, None, None))
    doc.prefixes = {p: u for p, u in names.prefixes.items()}
    return doc
