"""Conversion between the lean :class:`ProvDoc` and :class:`prov.model.ProvDocument`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prov import model as pm

from .provdoc import (
    RELATION_FORMALS,
    Element,
    Literal,
    ProvDoc,
    QName,
    Relation,
    add_value,
    iter_records,
)

_KIND_TO_PROV = {
    "entity": pm.PROV_ENTITY,
    "activity": pm.PROV_ACTIVITY,
    "agent": pm.PROV_AGENT,
    "wasGeneratedBy": pm.PROV_GENERATION,
    "used": pm.PROV_USAGE,
    "wasInformedBy": pm.PROV_COMMUNICATION,
    "wasStartedBy": pm.PROV_START,
    "wasEndedBy": pm.PROV_END,
    "wasInvalidatedBy": pm.PROV_INVALIDATION,
    "wasDerivedFrom": pm.PROV_DERIVATION,
    "wasAttributedTo": pm.PROV_ATTRIBUTION,
    "wasAssociatedWith": pm.PROV_ASSOCIATION,
    "actedOnBehalfOf": pm.PROV_DELEGATION,
    "wasInfluencedBy": pm.PROV_INFLUENCE,
    "specializationOf": pm.PROV_SPECIALIZATION,
    "alternateOf": pm.PROV_ALTERNATE,
    "hadMember": pm.PROV_MEMBERSHIP,
    "mentionOf": pm.PROV_MENTION,
}
_PROV_TO_KIND = {v: k for k, v in _KIND_TO_PROV.items()}
_FORMAL_QN = {name: pm.PROV_ATTRIBUTES_ID_MAP[name] for f in RELATION_FORMALS.values() for name in f}
_FORMAL_QN.update({n: pm.PROV_ATTRIBUTES_ID_MAP[n] for n in ("prov:startTime", "prov:endTime")})
_QN_TO_FORMAL = {v: k for k, v in _FORMAL_QN.items()}


def to_prov(doc: ProvDoc) -> pm.ProvDocument:
    """Build a prov ProvDocument holding the same records, in the deterministic write order."""
    out = pm.ProvDocument()
    for prefix, uri in doc.prefixes.items():
        if prefix == "default":
            out.set_default_namespace(uri)
        else:
            out.add_namespace(prefix, uri)
    qn_cache: dict[str, pm.QualifiedName] = {}

    def qname(text: str) -> pm.QualifiedName:
        q = qn_cache.get(text)
        if q is None:
            q = out.valid_qualified_name(text)
            if q is None:
                raise ValueError(f"{text!r} has no declared prefix")
            qn_cache[text] = q
        return q

    def value(v: Any) -> Any:
        if isinstance(v, QName):
            return qname(v)
        if isinstance(v, Literal):
            if v.lang:
                return pm.Literal(v.value, langtag=v.lang)
            if v.datatype == "xsd:anyURI":
                return pm.Identifier(v.value)
            assert v.datatype is not None  # a literal without a language tag has a datatype
            return pm.Literal(v.value, qname(v.datatype))
        return v

    def attr_pairs(attrs: dict[str, Any] | None) -> list[tuple[Any, Any]]:
        pairs: list[tuple[Any, Any]] = []
        for k, v in (attrs or {}).items():
            key = _FORMAL_QN.get(k) or qname(k)
            for x in v if isinstance(v, tuple) else (v,):
                pairs.append((key, value(x)))
        return pairs

    for rec in iter_records(doc):
        if isinstance(rec, Element):
            formal = {}
            other = []
            for k, v in rec.attrs.items():
                if k in ("prov:startTime", "prov:endTime"):
                    formal[_FORMAL_QN[k]] = v
                else:
                    other.extend(attr_pairs({k: v}))
            out.new_record(_KIND_TO_PROV[rec.kind], qname(rec.id), formal or None, other or None)
        else:
            names = RELATION_FORMALS[rec.kind]
            formal = {}
            for n, a in zip(names, rec.args):
                if a is None:
                    continue
                formal[_FORMAL_QN[n]] = a if isinstance(a, datetime) else qname(a)
            out.new_record(
                _KIND_TO_PROV[rec.kind],
                qname(rec.id) if rec.id else None,
                formal,
                attr_pairs(rec.attrs) or None,
            )
    return out


def _from_value(v: Any) -> Any:
    if isinstance(v, pm.QualifiedName):
        return QName(_qn_text(v))
    if isinstance(v, pm.Literal):
        if v.langtag:
            return Literal(v.value, None, v.langtag)
        dt = _qn_text(v.datatype) if v.datatype is not None else "xsd:string"
        if dt == "xsd:string":
            return v.value
        return Literal(v.value, dt)
    if isinstance(v, pm.Identifier):
        return Literal(v.uri, "xsd:anyURI")
    return v


def _qn_text(q: Any) -> str:
    if isinstance(q, pm.QualifiedName):
        prefix = q.namespace.prefix
        return f"{prefix}:{q.localpart}" if prefix else q.localpart
    return str(q)


def from_prov(document: pm.ProvDocument, name: str | None = None) -> ProvDoc:
    """Convert a prov document; records of bundles are flattened into the one lean document."""
    doc = ProvDoc(prefixes={}, name=name)
    bundles = [document] + list(document.bundles)
    for b in bundles:
        for ns in b.namespaces:
            doc.prefixes.setdefault(ns.prefix, ns.uri)
        default = b.get_default_namespace()
        if default is not None:
            doc.prefixes.setdefault("default", default.uri)
    for b in bundles:
        for rec in b.get_records():
            kind = _PROV_TO_KIND[rec.get_type()]
            if kind in ("entity", "activity", "agent"):
                rid = _qn_text(rec.identifier)
                attrs: dict[str, Any] = {}
                for k, v in rec.attributes:
                    key = _QN_TO_FORMAL.get(k) or _qn_text(k)
                    add_value(attrs, key, _from_value(v))
                cur = doc.elements.get(rid)
                if cur is None:
                    doc.elements[rid] = Element(kind, rid, attrs)
                else:
                    for name, v in attrs.items():
                        for x in v if isinstance(v, tuple) else (v,):
                            add_value(cur.attrs, name, x)
            else:
                names = RELATION_FORMALS[kind]
                formal_vals: dict[str, Any] = {}
                extra: dict[str, Any] = {}
                for k, v in rec.attributes:
                    fk = _QN_TO_FORMAL.get(k)
                    if fk is not None and fk in names:
                        formal_vals[fk] = v if isinstance(v, datetime) else _qn_text(v)
                    else:
                        add_value(extra, _qn_text(k), _from_value(v))
                args = [formal_vals.get(n) for n in names]
                while args and args[-1] is None:
                    args.pop()
                rel_id = _qn_text(rec.identifier) if rec.identifier else None
                doc.relations.append(Relation(kind, tuple(args), extra or None, rel_id))
    return doc
