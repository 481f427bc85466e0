"""`diff()`: what changed between two documents — elements and relations added, removed and changed.

Elements are matched by id. Relations are anonymous (docs/prov-model.md#identifiers), so a relation is matched by
its kind and formal arguments (endpoints, time, …) — or by its id when it has one; two relations matched this way whose
extra attributes (prov:role, …) differ count as *changed*. Values compare as the document's ``==`` does
(times as instants, NaN equal to NaN).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..core.provdoc import (
    ENDPOINTS,
    ProvDoc,
    Relation,
    _canon_args,
    _canon_value,
    value_sort_key,
)

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"


@dataclass(frozen=True)
class AttributeChange:
    """One attribute of a record whose values differ: ``old``/``new`` are tuples (empty when absent)."""

    name: str
    old: tuple[Any, ...]
    new: tuple[Any, ...]


@dataclass(frozen=True)
class ElementChange:
    """An element present in both documents with a different kind or different attribute values."""

    id: str
    kind: str
    old_kind: str
    attributes: tuple[AttributeChange, ...]


@dataclass(frozen=True)
class RelationChange:
    """A relation matched in both documents (same kind and formal arguments) with different attributes."""

    old: Relation
    new: Relation
    attributes: tuple[AttributeChange, ...]


@dataclass
class Diff:
    """The differences from document ``a`` to document ``b``.

    ``added``/``removed`` hold element ids; ``changed`` holds :class:`ElementChange`; ``relations_added``
    and ``relations_removed`` hold :class:`Relation` records (of ``b`` and ``a``); ``relations_changed``
    holds :class:`RelationChange`.
    """

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[ElementChange] = field(default_factory=list)
    relations_added: list[Relation] = field(default_factory=list)
    relations_removed: list[Relation] = field(default_factory=list)
    relations_changed: list[RelationChange] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # element id → kind, for added/removed

    COLUMNS = ("change", "record", "id", "attribute", "old", "new")

    @property
    def empty(self) -> bool:
        """True when the two documents hold the same records."""
        return not (
            self.added
            or self.removed
            or self.changed
            or self.relations_added
            or self.relations_removed
            or self.relations_changed
        )

    def summary(self) -> dict[str, int]:
        """Counts per category, e.g. ``{"elements added": 3, …}``."""
        return {
            "elements added": len(self.added),
            "elements removed": len(self.removed),
            "elements changed": len(self.changed),
            "relations added": len(self.relations_added),
            "relations removed": len(self.relations_removed),
            "relations changed": len(self.relations_changed),
        }

    @property
    def overlay(self) -> dict[str, str]:
        """Node id → "added" / "removed" / "changed", for colouring a graph view.

        A node not itself changed but whose relations changed is not listed; see :attr:`edge_overlay`.
        """
        out: dict[str, str] = {}
        for i in self.added:
            out[i] = ADDED
        for i in self.removed:
            out[i] = REMOVED
        for c in self.changed:
            out[c.id] = CHANGED
        return out

    @property
    def edge_overlay(self) -> list[tuple[str, str | None, str | None, str]]:
        """(relation kind, source, target, "added"/"removed"/"changed") per changed relation."""
        out = [(r.kind, r.source, r.target, ADDED) for r in self.relations_added]
        out += [(r.kind, r.source, r.target, REMOVED) for r in self.relations_removed]
        out += [(c.new.kind, c.new.source, c.new.target, CHANGED) for c in self.relations_changed]
        return out

    def to_rows(self) -> list[dict[str, str]]:
        """One row per added/removed record and per changed attribute (keys: :attr:`COLUMNS`)."""
        rows: list[dict[str, str]] = []
        for i in self.added:
            rows.append(_row(ADDED, self.kinds.get(i, "element"), i))
        for i in self.removed:
            rows.append(_row(REMOVED, self.kinds.get(i, "element"), i))
        for c in self.changed:
            if c.kind != c.old_kind:
                rows.append(_row(CHANGED, c.kind, c.id, "(kind)", c.old_kind, c.kind))
            for a in c.attributes:
                rows.append(_row(CHANGED, c.kind, c.id, a.name, _fmt(a.old), _fmt(a.new)))
        for r in self.relations_added:
            rows.append(_row(ADDED, r.kind, relation_text(r)))
        for r in self.relations_removed:
            rows.append(_row(REMOVED, r.kind, relation_text(r)))
        for rc in self.relations_changed:
            for a in rc.attributes:
                rows.append(_row(CHANGED, rc.new.kind, relation_text(rc.new), a.name, _fmt(a.old), _fmt(a.new)))
        return rows

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable: ``{"empty", "summary", "rows", "overlay"}``."""
        return {"empty": self.empty, "summary": self.summary(), "rows": self.to_rows(), "overlay": self.overlay}

    def to_markdown(self) -> str:
        """A Markdown table of :meth:`to_rows` (or a line saying the documents are equal)."""
        if self.empty:
            return "No differences: both documents hold the same records.\n"
        counts = ", ".join(f"{n} {k}" for k, n in self.summary().items() if n)
        lines = [counts, "", "| " + " | ".join(self.COLUMNS) + " |", "|" + "---|" * len(self.COLUMNS)]
        for row in self.to_rows():
            lines.append("| " + " | ".join(_md_cell(row[c]) for c in self.COLUMNS) + " |")
        return "\n".join(lines) + "\n"

    def _repr_html_(self) -> str:
        # The HTML of diff tables is built in one place, the notebook layer (plain strings, no Jupyter import).
        from ..notebook.cards import diff_html

        return diff_html(self)

    def __repr__(self) -> str:
        if self.empty:
            return "<Diff: empty>"
        return "<Diff: " + ", ".join(f"{n} {k}" for k, n in self.summary().items() if n) + ">"


