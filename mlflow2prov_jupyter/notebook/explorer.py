"""The Provenance Explorer: a graph tool over the toolkit's verbs.

Layout: one toolbar (the document shown, then one button per action), the status line, then the graph
(tall, first, the whole width) and, while an action is open, a side panel beside it holding the action's
form and result (closed with its × button, the graph takes the width back). The graph is
the extension's graph module in a widget (:class:`.widget.GraphWidget`): search, legend and the one details
panel live there; Python sends the document and the ViewOptions (what to show, fold, highlight, zoom to).

Every action runs through the verb table (:func:`mlflow2prov_jupyter.verbs.run_steps`), its form generated
from the verb's options (:mod:`.forms`). The passport, validation and diff panels (:mod:`.panels`) use the
small public interface ``current``, ``entries``, ``require``, ``run_action`` and ``show_in_graph``.

Below the widget a *snapshot* output keeps the last graph drawn: a plain ``application/vnd.prov+json``
output (plus the offline HTML) that the extension hides while the widget is live and shows when the
notebook is reopened without a kernel or the widget cannot load.

Stable CSS classes for automation: ``m2p-explorer``, ``m2p-toolbar``, ``m2p-doc-select``, ``m2p-tool-<name>``
(one per action button), ``m2p-side``, ``m2p-form-<name>``, ``m2p-run-<name>`` (the form's run button),
``m2p-side-close``, ``m2p-status`` (plus ``m2p-ok`` / ``m2p-error`` / ``m2p-busy`` / ``m2p-warn``),
``m2p-result``, ``m2p-graph``.
"""

from __future__ import annotations

import html
import keyword
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import ipywidgets as widgets

from ..core.errors import Mlflow2ProvError
from ..core.provdoc import ProvDoc
from ..core.redact import one_line
from ..query.lineage import lineage
from ..verbs import RunContext, run_steps
from .display import PROV_JSON_MIME, mimebundle
from .forms import VerbForm
from .panels import DiffPanel, PassportPanel, UserInputError, ValidationPanel
from .viewdata import sendable, view_options
from .widget import GraphWidget

TOOLS = (
    "extract",
    "load",
    "merge",
    "transform",
    "save",
    "statistics",
    "lineage",
    "passport",
    "validate",
    "diff",
    "sync",
)
TOOL_TITLES = {"statistics": "Statistics", "lineage": "Lineage", "passport": "Passport", "validate": "Validate"}
SIDE_WIDTH = "320px"
GRAPH_HEIGHT = 620
# The status line's colour per kind: JupyterLab's theme variables (light, dark and high contrast alike).
STATUS_COLOURS = {
    "ok": "var(--jp-success-color1)",
    "error": "var(--jp-error-color1)",
    "warn": "var(--jp-warn-color1)",
    "busy": "var(--jp-ui-font-color2)",
}
SAVE_FORMAT = "provjson"  # the explorer saves files that JupyterLab opens as a graph
PSEUDONYM_ID_PART = ":pseudonym/"  # agents of a pseudonymized document (ops.pseudonymize)


def short_name(what: str, *bases: str) -> str:
    """``pseudonymized · demo``: the action and the base names, never a growing chain of actions."""
    roots = [b.rsplit(" · ", 1)[-1] for b in bases]
    joined = " + ".join(roots) if len(roots) <= 2 else f"{len(roots)} documents"
    return f"{what} · {joined}"


def is_pseudonymized(doc: ProvDoc) -> bool:
    return any(e.kind == "agent" and PSEUDONYM_ID_PART in e.id for e in doc.elements.values())


@dataclass
class DocEntry:
    """A document of the session with its display name and where it came from."""

    name: str
    doc: ProvDoc
    origin: str

    def label(self) -> str:
        return f"{self.name} · {len(self.doc.elements)} elements ({self.origin})"


def _button(description: str, css: str, tooltip: str, style: str = "") -> widgets.Button:
    b = widgets.Button(
        description=description, tooltip=tooltip, button_style=style, layout=widgets.Layout(width="auto")
    )
    b.add_class(css)
    return b


