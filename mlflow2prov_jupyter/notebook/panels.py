"""The explorer's question panels: Passport, Validation and Diff.

Each panel is a small ipywidgets box over one query function (:mod:`mlflow2prov_jupyter.query`) and
talks to the explorer only through :class:`PanelHost` (``current``, ``entries``, ``require``,
``run_action``, ``show_in_graph``); the HTML it shows comes from :mod:`.cards`.

* :class:`PassportPanel` — a reference (``models:/name@alias``, ``models:/name/version``,
  ``models:/<model_id>``, ``runs:/<run_id>`` or a run id) → the card, headed by its one-sentence answer;
  "Show chain" draws alias → version → model → run → commit (with datasets, experiment and people) left
  → right under that sentence.
* :class:`ValidationPanel` — Validate → the findings as plain sentences, each with a "Show" button that
  highlights its records and centres and zooms the graph on them.
* :class:`DiffPanel` — two documents of the session → the diff table, and the union of both drawn with
  ``badges`` (added, removed, changed) that the graph colours and explains in its legend.

Stable CSS classes: ``m2p-passport-ref``, ``m2p-passport-lookup``, ``m2p-passport-chain``,
``m2p-passport-card``, ``m2p-validate``, ``m2p-validate-warnings``, ``m2p-clear-highlight``,
``m2p-findings-summary``, ``m2p-findings``, ``m2p-finding-row``, ``m2p-finding-show``, ``m2p-diff-a``,
``m2p-diff-b``, ``m2p-diff``, ``m2p-diff-table``.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Protocol, Sequence

import ipywidgets as widgets

from ..core.provdoc import Element, ProvDoc, Relation
from ..query.diff import CHANGED, Diff, diff
from ..query.passport import REFERENCE_FORMS, Passport, passport
from ..query.validate import ERROR, Finding, validate
from .cards import diff_html, finding_html, findings_summary, passport_card

FINDING_ROWS_MAX = 100  # findings listed with a Show button; the rest are counted


class UserInputError(Exception):
    """A missing or wrong input in the explorer (reported in the status line without a type name)."""

    def __str__(self) -> str:
        return self.args[0] if self.args else ""


class DocumentEntry(Protocol):
    """A document of the explorer's session."""

    name: str
    doc: ProvDoc


class PanelHost(Protocol):
    """What a panel may ask of the explorer (implemented by ``notebook/explorer.py``'s ``Explorer``)."""

    @property
    def current(self) -> ProvDoc | None: ...

    @property
    def entries(self) -> Sequence[DocumentEntry]: ...

    def require(self, n: int, what: str) -> list[Any]: ...

    def run_action(self, what: str, fn: Callable[[], str], button: widgets.Button | None = None) -> bool: ...

    def show_in_graph(
        self,
        doc: ProvDoc | None = None,
        *,
        show: Iterable[str] | None = None,
        highlight: Iterable[str] = (),
        zoom_to: Iterable[str] = (),
        badges: dict[str, str] | None = None,
        title: str | None = None,
        direction: str | None = None,
    ) -> Any: ...


# ------------------------------------------------------------------------------------------ diff graph
def diff_union(a: ProvDoc, b: ProvDoc, d: Diff | None = None) -> ProvDoc:
    """One document holding both sides of a diff: every record of ``b`` plus what ``a`` had and ``b`` lost."""
    d = d if d is not None else diff(a, b)
    out = ProvDoc({**a.prefixes, **b.prefixes}, f"diff of {a.name or 'a'} and {b.name or 'b'}")
    for el in b.elements.values():
        out.elements[el.id] = Element(el.kind, el.id, dict(el.attrs))
    for eid in d.removed:
        el = a.elements[eid]
        out.elements[eid] = Element(el.kind, el.id, dict(el.attrs))
    for r in list(b.relations) + list(d.relations_removed):
        out.relations.append(Relation(r.kind, r.args, dict(r.attrs) if r.attrs else None, r.id))
    return out


def diff_badges(d: Diff, union: ProvDoc) -> dict[str, str]:
    """The ``badges`` view option of a diff: element id → "added" / "removed" / "changed".

    An element whose relations were added, removed or changed (but not its own attributes) is "changed"
    too, so a new link between two old records shows; ids that are not elements of ``union`` are left out.
    """
    badges = {eid: status for eid, status in d.overlay.items() if eid in union.elements}
    for _kind, source, target, _status in d.edge_overlay:
        for end in (source, target):
            if isinstance(end, str) and end in union.elements:
                badges.setdefault(end, CHANGED)
    return badges