def _row(change: str, record: str, rid: str, attribute: str = "", old: str = "", new: str = "") -> dict[str, str]:
    return {"change": change, "record": record, "id": rid, "attribute": attribute, "old": old, "new": new}


def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _text(v: Any) -> str:
    if isinstance(v, datetime):
        return v.isoformat()
    return str(v)


def _fmt(values: tuple[Any, ...]) -> str:
    if not values:
        return "(absent)"
    return ", ".join(_text(v) for v in values)


def relation_text(r: Relation) -> str:
    """A short PROV-N-like text of a relation: ``wasGeneratedBy(e, a, 2025-…)``."""
    args = ", ".join("-" if a is None else _text(a) for a in r.args)
    return f"{r.kind}({args})"


def _values(attrs: dict[str, Any] | None, name: str) -> tuple[Any, ...]:
    if not attrs or name not in attrs:
        return ()
    v = attrs[name]
    return v if isinstance(v, tuple) else (v,)


def attribute_changes(old: dict[str, Any] | None, new: dict[str, Any] | None) -> tuple[AttributeChange, ...]:
    """The attributes whose value sets differ between two attribute dicts, in order of appearance."""
    names: list[str] = list(old or {})
    names += [k for k in (new or {}) if k not in (old or {})]
    out = []
    for name in names:
        a = _values(old, name)
        b = _values(new, name)
        if {_canon_value(x) for x in a} != {_canon_value(x) for x in b}:
            out.append(
                AttributeChange(
                    name,
                    tuple(sorted(a, key=value_sort_key)),
                    tuple(sorted(b, key=value_sort_key)),
                )
            )
    return tuple(out)


def _rename(doc: ProvDoc, rename: dict[str, str]) -> ProvDoc:
    """A copy of ``doc`` whose ids (and id-valued relation arguments) have the given prefixes replaced."""
    pairs = sorted(rename.items(), key=lambda kv: -len(kv[0]))

    def sub(x: Any) -> Any:
        if not isinstance(x, str):
            return x
        for old, new in pairs:
            if x.startswith(old):
                return new + x[len(old) :]
        return x

    out = ProvDoc(doc.prefixes, doc.name)
    for el in doc.elements.values():
        nid = sub(el.id)
        if nid in out.elements:
            nid = el.id
        out.add_element(el.kind, nid, dict(el.attrs))
    for r in doc.relations:
        out.relations.append(Relation(r.kind, tuple(sub(a) for a in r.args), r.attrs, r.id))
    return out


