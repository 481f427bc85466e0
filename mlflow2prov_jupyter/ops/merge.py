"""Merge documents into one (docs/prov-model.md#operations): union, prefixes by URI, unification, relation dedupe."""

from __future__ import annotations

from typing import Iterable

from ..core.errors import OptionError
from ..core.gcpause import without_gc
from ..core.provdoc import ProvDoc
from .dedupe import Unifier
from .names import BUILTIN, Reexpressor, map_attrs, map_relation

ON_CONFLICT = ("error", "first")


@without_gc  # builds many small acyclic records: see core/gcpause
def merge(docs: Iterable[ProvDoc], on_conflict: str = "error") -> ProvDoc:
    """Merge ``docs`` into a new document; the inputs are never modified.

    Records are united; a prefix naming a different URI in a later document is renamed (``p_1``, …) and
    names are compared by URI; records sharing an identifier are unified (attributes unioned, absent
    formal values filled, times compared as instants); duplicate relations collapse. Conflicts (an
    identifier with incompatible kinds or different formal values) are all collected first:
    ``on_conflict="error"`` raises :class:`MergeConflictError` listing them, ``"first"`` keeps the earliest
    document's values and emits a :class:`MergeConflictWarning` each.
    """
    if on_conflict not in ON_CONFLICT:
        raise OptionError(f"on_conflict must be 'error' or 'first', not {on_conflict!r}")
    doc_list = list(docs)
    for d in doc_list:
        if not isinstance(d, ProvDoc):
            raise OptionError(f"cannot merge a {type(d).__name__}: merge takes ProvDoc documents")
    if not doc_list:
        return ProvDoc()
    table, rewriters = unify_prefixes([d.prefixes for d in doc_list])
    u = Unifier(on_conflict)
    for i, d in enumerate(doc_list):
        fn = rewriters[i]
        if fn is None:
            for el in d.elements.values():
                u.add_element(el, i)
            for r in d.relations:
                u.add_relation(r, i)
        else:
            from ..core.provdoc import Element

            for el in d.elements.values():
                u.add_element(Element(el.kind, fn(el.id), map_attrs(el.attrs, fn) or {}), i)
            for r in d.relations:
                u.add_relation(map_relation(r, fn), i)
    return u.result(table)


def unify_prefixes(prefix_maps: list[dict[str, str]]) -> tuple[dict[str, str], list[Reexpressor | None]]:
    """The merged prefix table and, per document, a name re-expressor (None where names stay as they are).

    A prefix bound to a URI already known under another prefix is re-expressed with that prefix; a prefix
    name already bound to a different URI is renamed ``<p>_1``, ``<p>_2``, …; nested namespaces (one URI a
    prefix of another) make every name compare by its full URI.
    """
    table: dict[str, str] = {}
    by_uri: dict[str, str] = {}
    renames: list[dict[str, str]] = []
    for prefixes in prefix_maps:
        ren: dict[str, str] = {}
        for p, u in prefixes.items():
            if p in BUILTIN:
                continue
            if p == "default":
                if "default" not in table:
                    table["default"] = u
                    by_uri.setdefault(u, "default")
                elif table["default"] != u:
                    ren[p] = by_uri.get(u) or _fresh("default", table)
                    if ren[p] not in table:
                        table[ren[p]] = u
                        by_uri[u] = ren[p]
                continue
            known = by_uri.get(u)
            if known is not None:
                if known != p:
                    ren[p] = known
                continue
            if p in table:
                new = _fresh(p, table)
                table[new] = u
                by_uri[u] = new
                ren[p] = new
            else:
                table[p] = u
                by_uri[u] = p
        renames.append(ren)
    uris = sorted(set(table.values()))
    nested = any(b.startswith(a) for a, b in zip(uris, uris[1:]))
    rewriters: list[Reexpressor | None] = []
    for prefixes, ren in zip(prefix_maps, renames):
        if ren or nested:
            rewriters.append(Reexpressor(prefixes, table))
        else:
            rewriters.append(None)
    return table, rewriters


def _fresh(p: str, table: dict[str, str]) -> str:
    n = 1
    while f"{p}_{n}" in table:
        n += 1
    return f"{p}_{n}"


__all__ = ["merge", "unify_prefixes", "ON_CONFLICT"]