def _box(children: list[widgets.Widget], css: str) -> widgets.VBox:
    """A column whose children keep their height (a flex column with a max height would squeeze them
    into each other: the panel scrolls instead)."""
    for child in children:
        child.layout.flex = "0 0 auto"
    box = widgets.VBox(children, layout=widgets.Layout(width="100%", gap="4px", flex="0 0 auto"))
    box.add_class(css)
    return box


class Explorer(widgets.VBox):
    """The Provenance Explorer widget (``%mlflow2prov explore`` / ``show``)."""

    def __init__(
        self,
        docs: ProvDoc | list[ProvDoc] | None = None,
        *,
        namespace: dict[str, Any] | None = None,
        repo: str = "",
        tracking_uri: str = "",
        graph_height: int = GRAPH_HEIGHT,
    ) -> None:
        self.namespace = namespace
        self.entries: list[DocEntry] = []
        self.view: dict[str, Any] = {}
        self.view_doc: ProvDoc | None = None  # the document drawn (the current one, a diff union, …)
        self.stats_rows: list[tuple[str, str, int]] = []
        self._sent_doc: ProvDoc | None = None
        self._snapshot: Any = None
        self._suspend = False
        self._counter = 0
        self.active_tool: str | None = None

        # -- toolbar: the document shown, then the actions
        self.doc_select = widgets.Dropdown(
            options=[], layout=widgets.Layout(width="320px"), description_tooltip="Document shown"
        )
        self.doc_select.add_class("m2p-doc-select")
        self.tool_buttons = {
            t: _button(
                TOOL_TITLES.get(t, t.capitalize()) + ("" if t in TOOL_TITLES else "…"),
                f"m2p-tool-{t}",
                f"{t}: open its form beside the graph",
            )
            for t in TOOLS
        }
        title = widgets.HTML("<b>Provenance Explorer</b>")
        self.toolbar = widgets.HBox(
            [title, self.doc_select, *self.tool_buttons.values()],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center", gap="4px"),
        )
        self.toolbar.add_class("m2p-toolbar")

        # -- graph
        self.graph = GraphWidget(height=graph_height, layout=widgets.Layout(flex="1 1 auto", min_width="0"))
        self.graph.add_class("m2p-graph")

        # -- status line (under the toolbar, above the graph) and the side panel: the open action's form and result
        self.status = widgets.HTML("", layout=widgets.Layout(width="100%", min_height="20px"))
        self.status.add_class("m2p-status")
        self.status_kind = "ok"
        self.result = widgets.HTML("", layout=widgets.Layout(width="100%"))
        self.result.add_class("m2p-result")
        self.progress_out = widgets.Output(layout=widgets.Layout(max_height="80px", overflow="auto"))
        self.forms: dict[str, widgets.Widget] = {}
        self.run_buttons: dict[str, widgets.Button] = {}
        self._build_forms(repo, tracking_uri)
        self.side_title = widgets.HTML("")
        close = _button("×", "m2p-side-close", "Close this panel (the graph takes the width back)")
        close.on_click(lambda _: self.close_tool())
        self.form_box = widgets.VBox([], layout=widgets.Layout(width="100%", flex="0 0 auto"))
        head = widgets.HBox(
            [self.side_title, close], layout=widgets.Layout(justify_content="space-between", align_items="center")
        )
        self.side = _box([head, self.form_box, self.progress_out, self.result], "m2p-side")
        self.side.layout.width = SIDE_WIDTH
        self.side.layout.flex = "0 0 auto"
        self.side.layout.overflow_y = "auto"
        self.side.layout.max_height = f"{graph_height + 120}px"
        self.side.layout.display = "none"
        main = widgets.HBox(
            [self.graph, self.side], layout=widgets.Layout(width="100%", align_items="flex-start", gap="8px")
        )

        super().__init__([self.toolbar, self.status, main], layout=widgets.Layout(width="100%"))
        self.add_class("m2p-explorer")

        for t, b in self.tool_buttons.items():
            b.on_click(lambda _, t=t: self.open_tool(t))
        self.doc_select.observe(self._on_doc_selection, names="value")
        for d in [docs] if isinstance(docs, ProvDoc) else list(docs or []):
            self.add_document(d, origin="given")
        if not self.entries:
            self.open_tool("extract")
            self._set_status("Extract a project or load a file to begin.", "ok")

    # ------------------------------------------------------------------------------------------ forms
    def _run_button(self, tool: str, text: str, action: Callable[[], bool], style: str = "primary") -> widgets.Button:
        b = _button(text, f"m2p-run-{tool}", text, style)
        b.on_click(lambda _: action())
        self.run_buttons[tool] = b
        return b

    def _build_forms(self, repo: str, tracking_uri: str) -> None:
        self.extract_form = VerbForm("extract", values={"repo": repo or None, "tracking_uri": tracking_uri or None})
        main, rest = (
            self.extract_form.widgets("repo", "tracking_uri"),
            [w for n, w in self.extract_form.fields.items() if n not in ("repo", "tracking_uri")],
        )
        more = widgets.Accordion(children=[widgets.VBox(rest)], titles=("More options",), selected_index=None)
        self.forms["extract"] = _box(
            [*main, more, self._run_button("extract", "Extract", self.extract)], "m2p-form-extract"
        )

        self.load_path = widgets.Text(
            placeholder="provenance.provjson", description="File", layout=widgets.Layout(width="100%")
        )
        self.load_path.add_class("m2p-load-path")
        self.load_form = VerbForm("load", only=("format",))
        self.forms["load"] = _box(
            [self.load_path, *self.load_form.widgets(), self._run_button("load", "Load", self.load)], "m2p-form-load"
        )

        self.merge_docs = widgets.SelectMultiple(
            options=[], rows=5, description="Documents", layout=widgets.Layout(width="100%")
        )
        self.merge_form = VerbForm("merge")
        self.forms["merge"] = _box(
            [self.merge_docs, *self.merge_form.widgets(), self._run_button("merge", "Merge", self.merge)],
            "m2p-form-merge",
        )

        self.transform_form = VerbForm("transform")
        self.forms["transform"] = _box(
            [*self.transform_form.widgets(), self._run_button("transform", "Transform", self.transform)],
            "m2p-form-transform",
        )

        self.save_form = VerbForm("save", values={"formats": [SAVE_FORMAT]})
        self.forms["save"] = _box(
            [*self.save_form.widgets(), self._run_button("save", "Save", self.save)], "m2p-form-save"
        )

        self.stats_form = VerbForm("statistics", only=("resolution",), values={"resolution": "fine"})
        self.forms["statistics"] = _box(
            [*self.stats_form.widgets(), self._run_button("statistics", "Count", self.statistics)],
            "m2p-form-statistics",
        )

        self.lineage_form = VerbForm("lineage", only=("direction", "depth"), values={"direction": "both", "depth": 2})
        self.forms["lineage"] = _box(
            [
                widgets.HTML(
                    "Click a node in the graph, then show what it came from (up), what came from it (down) or both."
                ),
                *self.lineage_form.widgets(),
                widgets.HBox(
                    [
                        self._run_button("lineage", "Focus on selected", self.focus),
                        self._run_button("whole", "Whole document", self.show_document, ""),
                    ],
                    layout=widgets.Layout(flex_flow="row wrap", gap="4px"),
                ),
                widgets.HBox(
                    [
                        _export_name := widgets.Text(placeholder="variable name", layout=widgets.Layout(width="160px")),
                        self._run_button("export", "To variable", self.export, ""),
                    ],
                    layout=widgets.Layout(gap="4px"),
                ),
                self._run_button("remove", "Remove document", self.remove, "warning"),
            ],
            "m2p-form-lineage",
        )
        self.export_name = _export_name
        self.sync_form = VerbForm(
            "sync",
            only=("store", "project", "repo", "tracking_uri", "full"),
            values={"repo": repo or None, "tracking_uri": tracking_uri or None},
        )
        self.forms["sync"] = _box(
            [
                widgets.HTML(
                    "Bring a provenance store up to date with the project: only what changed since the "
                    "store's last sync is extracted, and the project's document is shown from the store."
                ),
                *self.sync_form.widgets(),
                self._run_button("sync", "Sync", self.sync),
            ],
            "m2p-form-sync",
        )
        self.passport_panel = PassportPanel(self)
        self.validation_panel = ValidationPanel(self)
        self.diff_panel = DiffPanel(self)
        self.forms["passport"] = _box([self.passport_panel], "m2p-form-passport")
        self.forms["validate"] = _box([self.validation_panel], "m2p-form-validate")
        self.forms["diff"] = _box([self.diff_panel], "m2p-form-diff")

    def open_tool(self, tool: str) -> None:
        """Show ``tool``'s form in the side panel beside the graph (the toolbar's buttons do this)."""
        if tool != self.active_tool:
            self.result.value = ""
        self.side_title.value = f"<b>{html.escape(TOOL_TITLES.get(tool, tool.capitalize()))}</b>"
        self.form_box.children = [self.forms[tool]]
        for t, b in self.tool_buttons.items():
            b.button_style = "info" if t == tool else ""
        self.side.layout.display = "flex"
        self.active_tool = tool

    def close_tool(self) -> None:
        """Close the side panel: the graph takes the whole width."""
        self.side.layout.display = "none"
        for b in self.tool_buttons.values():
            b.button_style = ""
        self.active_tool = None

    # ------------------------------------------------------------------------------------- documents
    @property
    def documents(self) -> list[ProvDoc]:
        """Every document of the session, in list order."""
        return [e.doc for e in self.entries]

    @property
    def current_entry(self) -> DocEntry | None:
        i = self.doc_select.value
        return self.entries[i] if isinstance(i, int) and 0 <= i < len(self.entries) else None

    @property
    def current(self) -> ProvDoc | None:
        """The document shown (chosen in the toolbar)."""
        e = self.current_entry
        return e.doc if e else None

    def add_document(
        self, doc: ProvDoc, origin: str = "added", name: str | None = None, select: bool = True
    ) -> DocEntry:
        """Add a document to the session (and show it)."""
        self._counter += 1
        entry = DocEntry(name or doc.name or f"doc{self._counter}", doc, origin)
        taken = {e.name for e in self.entries}
        if entry.name in taken:
            entry.name = f"{entry.name} ({self._counter})"
        self.entries.append(entry)
        self._sync_list(len(self.entries) - 1 if select else None)
        return entry

    def _sync_list(self, select: int | None = None) -> None:
        keep = self.doc_select.value if select is None else select
        self._suspend = True
        try:
            self.doc_select.options = [(e.label(), i) for i, e in enumerate(self.entries)]
            self.merge_docs.options = [(e.name, i) for i, e in enumerate(self.entries)]
            self.merge_docs.value = tuple(range(len(self.entries)))
            self.doc_select.value = (
                keep
                if isinstance(keep, int) and keep < len(self.entries)
                else (len(self.entries) - 1 if self.entries else None)
            )
            self.diff_panel.sync()
        finally:
            self._suspend = False
        self._on_doc_selection(None)

    def require(self, n: int, what: str) -> list[DocEntry]:
        """``n`` documents to ``what``: the one shown (n = 1), else those chosen in the merge list."""
        if n <= 1:
            e = self.current_entry
            if e is None:
                raise UserInputError(f"extract or load a document first, then {what} it")
            return [e]
        chosen = [self.entries[i] for i in self.merge_docs.value if i < len(self.entries)]
        if len(chosen) < n:
            raise UserInputError(f"choose {n} or more documents to {what}")
        return chosen

    # ---------------------------------------------------------------------------------------- status
    def _set_status(self, text: str, kind: str) -> None:
        mark = {"ok": "✓ ", "error": "✗ ", "busy": "… ", "warn": "⚠ "}.get(kind, "")
        colour = STATUS_COLOURS.get(kind, "var(--jp-ui-font-color1)")
        self.status.value = (
            (
                f'<div class="m2p-status-line m2p-status-{kind}" style="color:{colour};white-space:nowrap;'
                'overflow:hidden;text-overflow:ellipsis" '
                f'title="{html.escape(mark + text)}">{html.escape(mark + text)}</div>'
            )
            if text
            else ""
        )
        self.status_kind = kind
        for k in ("ok", "error", "busy", "warn"):
            self.status.remove_class(f"m2p-{k}")
        self.status.add_class(f"m2p-{kind}")

    @property
    def status_text(self) -> str:
        """The status line as plain text."""
        return html.unescape(self.status.value.split(">", 1)[-1].rsplit("<", 1)[0]) if self.status.value else ""

    def run_action(self, what: str, fn: Callable[[], str], button: widgets.Button | None = None) -> bool:
        """Run one action: busy status, then its message (a leading "⚠" makes it a warning) or its
        one-line error, next to the graph. Never raises."""
        self._set_status(f"{what}…", "busy")
        if button is not None:
            button.disabled = True
        t0 = time.perf_counter()
        try:
            message = fn()
        except Exception as exc:  # noqa: BLE001 - every failure is reported in the status line
            own = isinstance(exc, (Mlflow2ProvError, UserInputError)) or not str(exc).strip()
            why = one_line(exc) if own else f"{type(exc).__name__}: {one_line(exc)}"  # a library's: with its type
            self._set_status(f"{what} failed: {why}", "error")
            return False
        finally:
            if button is not None:
                button.disabled = False
        warn = message.startswith("⚠")
        self._set_status(f"{message.lstrip('⚠ ')} ({time.perf_counter() - t0:.1f} s)", "warn" if warn else "ok")
        return True

    def _verb(self, name: str, stream: list[ProvDoc], **kw: Any) -> tuple[list[ProvDoc], RunContext]:
        """Run one verb of the verb table over ``stream`` (its messages are collected, not printed)."""
        lines: list[str] = []
        ctx = RunContext(echo=lines.append, progress=False, resolve=lambda name: None)
        out = run_steps([(name, kw)], ctx, stream)
        ctx.outputs.append(lines)
        return out, ctx

    # --------------------------------------------------------------------------------------- actions
    def extract(self) -> bool:
        """Extract the repository and/or store named in the extract form into a new document."""

        def go() -> str:
            kw = self.extract_form.values()
            if not kw.get("repo") and not kw.get("tracking_uri"):
                raise UserInputError("give a Git repository path, a tracking URI, or both")
            kw.setdefault("repo", None)
            kw.setdefault("tracking_uri", None)
            self.progress_out.clear_output()
            outcome: dict[str, Any] = {}
            with self.progress_out:  # (an Output widget swallows exceptions under IPython: catch inside)
                try:
                    lines: list[str] = []
                    ctx = RunContext(echo=lines.append, progress=True)
                    outcome["docs"] = run_steps([("extract", kw)], ctx, [])
                except BaseException as exc:  # noqa: BLE001 - re-raised below, outside the Output
                    outcome["error"] = exc
            if "error" in outcome:
                raise outcome["error"]
            doc = outcome["docs"][-1]
            base = os.path.basename(os.path.abspath(kw["repo"])) if kw.get("repo") else "mlflow"
            entry = self.add_document(doc, origin="extracted", name=doc.name or base)
            self.progress_out.clear_output()
            return f"extracted {entry.name}: {len(doc.elements)} elements, {len(doc.relations)} relations"

        return self.run_action("extract", go, self.tool_buttons["extract"])

    def load(self, path: str | None = None) -> bool:
        """Load a PROV file into a new document."""

        def go() -> str:
            p = (path if path is not None else self.load_path.value).strip()
            if not p:
                raise UserInputError("type the path of a PROV file to load")
            docs, _ = self._verb("load", [], path=p, **self.load_form.values())
            doc = docs[-1]
            self.add_document(doc, origin="loaded", name=doc.name or os.path.basename(p))
            return f"loaded {p}: {len(doc.elements)} elements, {len(doc.relations)} relations"

        return self.run_action("load", go, self.tool_buttons["load"])

    def merge(self) -> bool:
        """Merge the documents chosen in the merge form into a new one (added and shown)."""

        def go() -> str:
            sel = self.require(2, "merge")
            docs, _ = self._verb("merge", [e.doc for e in sel], **self.merge_form.values())
            entry = self.add_document(docs[0], origin="merged", name=short_name("merged", *(e.name for e in sel)))
            mixed = {is_pseudonymized(e.doc) for e in sel}
            if mixed == {True, False}:
                return (
                    f"⚠ merged into {entry.name}, but a pseudonymized document was merged with a clear one: "
                    "the clear one's names undo the pseudonyms"
                )
            return f"merged {len(sel)} documents into {entry.name}"

        return self.run_action("merge", go, self.tool_buttons["merge"])

    def transform(self) -> bool:
        """Transform the document shown with the transform form's options into a new document."""

        def go() -> str:
            (e,) = self.require(1, "transform")
            kw = self.transform_form.values()
            docs, _ = self._verb("transform", [e.doc], **kw)
            what = (
                "pseudonymized"
                if kw.get("pseudonymize")
                else ("aliases merged" if kw.get("merge_aliased_agents") else "deduplicated")
            )
            entry = self.add_document(docs[0], origin="transformed", name=short_name(what, e.name))
            if kw.get("pseudonymize") and not kw.get("key") and not os.environ.get("M2P_PSEUDONYM_KEY"):
                return f"⚠ made {entry.name} with a random key: its pseudonyms cannot be reproduced" + (
                    "" if kw.get("mapping") else " or reversed (give a key, or a mapping file to keep)"
                )
            return f"made {entry.name}"

        return self.run_action("transform", go, self.tool_buttons["transform"])

    def save(self) -> bool:
        """Save the document shown (path, formats and overwrite from the save form)."""

        def go() -> str:
            (e,) = self.require(1, "save")
            _, ctx = self._verb("save", [e.doc], **self.save_form.values())
            return "; ".join(ctx.outputs[-1]) or "saved"

        return self.run_action("save", go, self.tool_buttons["save"])

    def statistics(self) -> bool:
        """Statistics of the document shown: a table with bars (rows as ``statistics(format="rows")``)."""

        def go() -> str:
            from ..ops.statistics import statistics_rows

            (e,) = self.require(1, "count")
            self._verb("statistics", [e.doc], format="json", **self.stats_form.values())  # validates the options
            rows = statistics_rows(e.doc, resolution=self.stats_form.values().get("resolution", "fine"))
            self.stats_rows = list(rows)
            self.result.value = stats_table_html(self.stats_rows, title=e.name)
            return f"statistics of {e.name}: {len(rows)} rows"

        return self.run_action("statistics", go, self.tool_buttons["statistics"])

    def sync(self) -> bool:
        """Sync the store with the project (the ``sync`` verb), then show the project's document from it."""

        def go() -> str:
            kw = self.sync_form.values()
            if not kw.get("store"):
                raise UserInputError("give the store: a folder (embedded) or sparql+http(s)://… of a SPARQL server")
            if not kw.get("repo") and not kw.get("tracking_uri"):
                raise UserInputError("give a Git repository path, a tracking URI, or both")
            kw.setdefault("repo", None)
            kw.setdefault("tracking_uri", None)
            kw.setdefault("project", None)
            _, ctx = self._verb("sync", [], **kw)
            line = "; ".join(ctx.outputs[-1])
            docs, _ = self._verb("load", [], path=None, store=kw["store"], project=kw.get("project"))
            if docs:
                self.add_document(docs[-1], origin="synced", name=docs[-1].name or "store")
            return line

        return self.run_action("sync", go, self.tool_buttons["sync"])

    def remove(self) -> bool:
        """Remove the document shown from the session."""

        def go() -> str:
            (e,) = self.require(1, "remove")
            self.entries = [x for x in self.entries if x is not e]
            self._sync_list(len(self.entries) - 1 if self.entries else None)
            return f"removed {e.name}"

        return self.run_action("remove", go)

    def export(self) -> bool:
        """Store the document shown in the notebook variable named beside the button."""

        def go() -> str:
            (e,) = self.require(1, "store")
            name = self.export_name.value.strip()
            if not name.isidentifier() or keyword.iskeyword(name):
                raise UserInputError(f"{name!r} is not a valid variable name")
            ns = self.namespace
            if ns is None:
                from IPython import get_ipython

                shell = get_ipython()
                if shell is None:
                    raise UserInputError("no notebook namespace to store variables in")
                ns = shell.user_ns
            ns[name] = e.doc
            return f"stored {e.name} in variable {name}"

        return self.run_action("store", go)

    # ----------------------------------------------------------------------------------------- graph
    def _on_doc_selection(self, _: Any) -> None:
        if self._suspend:
            return
        self.result.value = ""
        self.show_in_graph(self.current)

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
        select: str | None = None,
    ) -> str:
        """Draw ``doc`` (default: the document shown) with these ViewOptions; returns a one-line summary."""
        doc = doc if doc is not None else self.current
        self.view_doc = doc
        if doc is None:
            self.view = {}
            self.graph.draw({}, {})
            self._update_snapshot()
            return "nothing to draw"
        self.view = view_options(
            show=list(show) if show is not None else None,
            highlight=list(highlight) or None,
            zoom_to=list(zoom_to) or None,
            badges=badges or None,
            title=title,
            direction=direction,
            select=select,
        )
        data, view = sendable(doc, self.view)
        self.graph.draw(data if doc is not self._sent_doc else None, view)
        self._sent_doc = doc
        self._update_snapshot((data, view))
        shown = len(self.view["show"]) if "show" in self.view else len(doc.elements)
        return f"drew {title + ': ' if title else ''}{shown} elements"

    def show_document(self) -> bool:
        """Draw the document shown again, whole (leaves a lineage focus, a passport chain or a diff)."""
        return self.run_action("show document", lambda: self.show_in_graph(self.current))

    def focus(self, node_id: str | None = None) -> bool:
        """Show only the lineage of ``node_id`` (default: the clicked node) in the direction and depth of
        the lineage form (:func:`mlflow2prov_jupyter.query.lineage`, the CLI's ``lineage`` verb)."""

        def go() -> str:
            nid = node_id or self.graph.selected
            if not nid:
                raise UserInputError("click a node in the graph first, then focus on it")
            base = self.view_doc if self.view_doc is not None else self.current
            if base is None:
                raise UserInputError("extract or load a document first")
            kw = self.lineage_form.values()
            sub = lineage(base, nid, direction=kw.get("direction", "both"), depth=kw.get("depth"))
            return self.show_in_graph(
                base, show=list(sub.elements), select=nid, title=f"lineage of {nid} ({kw.get('direction', 'both')})"
            )

        return self.run_action("focus", go)

    def clear_focus(self) -> bool:
        """Show the whole document again."""
        return self.show_document()

    def select(self, node_id: str) -> None:
        """Select a node as a click in the graph does."""
        self.graph.selected = node_id

    # -------------------------------------------------------------------------------------- snapshot
    def _snapshot_bundle(
        self, sent: tuple[dict[str, Any], dict[str, Any]] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        doc = self.view_doc
        if doc is None or not doc.elements:
            return {"text/plain": "Provenance Explorer (no document)"}, {}
        data, md = mimebundle(doc, view=self.view, sent=sent)
        md.setdefault(PROV_JSON_MIME, {})["snapshot_of"] = self.graph.view_id
        data["text/plain"] = "Provenance Explorer, last graph: " + data.get("text/plain", "").splitlines()[0]
        return data, md

    def _update_snapshot(self, sent: tuple[dict[str, Any], dict[str, Any]] | None = None) -> None:
        if self._snapshot is not None:
            data, md = self._snapshot_bundle(sent)
            self._snapshot.update(data, metadata=md, raw=True)

    def _ipython_display_(self) -> None:
        """The widget, then the snapshot output that keeps its last graph in the saved notebook."""
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)
        data, md = self._snapshot_bundle()
        self._snapshot = display(data, metadata=md, raw=True, display_id=True)


def stats_table_html(rows: list[tuple[str, str, int]], title: str = "") -> str:
    """Statistics rows as an HTML table with a bar per row (bars scaled per section)."""
    esc = html.escape
    top: dict[str, int] = {}
    for s, n, c in rows:
        if not (s == "relations" and n == "total"):
            top[s] = max(top.get(s, 0), c)
    body = []
    for s, n, c in rows:
        width = 0 if (s == "relations" and n == "total") or not top.get(s) else max(1, round(120 * c / top[s]))
        bar = f'<div class="m2p-bar" style="height:10px;width:{width}px"></div>' if width else ""
        body.append(
            f'<tr data-section="{esc(s)}" data-name="{esc(n)}"><td>{esc(s)}</td>'
            f'<td><code>{esc(n)}</code></td><td style="text-align:right">{c}</td><td>{bar}</td></tr>'
        )
    caption = f"<caption style='text-align:left;font-weight:bold'>{esc(title)}</caption>" if title else ""
    return (
        f'<table class="m2p-stats-table" style="border-collapse:collapse">{caption}'
        "<tr><th style='text-align:left'>Section</th><th style='text-align:left'>Name</th><th>Count</th><th></th></tr>"
        + "".join(body)
        + "</table>"
    )