def _relation_identity(r: Relation) -> tuple[Any, ...]:
    if r.id:
        return (r.kind, "id", r.id)
    return (r.kind, _canon_args(r.args))


def diff(a: ProvDoc, b: ProvDoc, rename: dict[str, str] | None = None) -> Diff:
    """The records added, removed and changed going from document ``a`` to document ``b``.

    ``rename`` maps id prefixes of ``b`` to those of ``a`` before comparing, e.g.
    ``{"mlflow:run/<run2>": "mlflow:run/<run1>"}`` to compare two runs' subgraphs record by record.
    ``diff(doc, doc).empty`` is always True.
    """
    if rename:
        b = _rename(b, rename)
    out = Diff()
    for eid, el in a.elements.items():
        other = b.elements.get(eid)
        if other is None:
            out.removed.append(eid)
            out.kinds[eid] = el.kind
            continue
        changes = attribute_changes(el.attrs, other.attrs)
        if changes or el.kind != other.kind:
            out.changed.append(ElementChange(eid, other.kind, el.kind, changes))
    for eid, el in b.elements.items():
        if eid not in a.elements:
            out.added.append(eid)
            out.kinds[eid] = el.kind
    out.added.sort()
    out.removed.sort()
    out.changed.sort(key=lambda c: c.id)

    # Relations: exact matches (as a multiset) first, then pair leftovers by identity as changes.
    keys_a = [r.key() for r in a.relations]
    keys_b = [r.key() for r in b.relations]
    ca, cb = Counter(keys_a), Counter(keys_b)
    left_a = _leftovers(a.relations, keys_a, ca - cb)
    left_b = _leftovers(b.relations, keys_b, cb - ca)
    by_id_a: dict[tuple[Any, ...], list[Relation]] = defaultdict(list)
    by_id_b: dict[tuple[Any, ...], list[Relation]] = defaultdict(list)
    for r in left_a:
        by_id_a[_relation_identity(r)].append(r)
    for r in left_b:
        by_id_b[_relation_identity(r)].append(r)
    for ident in list(by_id_a):
        olds = by_id_a[ident]
        news = by_id_b.get(ident, [])
        while olds and news:
            old, new = olds.pop(0), news.pop(0)
            out.relations_changed.append(RelationChange(old, new, attribute_changes(old.attrs, new.attrs)))
        out.relations_removed.extend(olds)
    for news in by_id_b.values():
        out.relations_added.extend(news)
    order = _sort_key
    out.relations_added.sort(key=order)
    out.relations_removed.sort(key=order)
    out.relations_changed.sort(key=lambda c: order(c.new))
    return out


def _leftovers(
    relations: list[Relation], keys: list[tuple[Any, ...]], extra: Counter[tuple[Any, ...]]
) -> list[Relation]:
    out: list[Relation] = []
    need = Counter(extra)
    if not need:
        return out
    for r, k in zip(relations, keys):
        if need.get(k, 0) > 0:
            need[k] -= 1
            out.append(r)
    return out


def _sort_key(r: Relation) -> tuple[str, str, str, str, str]:
    s, t = ENDPOINTS[r.kind]
    return (
        r.kind,
        str(r.args[s]) if len(r.args) > s else "",
        str(r.args[t]) if len(r.args) > t else "",
        relation_text(r),
        repr(sorted((r.attrs or {}).items(), key=lambda kv: kv[0])),
    )


__all__ = ["diff", "Diff", "ElementChange", "RelationChange", "AttributeChange", "attribute_changes", "relation_text"]
