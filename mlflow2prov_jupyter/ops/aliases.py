"""Transform step 1 (docs/prov-model.md#operations): merge agents that a person mapping names as one person."""

from __future__ import annotations

import warnings
from typing import Any, Callable

from ..core.errors import OptionError
from ..core.ids import encode_segment
from ..core.namespaces import USER
from ..core.provdoc import Element, ProvDoc, QName, Relation, add_value
from ..core.usermap import load_user_map, match_entries

# Agent attributes whose values identify a person (matched against the mapping, folded into m2p:alias).
IDENTITY_ATTRS = ("m2p:name", "m2p:email", "m2p:username", "m2p:alias")


class TransformWarning(UserWarning):
    """Something a transform did not do that the user may have expected (e.g. a mapping entry unused)."""


def user_prefix(doc: ProvDoc) -> str:
    """The prefix ``doc`` binds to the ``user`` namespace (P1), added as ``user`` (or ``user_N``) if absent."""
    for p, u in doc.prefixes.items():
        if u == USER and p != "default":
            return p
    name, n = "user", 0
    while name in doc.prefixes:
        n += 1
        name = f"user_{n}"
    doc.prefixes[name] = USER
    return name


def _norm(v: object) -> str:
    return str(v).strip().casefold()


def merge_aliased_agents(doc: ProvDoc, mapping: Any) -> ProvDoc:
    """A new document where each group of agents matching one mapping entry is one ``user:person/…`` agent.

    ``mapping``: a YAML file path, YAML text or a parsed list of ``{name, email?, aliases?}``. An agent
    matches an entry if one of its name/email/username values equals (casefolded, stripped) the entry's
    name, email or an alias. The person carries the entry's name and email, the other values seen in
    ``m2p:alias`` and the union of the agents' prov:types; every relation endpoint and qualified-name value
    is rerouted, then relations are deduplicated. An agent matching two entries raises
    :class:`OptionError`; an entry matching nothing warns (:class:`TransformWarning`).
    """
    from .dedupe import dedupe

    entries = load_user_map(mapping)
    groups: dict[int, list[Element]] = {}
    for el in doc.elements.values():
        if el.kind != "agent":
            continue
        values = [v for a in IDENTITY_ATTRS for v in el.values(a) if isinstance(v, str)]
        hits = match_entries(values, entries)
        if len(hits) > 1:
            names = " and ".join(repr(entries[i]["name"]) for i in hits[:2])
            raise OptionError(
                f"agent {el.id} matches more than one mapping entry ({names}); make the entries' names, "
                "emails and aliases distinct"
            )
        if hits:
            groups.setdefault(hits[0], []).append(el)
    for i, entry in enumerate(entries):
        if i not in groups:
            warnings.warn(f"mapping entry {entry['name']!r} matches no agent", TransformWarning, stacklevel=3)
    out = doc.copy()
    if not groups:
        return dedupe(out)
    up = user_prefix(out)
    reroute: dict[str, str] = {}
    persons: dict[str, Element] = {}
    for i, members in sorted(groups.items()):
        entry = entries[i]
        pid = f"{up}:person/{encode_segment(entry.get('email') or entry['name'])}"
        other = out.elements.get(pid)
        if other is not None and all(m.id != pid for m in members):
            members = members + [other]
        persons[pid] = _person(pid, entry, members)
        for m in members:
            reroute[m.id] = pid
    return dedupe(_reroute(out, reroute, persons))


def _person(pid: str, entry: dict[str, Any], members: list[Element]) -> Element:
    attrs: dict[str, Any] = {}
    for m in members:
        for t in m.types:
            add_value(attrs, "prov:type", t)
    attrs["prov:label"] = entry["name"]
    attrs["m2p:name"] = entry["name"]
    if entry.get("email"):
        attrs["m2p:email"] = entry["email"]
    own = {_norm(entry["name"]), _norm(entry.get("email") or "")}
    for m in members:
        for a in IDENTITY_ATTRS:
            for v in m.values(a):
                if isinstance(v, str) and v.strip() and _norm(v) not in own:
                    add_value(attrs, "m2p:alias", v)
    for m in members:
        for k, v in m.attrs.items():
            if k in IDENTITY_ATTRS or k in ("prov:type", "prov:label"):
                continue
            for x in v if type(v) is tuple else (v,):
                add_value(attrs, k, x)
    return Element("agent", pid, attrs)


def _reroute(doc: ProvDoc, reroute: dict[str, str], persons: dict[str, Element]) -> ProvDoc:
    """``doc`` with the elements in ``reroute`` replaced by ``persons`` and every reference rewritten."""
    fix = _value_rerouter(reroute)
    out = ProvDoc(prefixes=doc.prefixes, name=doc.name)
    for el in doc.elements.values():
        new = reroute.get(el.id)
        if new is not None:
            if new not in out.elements:
                p = persons[new]
                out.elements[new] = Element(p.kind, p.id, _fix_attrs(p.attrs, fix))
            continue
        out.elements[el.id] = Element(el.kind, el.id, _fix_attrs(el.attrs, fix))
    rels = []
    for r in doc.relations:
        args = tuple(reroute.get(a, a) if type(a) is str else a for a in r.args)
        rels.append(Relation(r.kind, args, _fix_attrs(r.attrs, fix) if r.attrs else None, r.id))
    out.relations = rels
    return out


def _value_rerouter(reroute: dict[str, str]) -> Callable[[Any], Any]:
    def fix(v: Any) -> Any:
        if type(v) is QName and v in reroute:
            return QName(reroute[v])
        return v

    return fix


def _fix_attrs(attrs: dict[str, Any], fix: Callable[[Any], Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in attrs.items():
        if type(v) is tuple:
            for x in v:
                add_value(out, k, fix(x))
        else:
            out[k] = fix(v)
    return out


__all__ = ["merge_aliased_agents", "user_prefix", "TransformWarning", "IDENTITY_ATTRS"]