# ---------------------------------------------------------------------------------------------- widgets
def _classed(widget: widgets.Widget, *classes: str) -> widgets.Widget:
    for c in classes:
        widget.add_class(c)
    return widget


def _button(description: str, css: str, tooltip: str, style: str = "", disabled: bool = False) -> widgets.Button:
    return _classed(
        widgets.Button(
            description=description,
            tooltip=tooltip,
            button_style=style,
            disabled=disabled,
            layout=widgets.Layout(width="auto", min_width="fit-content"),
        ),
        css,
    )


def _wide() -> widgets.Layout:
    return widgets.Layout(width="100%")


class PassportPanel(widgets.VBox):
    """Reference + Passport → the card (headline first); "Show chain" draws the chain left → right."""

    def __init__(self, host: PanelHost) -> None:
        self.host = host
        self.passport: Passport | None = None
        self.doc: ProvDoc | None = None
        self.ref = _classed(
            widgets.Text(value="", placeholder="models:/name@alias, models:/name/1, runs:/<run id>", layout=_wide()),
            "m2p-passport-ref",
        )
        self.button = _button("Passport", "m2p-passport-lookup", f"Where did it come from? ({REFERENCE_FORMS})", "info")
        self.chain_button = _button(
            "Show chain",
            "m2p-passport-chain",
            "Draw alias → version → model → run → commit, left to right",
            disabled=True,
        )
        self.card = _classed(widgets.HTML("", layout=_wide()), "m2p-passport-card")
        super().__init__(
            [
                widgets.HTML("Model or run"),
                self.ref,
                widgets.HBox([self.button, self.chain_button], layout=widgets.Layout(flex_flow="row wrap")),
                self.card,
            ],
            layout=_wide(),
        )
        self.button.on_click(lambda _: self.lookup())
        self.chain_button.on_click(lambda _: self.show_chain())

    def lookup(self, ref: str | None = None) -> bool:
        """The passport of ``ref`` (default: the field) in the document shown, as the card."""

        def go() -> str:
            entry = self.host.require(1, "look up a passport in")[0]
            text = (ref if ref is not None else self.ref.value).strip()
            if not text:
                raise UserInputError(f"type a reference: {REFERENCE_FORMS}")
            self.passport, self.doc = None, None
            self.chain_button.disabled = True
            self.card.value = ""
            p = passport(entry.doc, text)
            self.passport, self.doc = p, entry.doc
            self.card.value = passport_card(p)
            self.chain_button.disabled = False
            gaps = f" ({len(p.missing)} missing)" if p.missing else ""
            return f"passport of {text}: {p.headline}{gaps}"

        return self.host.run_action("passport", go, self.button)

    def show_chain(self) -> bool:
        """Draw the passport's chain (and its datasets, experiment, people) left → right under its headline."""

        def go() -> str:
            if self.passport is None:
                raise UserInputError("look up a passport first")
            p = self.passport
            self.host.show_in_graph(self.doc, show=p.show_ids, direction="auto", title=p.headline)
            return f"drew the chain of {p.ref}: {len(p.chain)} steps, {len(p.show_ids)} records"

        return self.host.run_action("show chain", go, self.chain_button)


