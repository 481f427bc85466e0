"""The lineage-question panels of the Provenance Explorer: Passport, Validation and Diff.

Each panel is a small ipywidgets box over one query function (:mod:`mlflow2prov_jupyter.query`); it reads
the explorer's session (documents, status line) and tells the explorer what to draw:

* :class:`PassportPanel` — a reference field (``models:/name@alias``, ``models:/name/version``,
  ``models:/<model_id>``, ``runs:/<run_id>`` or a run id) and a button → the passport card (escaped HTML);
  "Show subgraph" draws exactly ``passport.subgraph``.
* :class:`ValidationPanel` — a button → the findings of ``validate`` as a table; choosing a finding (or
  "Highlight") emphasises its records in the graph.
* :class:`DiffPanel` — two documents of the session → the ``diff`` table and the graph overlay: the union
  of both documents with added nodes and edges green, removed red, changed orange.

What the graph shows instead of the selected document is a :class:`GraphScope`. Every text from a
document is escaped before it reaches HTML. Stable CSS classes: ``m2p-questions``, ``m2p-passport-ref``,
``m2p-passport-lookup``, ``m2p-passport-subgraph``, ``m2p-passport-card``, ``m2p-validate``,
``m2p-validate-warnings``, ``m2p-findings-table``, ``m2p-findings``, ``m2p-highlight-finding``,
``m2p-clear-highlight``, ``m2p-diff-a``, ``m2p-diff-b``, ``m2p-diff``, ``m2p-diff-table``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

import ipywidgets as W

from ..core.provdoc import Element, ProvDoc, Relation
from ..query.diff import ADDED, CHANGED, REMOVED, Diff, diff
from ..query.passport import REFERENCE_FORMS, Passport, passport
from ..query.validate import ERROR, Finding, validate

if TYPE_CHECKING:  # pragma: no cover
    from .explorer import Explorer

# Overlay colours (fill, border) of the diff view: added green, removed red, changed orange.
DIFF_COLORS: dict[str, tuple[str, str]] = {
    ADDED: ("#8CE99A", "#2B8A3E"),
    REMOVED: ("#FFA8A8", "#C92A2A"),
    CHANGED: ("#FFC078", "#E8590C"),
}
DIFF_ROWS_MAX = 500
FINDINGS_ROWS_MAX = 300
RECORDS_SHOWN = 6


class UserInputError(Exception):
    """A missing or wrong input in the explorer (reported in the status line without a type name)."""

    def __str__(self) -> str:
        return self.args[0] if self.args else ""


@dataclass
class GraphScope:
    """A document the graph view draws instead of the selected one (a passport subgraph, a diff).

    ``exact``: draw every record as is (no type filter, no collapsing). ``nodes``: element id →
    "added" / "removed" / "changed"; ``edges``: (kind, source, target) → the same, for the diff overlay.
    """

    doc: ProvDoc
    title: str
    exact: bool = False
    nodes: dict[str, str] = field(default_factory=dict)
    edges: dict[tuple[str, str | None, str | None], str] = field(default_factory=dict)
    diff: Diff | None = None

    def node_diff(self, node_id: str) -> dict[str, str]:
        """The details section of a node in a diff: its status and each changed attribute (old → new)."""
        status = self.nodes.get(node_id)
        if status is None:
            return {}
        out = {"status": status}
        if status == CHANGED and self.diff is not None:
            for c in self.diff.changed:
                if c.id == node_id:
                    if c.kind != c.old_kind:
                        out["(kind)"] = f"{c.old_kind} → {c.kind}"
                    for a in c.attributes:
                        out[a.name] = f"{_values_text(a.old)} → {_values_text(a.new)}"
                    break
        return out

    @property
    def overlay(self) -> bool:
        return bool(self.nodes or self.edges)


def _values_text(values: tuple) -> str:
    if not values:
        return "(absent)"
    return ", ".join(v.isoformat() if hasattr(v, "isoformat") else str(v) for v in values)


# ------------------------------------------------------------------------------------------ diff overlay
def diff_union(a: ProvDoc, b: ProvDoc, d: Diff | None = None) -> ProvDoc:
    """One document holding both sides of a diff: every record of ``b`` plus what ``a`` had and ``b`` lost."""
    d = d if d is not None else diff(a, b)
    out = ProvDoc({**a.prefixes, **b.prefixes}, f"diff of {a.name or 'a'} and {b.name or 'b'}")
    for eid, el in b.elements.items():
        out.elements[eid] = Element(el.kind, el.id, dict(el.attrs))
    for eid in d.removed:
        el = a.elements[eid]
        out.elements[eid] = Element(el.kind, el.id, dict(el.attrs))
    for r in list(b.relations) + list(d.relations_removed):
        out.relations.append(Relation(r.kind, r.args, dict(r.attrs) if r.attrs else None, r.id))
    return out


def diff_scope(a: ProvDoc, b: ProvDoc, d: Diff, title: str) -> GraphScope:
    """The graph scope of a diff: the union document with the node and edge overlay."""
    edges: dict[tuple[str, str | None, str | None], str] = {}
    for kind, s, t, status in d.edge_overlay:
        prev = edges.get((kind, s, t))
        edges[(kind, s, t)] = status if prev in (None, status) else CHANGED
    return GraphScope(diff_union(a, b, d), title, nodes=d.overlay, edges=edges, diff=d)


def _merged_status(statuses: Iterable[str]) -> str | None:
    found = set(statuses)
    if not found:
        return None
    return found.pop() if len(found) == 1 else CHANGED


def apply_overlay(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], rep: dict[str, str],
                  members: dict[str, list[str]], scope: GraphScope) -> dict[str, int]:
    """Colour payload nodes and edges by their diff status (in place); returns counts per status.

    A collapsed node takes the status of its members (several different ones: "changed"); an edge that
    stands for several relations likewise. Node dicts get ``m2p_diff`` and overlay colours, edge dicts a
    coloured, wider line (dashed when removed).
    """
    counts = {ADDED: 0, REMOVED: 0, CHANGED: 0}
    for n in nodes:
        nid = n["id"]
        own = [scope.nodes[nid]] if nid in scope.nodes else []
        status = _merged_status(own + [scope.nodes[m] for m in members.get(nid, ()) if m in scope.nodes])
        if status is None:
            continue
        fill, border = DIFF_COLORS[status]
        n["color"] = {"background": fill, "border": border, "highlight": {"background": fill, "border": border},
                      "hover": {"background": fill, "border": border}}
        n["borderWidth"] = max(int(n.get("borderWidth") or 1), 2)
        n["m2p_diff"] = status
        if isinstance(n.get("title"), str):
            n["title"] = html.escape(status, quote=True) + "\n" + n["title"]
        counts[status] += 1
    by_edge: dict[tuple[str, str, str], list[str]] = {}
    for (kind, s, t), status in scope.edges.items():
        if s is None or t is None:
            continue
        key = (rep.get(s, s), rep.get(t, t), kind)
        by_edge.setdefault(key, []).append(status)
    for e in edges:
        status = _merged_status(by_edge.get((e["from"], e["to"], e["kind"]), ()))
        if status is None:
            continue
        border = DIFF_COLORS[status][1]
        e["color"] = {"color": border, "highlight": border, "hover": border}
        e["width"] = max(float(e.get("width") or 1), 2.5)
        if status == REMOVED:
            e["dashes"] = True
        e["m2p_diff"] = status
        if isinstance(e.get("title"), str):
            e["title"] = html.escape(status, quote=True) + "\n" + e["title"]
    return counts


# ----------------------------------------------------------------------------------------- html tables
def _esc(v: Any) -> str:
    return html.escape(str(v), quote=True)


def diff_legend_html() -> str:
    """Swatches explaining the overlay colours."""
    items = "".join(
        f'<span style="display:inline-block;margin-right:12px"><span style="display:inline-block;width:12px;'
        f'height:12px;background:{fill};border:2px solid {border};vertical-align:middle"></span> {name}</span>'
        for name, (fill, border) in DIFF_COLORS.items()
    )
    return f'<div class="m2p-diff-legend" style="font:12px sans-serif;margin:2px 0">{items}</div>'


def diff_table_html(d: Diff, a_name: str, b_name: str, limit: int = DIFF_ROWS_MAX) -> str:
    """The rows of a diff as an HTML table (coloured by change; every text escaped)."""
    head = f'<div class="m2p-diff-title" style="font-weight:bold">{_esc(a_name)} → {_esc(b_name)}</div>'
    if d.empty:
        return (f'<div class="m2p-diff-table" style="font:12px sans-serif">{head}'
                "<p>No differences: both documents hold the same records.</p></div>")
    counts = ", ".join(f"{n} {k}" for k, n in d.summary().items() if n)
    rows = d.to_rows()
    body = []
    for row in rows[:limit]:
        colour = DIFF_COLORS.get(row["change"], ("", "inherit"))[1]
        cells = "".join(
            f'<td style="padding:1px 8px 1px 0;vertical-align:top;'
            f'{"white-space:nowrap" if c in ("change", "record") else "overflow-wrap:anywhere"}">{_esc(row[c])}</td>'
            for c in Diff.COLUMNS
        )
        body.append(f'<tr data-change="{_esc(row["change"])}" style="color:{colour}">{cells}</tr>')
    more = f"<p>… {len(rows) - limit} more rows (use diff() in Python for all)</p>" if len(rows) > limit else ""
    header = "".join(f"<th style='text-align:left;padding-right:8px'>{_esc(c)}</th>" for c in Diff.COLUMNS)
    return (
        f'<div class="m2p-diff-table" style="font:12px sans-serif">{head}<p class="m2p-diff-summary">{_esc(counts)}</p>'
        f'<table style="border-collapse:collapse"><thead><tr>{header}</tr></thead><tbody>{"".join(body)}</tbody>'
        f"</table>{more}</div>"
    )


def _records_text(records: tuple[str, ...]) -> str:
    shown = ", ".join(records[:RECORDS_SHOWN])
    return shown + (f" … {len(records) - RECORDS_SHOWN} more" if len(records) > RECORDS_SHOWN else "")


def findings_table_html(findings: list[Finding], title: str = "", limit: int = FINDINGS_ROWS_MAX) -> str:
    """Findings as an HTML table (errors red, warnings amber; every text escaped)."""
    caption = f'<div style="font-weight:bold">{_esc(title)}</div>' if title else ""
    if not findings:
        return (f'<div class="m2p-findings-table" style="font:12px sans-serif">{caption}'
                '<p class="m2p-findings-none">No findings: the document is valid PROV.</p></div>')
    n_err = sum(f.severity == ERROR for f in findings)
    body = []
    for i, f in enumerate(findings[:limit]):
        colour = "#C92A2A" if f.severity == ERROR else "#B36B00"
        body.append(
            f'<tr data-index="{i}" data-severity="{_esc(f.severity)}" data-code="{_esc(f.code)}">'
            f'<td style="padding-right:8px;color:{colour}">{i + 1}</td>'
            f'<td style="padding-right:8px;color:{colour}">{_esc(f.severity)}</td>'
            f'<td style="padding-right:8px"><code>{_esc(f.code)}</code></td>'
            f'<td style="padding-right:8px;overflow-wrap:anywhere">{_esc(f.message)}</td>'
            f'<td style="overflow-wrap:anywhere">{_esc(_records_text(f.records))}</td></tr>'
        )
    more = f"<p>… {len(findings) - limit} more findings</p>" if len(findings) > limit else ""
    return (
        f'<div class="m2p-findings-table" style="font:12px sans-serif">{caption}'
        f'<p class="m2p-findings-summary">{n_err} error(s), {len(findings) - n_err} warning(s)</p>'
        "<table style='border-collapse:collapse'><thead><tr><th>#</th><th style='text-align:left'>severity</th>"
        "<th style='text-align:left'>code</th><th style='text-align:left'>message</th>"
        f"<th style='text-align:left'>records</th></tr></thead><tbody>{''.join(body)}</tbody></table>{more}</div>"
    )


def finding_records(doc: ProvDoc, f: Finding) -> list[str]:
    """The ids a finding involves: its records plus both endpoints of its relations (in order, once)."""
    ids = list(f.records)
    for i in f.relations:
        if 0 <= i < len(doc.relations):
            r = doc.relations[i]
            ids.extend(x for x in (r.source, r.target) if x is not None)
    return list(dict.fromkeys(ids))


# ---------------------------------------------------------------------------------------------- widgets
def _classed(widget: W.Widget, *classes: str) -> W.Widget:
    for c in classes:
        widget.add_class(c)
    return widget


def _button(description: str, css: str, tooltip: str, style: str = "", disabled: bool = False) -> W.Button:
    return _classed(W.Button(description=description, tooltip=tooltip, button_style=style, disabled=disabled,
                             layout=W.Layout(width="auto")), css)


class PassportPanel(W.VBox):
    """Reference field + Passport button → the card; "Show subgraph" draws ``passport.subgraph``."""

    def __init__(self, host: "Explorer") -> None:
        self.host = host
        self.passport: Passport | None = None
        self.ref = _classed(W.Text(value="", placeholder="models:/name@alias, models:/name/1, runs:/<run id>",
                                   description="Model or run", style={"description_width": "initial"},
                                   layout=W.Layout(width="440px")), "m2p-passport-ref")
        self.button = _button("Passport", "m2p-passport-lookup", f"Where did it come from? ({REFERENCE_FORMS})", "info")
        self.subgraph_button = _button("Show subgraph", "m2p-passport-subgraph",
                                       "Draw exactly the records of this passport", disabled=True)
        self.card = _classed(W.HTML("", layout=W.Layout(width="100%", max_height="520px", overflow="auto")),
                             "m2p-passport-card")
        super().__init__([W.HBox([self.ref, self.button, self.subgraph_button]), self.card])
        self.button.on_click(lambda _: self.lookup())
        self.subgraph_button.on_click(lambda _: self.show_subgraph())

    def lookup(self, ref: str | None = None) -> bool:
        """The passport of ``ref`` (default: the field) in the selected document, shown as the card."""

        def go() -> str:
            entry = self.host._need(1, "look up a passport in")[0]
            text = (ref if ref is not None else self.ref.value).strip()
            if not text:
                raise UserInputError(f"type a reference: {REFERENCE_FORMS}")
            self.passport = None
            self.subgraph_button.disabled = True
            self.card.value = ""
            p = passport(entry.doc, text)
            self.passport = p
            self.card.value = p._repr_html_()
            self.subgraph_button.disabled = False
            gaps = f", {len(p.missing)} missing" if p.missing else ""
            return f"passport of {text}: {len(p.subgraph.elements)} records{gaps}"

        return self.host._run("passport", go, self.button)

    def show_subgraph(self) -> bool:
        """Draw exactly the records the passport used."""

        def go() -> str:
            if self.passport is None:
                raise UserInputError("look up a passport first")
            p = self.passport
            return self.host.show_scope(GraphScope(p.subgraph, f"passport subgraph of {p.ref}", exact=True))

        return self.host._run("show subgraph", go, self.subgraph_button)


class ValidationPanel(W.VBox):
    """Validate button → the findings table; choosing a finding highlights its records in the graph."""

    def __init__(self, host: "Explorer") -> None:
        self.host = host
        self.findings: list[Finding] = []
        self.doc: ProvDoc | None = None
        self.button = _button("Validate", "m2p-validate", "Check the selected document against PROV-DM and PROV-CONSTRAINTS", "info")
        self.warnings = _classed(W.Checkbox(value=True, description="warnings too", indent=False,
                                            layout=W.Layout(width="auto")), "m2p-validate-warnings")
        self.choice = _classed(W.Select(options=[], rows=6, description="Finding", style={"description_width": "initial"},
                                        layout=W.Layout(width="100%")), "m2p-findings")
        self.highlight_button = _button("Highlight", "m2p-highlight-finding", "Emphasise the records of the chosen finding")
        self.clear_button = _button("Clear highlight", "m2p-clear-highlight", "Remove the emphasis from the graph")
        self.table = _classed(W.HTML("", layout=W.Layout(width="100%", max_height="300px", overflow="auto")), "m2p-findings-table")
        super().__init__([
            W.HBox([self.button, self.warnings, self.highlight_button, self.clear_button]),
            self.choice,
            self.table,
        ])
        self.button.on_click(lambda _: self.validate())
        self.highlight_button.on_click(lambda _: self.highlight())
        self.clear_button.on_click(lambda _: self.host.pin([], "cleared the highlight"))
        self.choice.observe(self._on_choice, names="value")
        self._suspend = False

    def validate(self) -> bool:
        """Validate the selected document; fill the table and the finding list."""

        def go() -> str:
            entry = self.host._need(1, "validate")[0]
            found = validate(entry.doc)
            if not self.warnings.value:
                found = [f for f in found if f.severity == ERROR]
            self.findings, self.doc = found, entry.doc
            self._suspend = True
            try:
                self.choice.options = [
                    (f"{i + 1}. {f.severity} · {f.code} · {' '.join(f.message.split())[:160]}", i)
                    for i, f in enumerate(found)
                ]
                self.choice.value = None
            finally:
                self._suspend = False
            self.table.value = findings_table_html(found, title=entry.name)
            n_err = sum(f.severity == ERROR for f in found)
            return f"validated {entry.name}: {n_err} errors, {len(found) - n_err} warnings"

        return self.host._run("validate", go, self.button)

    def _on_choice(self, change: dict[str, Any]) -> None:
        if not self._suspend and change.get("new") is not None:
            self.highlight(change["new"])

    def highlight(self, index: int | None = None) -> bool:
        """Emphasise the records of finding ``index`` (default: the chosen one) in the graph."""

        def go() -> str:
            i = self.choice.value if index is None else index
            if i is None or not (0 <= i < len(self.findings)):
                raise UserInputError("validate, then choose a finding to highlight")
            f = self.findings[i]
            ids = finding_records(self.doc, f) if self.doc is not None else list(f.records)
            if not ids:
                raise UserInputError(f"finding {i + 1} ({f.code}) names no records to highlight")
            return self.host.pin(ids, f"finding {i + 1} ({f.code})", doc=self.doc)

        return self.host._run("highlight", go, self.highlight_button)


class DiffPanel(W.VBox):
    """Two documents of the session → the diff table and the coloured overlay in the graph."""

    def __init__(self, host: "Explorer") -> None:
        self.host = host
        self.diff: Diff | None = None
        self.a = _classed(W.Dropdown(options=[], description="From", style={"description_width": "initial"},
                                     layout=W.Layout(width="320px")), "m2p-diff-a")
        self.b = _classed(W.Dropdown(options=[], description="to", style={"description_width": "initial"},
                                     layout=W.Layout(width="320px")), "m2p-diff-b")
        self.button = _button("Diff", "m2p-diff", "Compare the two documents: table and graph overlay", "info")
        self.table = _classed(W.HTML("", layout=W.Layout(width="100%", max_height="300px", overflow="auto")), "m2p-diff-table")
        super().__init__([W.HBox([self.a, self.b, self.button]), W.HTML(diff_legend_html()), self.table])
        self._auto, self._syncing = True, False
        self.a.observe(self._on_user_choice, names="value")
        self.b.observe(self._on_user_choice, names="value")
        self.button.on_click(lambda _: self.compare())

    def _on_user_choice(self, _: Any) -> None:
        if not self._syncing:
            self._auto = False

    def sync(self) -> None:
        """Follow the session's document list: the last two documents until the user chooses others
        (chosen documents stay chosen while they are in the list)."""
        options = [(e.name, id(e)) for e in self.host.entries]
        ids = [v for _, v in options]
        old_a, old_b = self.a.value, self.b.value
        self._syncing = True
        try:
            self.a.options = options
            self.b.options = options
            if ids:
                auto = self._auto or old_a not in ids or old_b not in ids
                self.a.value = ids[max(0, len(ids) - 2)] if auto else old_a
                self.b.value = ids[-1] if auto else old_b
        finally:
            self._syncing = False

    def choose(self, a: str, b: str) -> None:
        """Choose the two documents by their names in the session list."""
        by_name = {e.name: id(e) for e in self.host.entries}
        self.a.value, self.b.value = by_name[a], by_name[b]

    def compare(self) -> bool:
        """Diff the chosen documents: the table, and their union with the overlay in the graph."""

        def go() -> str:
            by_id = {id(e): e for e in self.host.entries}
            ea, eb = by_id.get(self.a.value), by_id.get(self.b.value)
            if ea is None or eb is None:
                raise UserInputError("choose two documents of the session to compare")
            d = diff(ea.doc, eb.doc)
            self.diff = d
            self.table.value = diff_table_html(d, ea.name, eb.name)
            drawn = self.host.show_scope(diff_scope(ea.doc, eb.doc, d, f"diff {ea.name} → {eb.name}"))
            summary = "no differences" if d.empty else ", ".join(f"{n} {k}" for k, n in d.summary().items() if n)
            return f"diff {ea.name} → {eb.name}: {summary}; {drawn}"

        return self.host._run("diff", go, self.button)


__all__ = [
    "UserInputError",
    "GraphScope",
    "PassportPanel",
    "ValidationPanel",
    "DiffPanel",
    "DIFF_COLORS",
    "diff_union",
    "diff_scope",
    "apply_overlay",
    "diff_table_html",
    "diff_legend_html",
    "findings_table_html",
    "finding_records",
]