class ValidationPanel(widgets.VBox):
    """Validate → the findings as sentences; each "Show" centres and zooms the graph on its records."""

    def __init__(self, host: PanelHost) -> None:
        self.host = host
        self.findings: list[Finding] = []
        self.doc: ProvDoc | None = None
        self.button = _button(
            "Validate",
            "m2p-validate",
            "Check the document shown: PROV-DM structure and PROV-CONSTRAINTS ordering",
            "info",
        )
        self.warnings = _classed(
            widgets.Checkbox(value=True, description="warnings too", indent=False, layout=widgets.Layout(width="auto")),
            "m2p-validate-warnings",
        )
        self.clear_button = _button("Clear", "m2p-clear-highlight", "Draw the document without highlights")
        self.summary = _classed(widgets.HTML(""), "m2p-findings-summary")
        self.rows = _classed(widgets.VBox([], layout=_wide()), "m2p-findings")
        self.show_buttons: list[widgets.Button] = []
        super().__init__(
            [
                widgets.HBox(
                    [self.button, self.warnings, self.clear_button], layout=widgets.Layout(flex_flow="row wrap")
                ),
                self.summary,
                self.rows,
            ],
            layout=_wide(),
        )
        self.button.on_click(lambda _: self.validate())
        self.clear_button.on_click(lambda _: self.clear())

    def validate(self) -> bool:
        """Validate the document shown; list its findings, each with a Show button."""

        def go() -> str:
            entry = self.host.require(1, "validate")[0]
            found = validate(entry.doc)
            if not self.warnings.value:
                found = [f for f in found if f.severity == ERROR]
            self.findings, self.doc = found, entry.doc
            self.show_buttons = []
            rows = []
            for i, f in enumerate(found[:FINDING_ROWS_MAX]):
                show = _button(
                    "Show",
                    "m2p-finding-show",
                    "Highlight these records and zoom the graph to them",
                    disabled=not f.nodes,
                )
                show.on_click(lambda _, i=i: self.show(i))
                self.show_buttons.append(show)
                sentence = widgets.HTML(finding_html(f, i + 1), layout=widgets.Layout(flex="1 1 auto"))
                rows.append(_classed(widgets.HBox([sentence, show], layout=_wide()), "m2p-finding-row"))
            more = len(found) - FINDING_ROWS_MAX
            if more > 0:
                rows.append(widgets.HTML(f"… {more} more findings: validate(doc) in Python lists all"))
            self.rows.children = rows
            self.summary.value = f"<b>{findings_summary(found).capitalize()}</b>"
            return f"validated {entry.name}: {findings_summary(found)}"

        return self.host.run_action("validate", go, self.button)

    def show(self, index: int) -> bool:
        """Highlight the records of finding ``index`` and centre and zoom the graph on them."""

        def go() -> str:
            if not (0 <= index < len(self.findings)):
                raise UserInputError("validate, then choose a finding to show")
            f = self.findings[index]
            if not f.nodes:
                raise UserInputError(f"finding {index + 1} names no record of the document to show")
            ids = list(f.nodes)
            self.host.show_in_graph(self.doc, highlight=ids, zoom_to=ids, title=f"{index + 1}. {f.message}")
            return f"finding {index + 1}: {', '.join(f.names.get(i, i) for i in ids)}"

        button = self.show_buttons[index] if 0 <= index < len(self.show_buttons) else None
        return self.host.run_action("show finding", go, button)

    def clear(self) -> bool:
        """Draw the validated document again, without highlights."""

        def go() -> str:
            self.host.show_in_graph(self.doc)
            return "cleared the highlight"

        return self.host.run_action("clear", go, self.clear_button)


class DiffPanel(widgets.VBox):
    """Two documents of the session → the diff table and, in the graph, their union with badges."""

    def __init__(self, host: PanelHost) -> None:
        self.host = host
        self.diff: Diff | None = None
        self.a = _classed(widgets.Dropdown(options=[], description="from", layout=_wide()), "m2p-diff-a")
        self.b = _classed(widgets.Dropdown(options=[], description="to", layout=_wide()), "m2p-diff-b")
        self.button = _button("Diff", "m2p-diff", "Compare the two documents: table and graph", "info")
        self.table = _classed(
            widgets.HTML("", layout=widgets.Layout(width="100%", max_height="420px", overflow="auto")), "m2p-diff-table"
        )
        super().__init__([self.a, self.b, self.button, self.table], layout=_wide())
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
        """Diff the chosen documents: the table, and their union drawn with badges."""

        def go() -> str:
            by_id = {id(e): e for e in self.host.entries}
            ea, eb = by_id.get(self.a.value), by_id.get(self.b.value)
            if ea is None or eb is None:
                raise UserInputError("choose two documents of the session to compare")
            d = diff(ea.doc, eb.doc)
            self.diff = d
            self.table.value = diff_html(d, ea.name, eb.name)
            union = diff_union(ea.doc, eb.doc, d)
            self.host.show_in_graph(union, badges=diff_badges(d, union), title=f"diff {ea.name} → {eb.name}")
            summary = "no differences" if d.empty else ", ".join(f"{n} {k}" for k, n in d.summary().items() if n)
            return f"diff {ea.name} → {eb.name}: {summary}"

        return self.host.run_action("diff", go, self.button)


__all__ = [
    "UserInputError",
    "PanelHost",
    "PassportPanel",
    "ValidationPanel",
    "DiffPanel",
    "diff_union",
    "diff_badges",
]
