"""The Provenance Explorer: an ipywidgets panel over the toolkit's operations.

Source fields and an Extract button (with a progress bar), the session's documents (extracted, loaded,
merged, transformed) with Load, Merge, Transform, Save, Statistics, Remove and "to variable" buttons, a
status line that reports every success or the one-line error, and the graph view with a prov:type filter,
a search box, collapse toggles, a focus on the clicked node (upstream / downstream / both, depth: the
sub-document :func:`~mlflow2prov_jupyter.query.lineage` returns) and a details panel; and the lineage
questions (:mod:`.panels`): a model or run passport with its subgraph, validation findings that highlight
their records, and a diff of two documents as a table and a coloured overlay. It calls the same
operations as the CLI and the magics; it holds no PROV logic.

Stable CSS classes for automation: ``m2p-explorer``, ``m2p-source``, ``m2p-extract``, ``m2p-progress``,
``m2p-docs``, ``m2p-load``, ``m2p-merge``, ``m2p-transform``, ``m2p-save``, ``m2p-stats``, ``m2p-remove``,
``m2p-export``, ``m2p-status`` (plus ``m2p-ok`` / ``m2p-error`` / ``m2p-busy``), ``m2p-stats-table``,
``m2p-graph-controls``, ``m2p-typefilter``, ``m2p-search``, ``m2p-collapse``, ``m2p-focus``,
``m2p-clear-focus``, ``m2p-show-document``, ``m2p-graph`` and ``m2p-details`` (and those of
:mod:`.panels`).
"""

from __future__ import annotations

import html
import keyword
import os
import time
from dataclasses import dataclass
from typing import Any, Callable

import ipywidgets as W

from ..core.errors import Mlflow2ProvError
from ..core.provdoc import ProvDoc
from ..query.lineage import lineage
from .graph import COLLAPSE_KINDS, GraphOptions, Payload, auto_collapse, for_widget, make_payload, search_nodes, type_counts
from .panels import DiffPanel, GraphScope, PassportPanel, UserInputError, ValidationPanel, apply_overlay
from .widget import GraphWidget

SAVE_FORMATS = ("json", "xml", "rdf", "provn", "jsonld", "dot", "svg")
# The focus control's directions → those of query.lineage (the one definition of lineage).
LINEAGE_DIRECTIONS = {"upstream": "up", "downstream": "down", "both": "both"}
DETAILS_VALUE_MAX = 2000
# What the graph view's own details panel shows when no node is selected (an empty dict would keep the
# last node's details there: the front-end ignores empty details).
DETAILS_HINT = {"title": "Click a node to see its attributes."}
DETAILS_MEMBERS_MAX = 300


@dataclass
class DocEntry:
    """A document of the session with its display name and where it came from."""

    name: str
    doc: ProvDoc
    origin: str

    def label(self) -> str:
        return f"{self.name} · {len(self.doc.elements)} elements, {len(self.doc.relations)} relations ({self.origin})"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if isinstance(exc, (Mlflow2ProvError, _UserError)):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _classed(widget: W.Widget, *classes: str) -> W.Widget:
    for c in classes:
        widget.add_class(c)
    return widget


def _button(description: str, css: str, tooltip: str, style: str = "") -> W.Button:
    return _classed(W.Button(description=description, tooltip=tooltip, button_style=style, layout=W.Layout(width="auto")), css)


def _text(description: str, placeholder: str = "", value: str = "", width: str = "260px") -> W.Text:
    return W.Text(value=value, description=description, placeholder=placeholder, style={"description_width": "initial"}, layout=W.Layout(width=width))


class Explorer(W.VBox):
    """The Provenance Explorer widget (``%mlflow2prov explore`` / ``show``)."""

    def __init__(
        self,
        docs: ProvDoc | list[ProvDoc] | None = None,
        *,
        namespace: dict[str, Any] | None = None,
        collapse: Any = None,
        repo: str = "",
        tracking_uri: str = "",
        graph_height: str = "560px",
    ) -> None:
        self.namespace = namespace
        self.entries: list[DocEntry] = []
        self.stats_rows: list[tuple[str, str, int]] = []
        self.focus_id: str | None = None
        self.focus_starts: list[str] = []
        self.scope: GraphScope | None = None
        self.pinned: list[str] = []
        self.payload: Payload | None = None
        self._collapse_request = collapse
        self._suspend = False
        self._counter = 0

        # -- source
        self.repo = _classed(_text("Git repository", "path of the work tree", repo, "320px"), "m2p-repo")
        self.tracking_uri = _classed(_text("Tracking URI", "sqlite:///mlflow.db or mlruns folder", tracking_uri, "360px"), "m2p-tracking-uri")
        self.extract_button = _button("Extract", "m2p-extract", "Extract the provenance of the repository and the store", "primary")
        self.progress = _classed(W.IntProgress(value=0, min=0, max=1, description="", layout=W.Layout(width="160px", visibility="hidden")), "m2p-progress")
        self.progress_out = _classed(W.Output(layout=W.Layout(max_height="90px", overflow="auto")), "m2p-progress-output")
        source = _classed(W.VBox([W.HBox([self.repo, self.tracking_uri, self.extract_button, self.progress]), self.progress_out]), "m2p-source")

        # -- documents
        self.doc_list = _classed(W.SelectMultiple(options=[], rows=5, layout=W.Layout(width="560px")), "m2p-docs")
        self.load_path = _classed(_text("File", "provenance.json", "", "300px"), "m2p-load-path")
        self.load_button = _button("Load", "m2p-load", "Load a PROV file (json, xml, rdf, provn, jsonld)")
        self.on_conflict = W.Dropdown(options=["error", "first"], value="error", description="On conflict", style={"description_width": "initial"}, layout=W.Layout(width="170px"))
        self.merge_button = _button("Merge", "m2p-merge", "Merge the selected documents into a new one")
        self.remove_button = _button("Remove", "m2p-remove", "Remove the selected documents from the list")
        self.export_name = _classed(_text("Variable", "doc", "", "200px"), "m2p-export-name")
        self.export_button = _button("To variable", "m2p-export", "Store the selected document(s) in a notebook variable")
        docs_box = W.HBox(
            [
                self.doc_list,
                W.VBox([W.HBox([self.load_path, self.load_button]), W.HBox([self.on_conflict, self.merge_button, self.remove_button]), W.HBox([self.export_name, self.export_button])]),
            ]
        )

        # -- transform
        self.t_dedupe = W.Checkbox(value=True, description="Eliminate duplicates", indent=False, layout=W.Layout(width="auto"))
        self.t_pseudo = W.Checkbox(value=False, description="Pseudonymize", indent=False, layout=W.Layout(width="auto"))
        self.t_scrub = W.Checkbox(value=False, description="Scrub texts", indent=False, layout=W.Layout(width="auto"))
        self.t_key = W.Password(value="", description="Key", placeholder="$M2P_PSEUDONYM_KEY", style={"description_width": "initial"}, layout=W.Layout(width="200px"))
        self.t_aliases = _text("Alias file", "persons.yaml", "", "220px")
        self.t_mapping = _text("Mapping file", "pseudonyms.json", "", "220px")
        self.transform_button = _button("Transform", "m2p-transform", "Transform each selected document into a new one")
        transform_box = _classed(W.HBox([self.t_dedupe, self.t_pseudo, self.t_scrub, self.t_key, self.t_aliases, self.t_mapping, self.transform_button], layout=W.Layout(flex_flow="row wrap")), "m2p-transform-box")

        # -- save
        self.save_path = _classed(_text("Save to", "path without extension", "provenance", "280px"), "m2p-save-path")
        self.save_formats = W.TagsInput(value=["json"], allowed_tags=list(SAVE_FORMATS), allow_duplicates=False, layout=W.Layout(width="260px"))
        self.save_overwrite = W.Checkbox(value=False, description="Overwrite", indent=False, layout=W.Layout(width="auto"))
        self.save_button = _button("Save", "m2p-save", "Save the selected documents")
        save_box = _classed(W.HBox([self.save_path, W.Label("formats"), self.save_formats, self.save_overwrite, self.save_button]), "m2p-save-box")

        # -- statistics
        self.stats_resolution = W.Dropdown(options=["coarse", "fine"], value="fine", description="Statistics", style={"description_width": "initial"}, layout=W.Layout(width="180px"))
        self.stats_button = _button("Statistics", "m2p-stats", "Count elements, relations and types of the document shown")
        self.stats_html = _classed(W.HTML(""), "m2p-stats-output")
        stats_box = W.VBox([W.HBox([self.stats_resolution, self.stats_button]), self.stats_html])

        # -- status
        self.status = _classed(W.Label("Ready."), "m2p-status")
        self.status_kind = "ok"

        # -- graph
        self.type_filter = _classed(W.SelectMultiple(options=[], rows=6, description="Types", style={"description_width": "initial"}, layout=W.Layout(width="300px")), "m2p-typefilter")
        self.all_types_button = _button("All types", "m2p-all-types", "Show every prov:type again")
        self.search = _classed(W.Text(value="", placeholder="search ids, labels, values", description="Search", continuous_update=False, style={"description_width": "initial"}, layout=W.Layout(width="260px")), "m2p-search")
        self.search_info = W.Label("")
        self.collapse_boxes = {
            k: _classed(W.Checkbox(value=False, description=d, indent=False, layout=W.Layout(width="auto")), "m2p-collapse", f"m2p-collapse-{k}")
            for k, d in (("metrics", "metric series"), ("members", "run members"), ("revisions", "file revisions"))
        }
        self.direction = _classed(W.Dropdown(options=[("both", "both"), ("upstream", "upstream"), ("downstream", "downstream")], value="both", description="Focus", style={"description_width": "initial"}, layout=W.Layout(width="190px")), "m2p-direction")
        self.depth = _classed(W.IntSlider(value=2, min=1, max=10, description="Depth", continuous_update=False, style={"description_width": "initial"}, layout=W.Layout(width="220px")), "m2p-depth")
        self.focus_button = _button("Focus on selected", "m2p-focus", "Show only the neighbourhood of the clicked node")
        self.clear_focus_button = _button("Clear focus", "m2p-clear-focus", "Show the whole graph again")
        self.show_document_button = _button("Show document", "m2p-show-document", "Draw the selected document again (leave a passport subgraph or a diff)")
        self.graph_info = _classed(W.Label(""), "m2p-graph-info")
        self.graph = _classed(GraphWidget(layout=W.Layout(width="100%", height=graph_height)), "m2p-graph")
        self.details = _classed(W.HTML(_details_empty(), layout=W.Layout(width="100%", max_height="320px", overflow="auto")), "m2p-details")
        controls = _classed(
            W.VBox(
                [
                    W.HBox([self.type_filter, W.VBox([self.all_types_button, W.HBox([self.search, self.search_info]), W.HBox([W.Label("Collapse:"), *self.collapse_boxes.values()])])]),
                    W.HBox([self.direction, self.depth, self.focus_button, self.clear_focus_button, self.show_document_button, self.graph_info]),
                ]
            ),
            "m2p-graph-controls",
        )
        graph_row = W.VBox([self.graph, self.details], layout=W.Layout(width="100%"))

        # -- lineage questions
        self.passport_panel = PassportPanel(self)
        self.validation_panel = ValidationPanel(self)
        self.diff_panel = DiffPanel(self)
        self.questions = _classed(W.Tab(children=[self.passport_panel, self.validation_panel, self.diff_panel]), "m2p-questions")
        for i, title in enumerate(("Passport", "Validation", "Diff")):
            self.questions.set_title(i, title)

        super().__init__(
            [
                W.HTML("<b>Provenance Explorer</b>"),
                source,
                docs_box,
                transform_box,
                save_box,
                self.status,
                stats_box,
                self.questions,
                controls,
                graph_row,
            ]
        )
        self.add_class("m2p-explorer")

        # -- events
        self.extract_button.on_click(lambda _: self.extract())
        self.load_button.on_click(lambda _: self.load())
        self.merge_button.on_click(lambda _: self.merge())
        self.transform_button.on_click(lambda _: self.transform())
        self.save_button.on_click(lambda _: self.save())
        self.stats_button.on_click(lambda _: self.statistics())
        self.remove_button.on_click(lambda _: self.remove())
        self.export_button.on_click(lambda _: self.export())
        self.focus_button.on_click(lambda _: self.focus())
        self.clear_focus_button.on_click(lambda _: self.clear_focus())
        self.show_document_button.on_click(lambda _: self.show_document())
        self.all_types_button.on_click(lambda _: self._select_all_types())
        self.doc_list.observe(self._on_doc_selection, names="value")
        self.type_filter.observe(lambda _: self._refresh_if_active(), names="value")
        self.search.observe(lambda _: self._apply_search(), names="value")
        for box in self.collapse_boxes.values():
            box.observe(lambda _: self._refresh_if_active(), names="value")
        self.direction.observe(lambda _: self._refresh_if_focused(), names="value")
        self.depth.observe(lambda _: self._refresh_if_focused(), names="value")
        self.graph.observe(self._on_selected, names="selected")

        for d in [docs] if isinstance(docs, ProvDoc) else list(docs or []):
            self.add_document(d, origin="given")
        if not self.entries:
            self.refresh()

    # ------------------------------------------------------------------------------------- documents
    @property
    def documents(self) -> list[ProvDoc]:
        """Every document of the session, in list order."""
        return [e.doc for e in self.entries]

    @property
    def selected_entries(self) -> list[DocEntry]:
        return [self.entries[i] for i in self.doc_list.value if 0 <= i < len(self.entries)]

    @property
    def current(self) -> ProvDoc | None:
        """The document the graph and statistics show: the first selected one."""
        sel = self.selected_entries
        return sel[0].doc if sel else None

    def add_document(self, doc: ProvDoc, origin: str = "added", name: str | None = None, select: bool = True) -> DocEntry:
        """Add a document to the session list (and select it)."""
        self._counter += 1
        entry = DocEntry(name or doc.name or f"doc{self._counter}", doc, origin)
        taken = {e.name for e in self.entries}
        if entry.name in taken:
            entry.name = f"{entry.name}-{self._counter}"
        self.entries.append(entry)
        self._sync_list(select=[len(self.entries) - 1] if select else None)
        return entry

    def _sync_list(self, select: list[int] | None = None) -> None:
        keep = list(self.doc_list.value) if select is None else select
        self._suspend = True
        try:
            self.doc_list.options = [(e.label(), i) for i, e in enumerate(self.entries)]
            self.doc_list.value = tuple(i for i in keep if i < len(self.entries))
            self.diff_panel.sync()
        finally:
            self._suspend = False
        self._on_doc_selection(None)

    def _need(self, n: int, what: str) -> list[DocEntry]:
        sel = self.selected_entries
        if len(sel) < n:
            raise _UserError(f"select {'a document' if n == 1 else f'{n} or more documents'} in the list to {what}")
        return sel

    # ---------------------------------------------------------------------------------------- status
    def _set_status(self, text: str, kind: str) -> None:
        self.status.value = text
        self.status_kind = kind
        for k in ("ok", "error", "busy"):
            self.status.remove_class(f"m2p-{k}")
        self.status.add_class(f"m2p-{kind}")

    def _run(self, what: str, fn: Callable[[], str], button: W.Button | None = None) -> bool:
        """Run one action: busy status, then its success line or its one-line error. Never raises."""
        self._set_status(f"{what}…", "busy")
        if button is not None:
            button.disabled = True
        t0 = time.perf_counter()
        try:
            message = fn()
        except Exception as exc:  # noqa: BLE001 - every failure is reported in the status line
            self._set_status(f"✗ {what} failed: {_one_line(exc)}", "error")
            return False
        finally:
            if button is not None:
                button.disabled = False
        self._set_status(f"✓ {message} ({time.perf_counter() - t0:.1f} s)", "ok")
        return True

    # --------------------------------------------------------------------------------------- actions
    def extract(self) -> bool:
        """Extract the repository and/or store named in the source fields into a new document."""

        def go() -> str:
            from ..core.extract import extract

            repo = self.repo.value.strip() or None
            uri = self.tracking_uri.value.strip() or None
            if repo is None and uri is None:
                raise _UserError("give a Git repository path, a tracking URI, or both")
            self.progress.layout.visibility = "visible"
            self.progress.bar_style = "info"
            self.progress.value = 0
            self.progress.description = "extracting"
            self.progress_out.clear_output()
            outcome: dict[str, Any] = {}
            with self.progress_out:  # (an Output widget swallows exceptions under IPython: catch inside)
                try:
                    outcome["doc"] = extract(repo, uri, progress=True)
                except BaseException as exc:  # noqa: BLE001 - re-raised below, outside the Output
                    outcome["error"] = exc
            if "error" in outcome:
                self.progress.bar_style = "danger"
                self.progress.description = "failed"
                raise outcome["error"]
            doc = outcome["doc"]
            self.progress.value = 1
            self.progress.bar_style = "success"
            self.progress.description = "done"
            entry = self.add_document(doc, origin="extracted")
            return f"extracted {entry.name}: {len(doc.elements)} elements, {len(doc.relations)} relations"

        return self._run("extract", go, self.extract_button)

    def load(self, path: str | None = None) -> bool:
        """Load a PROV file into a new document."""

        def go() -> str:
            from ..ops.load import load

            p = (path if path is not None else self.load_path.value).strip()
            if not p:
                raise _UserError("type the path of a PROV file to load")
            doc = load(p)
            self.add_document(doc, origin="loaded", name=doc.name or os.path.basename(p))
            return f"loaded {p}: {len(doc.elements)} elements, {len(doc.relations)} relations"

        return self._run("load", go, self.load_button)

    def merge(self) -> bool:
        """Merge the selected documents into a new one (added and selected)."""

        def go() -> str:
            from ..ops.merge import merge

            sel = self._need(2, "merge")
            doc = merge([e.doc for e in sel], on_conflict=self.on_conflict.value)
            entry = self.add_document(doc, origin="merged", name="merge of " + " + ".join(e.name for e in sel))
            return f"merged {len(sel)} documents into {entry.name}"

        return self._run("merge", go, self.merge_button)

    def transform(self) -> bool:
        """Transform each selected document with the transform options into a new document."""

        def go() -> str:
            from ..ops.transform import transform

            sel = self._need(1, "transform")
            made = []
            for e in sel:
                doc = transform(
                    e.doc,
                    eliminate_duplicates=self.t_dedupe.value,
                    merge_aliased_agents=self.t_aliases.value.strip() or None,
                    pseudonymize=self.t_pseudo.value,
                    key=self.t_key.value or None,
                    mapping=self.t_mapping.value.strip() or None,
                    scrub_text=self.t_scrub.value,
                )
                made.append((e, doc))
            first = len(self.entries)
            for e, doc in made:
                self.add_document(doc, origin="transformed", name=f"transform of {e.name}", select=False)
            self._sync_list(select=list(range(first, len(self.entries))))
            return f"transformed {len(made)} document{'s' if len(made) > 1 else ''}"

        return self._run("transform", go, self.transform_button)

    def save(self) -> bool:
        """Save the selected documents (path, formats, overwrite from the save fields)."""

        def go() -> str:
            from ..ops.save import save

            sel = self._need(1, "save")
            path = self.save_path.value.strip()
            if not path:
                raise _UserError("type the path to save to (without extension)")
            formats = tuple(self.save_formats.value) or ("json",)
            written = save([e.doc for e in sel], path, formats=formats, overwrite=self.save_overwrite.value)
            return "saved " + ", ".join(str(p) for p in written)

        return self._run("save", go, self.save_button)

    def statistics(self) -> bool:
        """Statistics of the document shown: a table with bars (rows as ``statistics(format="rows")``)."""

        def go() -> str:
            from ..ops.statistics import statistics

            sel = self._need(1, "count")
            rows = statistics(sel[0].doc, resolution=self.stats_resolution.value, format="rows")
            self.stats_rows = [tuple(r) for r in rows]  # type: ignore[misc]
            self.stats_html.value = stats_table_html(self.stats_rows, title=sel[0].name)
            return f"statistics of {sel[0].name}: {len(rows)} rows"

        return self._run("statistics", go, self.stats_button)

    def remove(self) -> bool:
        """Remove the selected documents from the session list."""

        def go() -> str:
            sel = self._need(1, "remove")
            gone = {id(e) for e in sel}
            self.entries = [e for e in self.entries if id(e) not in gone]
            self._sync_list(select=[len(self.entries) - 1] if self.entries else [])
            return f"removed {len(sel)} document{'s' if len(sel) > 1 else ''}"

        return self._run("remove", go, self.remove_button)

    def export(self) -> bool:
        """Store the selected document (a list if several) in the notebook variable named in the field."""

        def go() -> str:
            sel = self._need(1, "store")
            name = self.export_name.value.strip()
            if not name.isidentifier() or keyword.iskeyword(name):
                raise _UserError(f"{name!r} is not a valid variable name")
            ns = self.namespace
            if ns is None:
                try:
                    from IPython import get_ipython

                    shell = get_ipython()
                except ImportError:  # pragma: no cover
                    shell = None
                if shell is None:
                    raise _UserError("no notebook namespace to store variables in")
                ns = shell.user_ns
            ns[name] = sel[0].doc if len(sel) == 1 else [e.doc for e in sel]
            return f"stored {', '.join(e.name for e in sel)} in variable {name}"

        return self._run("store", go, self.export_button)

    # ----------------------------------------------------------------------------------------- graph
    def _on_doc_selection(self, _: Any) -> None:
        if self._suspend:
            return
        doc = self.current
        self.focus_id = None
        self.focus_starts = []
        self.scope = None
        self.pinned = []
        self._suspend = True
        try:
            if doc is None:
                self.type_filter.options = []
            else:
                counts = type_counts(doc)
                self.type_filter.options = [(f"{t} ({n})", t) for t, n in counts.items()]
                self.type_filter.value = tuple(counts)
                if self._collapse_request is None:
                    chosen = auto_collapse(doc)
                elif self._collapse_request is True:
                    chosen = frozenset(COLLAPSE_KINDS)
                elif self._collapse_request is False:
                    chosen = frozenset()
                else:
                    chosen = frozenset(self._collapse_request)
                for k, box in self.collapse_boxes.items():
                    box.value = k in chosen
        finally:
            self._suspend = False
        self._run("draw", self.refresh)

    @property
    def shown_doc(self) -> ProvDoc | None:
        """The document the graph draws (before a focus): a passport subgraph or diff, else the selected one."""
        return self.scope.doc if self.scope is not None else self.current

    def graph_options(self) -> GraphOptions:
        """The graph options the controls describe (the focus is applied before, with ``lineage``)."""
        exact = self.scope is not None and self.scope.exact
        selected_types = set(self.type_filter.value)
        all_types = {v for _, v in self.type_filter.options}
        types = None if exact or selected_types == all_types else selected_types
        return GraphOptions.make(
            self.shown_doc,
            types=types,
            collapse=[] if exact else [k for k, b in self.collapse_boxes.items() if b.value],
            direction=self.direction.value,
            depth=self.depth.value,
            search=self.search.value,
        )

    def focused_doc(self, base: ProvDoc) -> ProvDoc:
        """The lineage of the focus in ``base`` (direction and depth from the controls).

        One node: exactly ``lineage(base, node, direction, depth)``; a collapsed group (a metric series):
        the union of its members' lineages.
        """
        direction = LINEAGE_DIRECTIONS[self.direction.value]
        depth = self.depth.value
        starts = self.focus_starts or [self.focus_id]
        doc = lineage(base, starts, direction=direction, depth=depth)
        if len(starts) > 1:
            doc.name = f"lineage of {self.focus_id}"
        return doc

    def refresh(self) -> str:
        """Recompute the graph of the shown document from the controls and send it to the view."""
        base = self.shown_doc
        if base is None:
            self.payload = None
            self.graph.set_graph({"nodes": [], "edges": [], "options": {}, "highlight": []})
            self.graph_info.value = "no document"
            self._show_details(None)
            return "nothing to draw"
        doc = self.focused_doc(base) if self.focus_id else base
        self.payload = make_payload(doc, self.graph_options())
        data = self.payload.as_dict()
        if self.scope is not None and self.scope.overlay:
            view = self.payload.view
            apply_overlay(data["nodes"], data["edges"], view.rep, {k: n.members for k, n in view.nodes.items() if n.members}, self.scope)
        data = for_widget(data)
        data["highlight"] = self._highlight_ids(self.payload.view.matches)
        self.graph.set_graph(data)
        selected = self.graph.selected
        if selected and selected not in self.payload.view.nodes:
            self.graph.selected = ""  # (clears both details panels)
        elif selected:
            self._show_details(selected)  # the drawn document may have changed (a diff, a subgraph)
        info = data["info"]
        scope = f"{self.scope.title}: " if self.scope is not None else ""
        focus = f" · focus {self.focus_id} ({self.direction.value}, depth {self.depth.value})" if self.focus_id else ""
        self.graph_info.value = f"{scope}{info['nodes']} nodes, {info['edges']} edges{focus}"
        self.search_info.value = f"{len(self.payload.view.matches)} matches" if self.search.value.strip() else ""
        return f"drew {scope}{info['nodes']} nodes, {info['edges']} edges"

    def _drawn(self, ids: list[str]) -> tuple[list[str], list[str]]:
        """(node ids drawing ``ids``, in order and once; the ids that are not drawn)."""
        if self.payload is None:
            return [], list(ids)
        rep, nodes = self.payload.view.rep, self.payload.view.nodes
        drawn, missing = [], []
        for i in ids:
            n = rep.get(i, i)
            (drawn if n in nodes else missing).append(n if n in nodes else i)
        return list(dict.fromkeys(drawn)), missing

    def _highlight_ids(self, matches: list[str]) -> list[str]:
        return list(dict.fromkeys(self._drawn(self.pinned)[0] + list(matches)))

    def show_scope(self, scope: GraphScope) -> str:
        """Draw ``scope`` (a passport subgraph, a diff) instead of the selected document."""
        self.scope = scope
        self.focus_id = None
        self.focus_starts = []
        self.pinned = []
        return self.refresh()

    def show_document(self) -> bool:
        """Draw the selected document again (no scope, no focus)."""

        def go() -> str:
            self.scope = None
            self.focus_id = None
            self.focus_starts = []
            return self.refresh()

        return self._run("show document", go, self.show_document_button)

    def pin(self, ids: list[str], what: str = "records", doc: ProvDoc | None = None) -> str:
        """Emphasise the nodes drawing element ``ids`` (kept across redraws until cleared).

        When ``doc`` (the document the ids come from) is not the one drawn whole, it is drawn again first.
        """
        if ids and doc is not None and (self.focus_id or self.scope is not None) and doc is self.current:
            _, missing = self._drawn(ids)
            if missing:
                self.scope = None
                self.focus_id = None
                self.focus_starts = []
                self.refresh()
        self.pinned = list(ids)
        matches = self.payload.view.matches if self.payload is not None else []
        drawn, missing = self._drawn(self.pinned)
        self.graph.highlight = self._highlight_ids(matches)
        if not ids:
            return what
        hidden = f" ({len(missing)} not drawn: see the type filter and the focus)" if missing else ""
        return f"highlighted {len(drawn)} node{'s' if len(drawn) != 1 else ''} of {what}{hidden}"

    def _refresh_if_active(self) -> None:
        if not self._suspend:
            self._run("draw", self.refresh)

    def _refresh_if_focused(self) -> None:
        if not self._suspend and self.focus_id:
            self._run("draw", self.refresh)

    def _select_all_types(self) -> None:
        self.type_filter.value = tuple(v for _, v in self.type_filter.options)

    def _apply_search(self) -> None:
        if self._suspend:
            return
        doc = self.shown_doc
        if doc is None or self.payload is None:
            return
        matches = search_nodes(doc, self.payload.view.nodes, self.search.value) if self.search.value.strip() else []
        self.payload.view.matches = matches
        self.graph.highlight = self._highlight_ids(matches)
        self.search_info.value = f"{len(matches)} matches" if self.search.value.strip() else ""
        if self.search.value.strip():
            self._set_status(f"✓ search {self.search.value.strip()!r}: {len(matches)} matching nodes", "ok")

    def focus(self, node_id: str | None = None) -> bool:
        """Focus on ``node_id`` (default: the clicked node) with the direction and depth controls."""

        def go() -> str:
            nid = node_id or self.graph.selected
            if not nid:
                raise _UserError("click a node in the graph first, then focus on it")
            base = self.shown_doc
            members = self.payload.view.members_of(nid) if self.payload is not None else []
            starts = [nid] if base is None or nid in base.elements or not members else members
            self.focus_id, self.focus_starts = nid, starts
            try:
                return self.refresh()
            except Exception:
                self.focus_id, self.focus_starts = None, []
                raise

        return self._run("focus", go, self.focus_button)

    def clear_focus(self) -> bool:
        """Show the whole (filtered, collapsed) graph again."""

        def go() -> str:
            self.focus_id = None
            self.focus_starts = []
            return self.refresh()

        return self._run("clear focus", go, self.clear_focus_button)

    def _on_selected(self, change: dict[str, Any]) -> None:
        self._show_details(change.get("new") or None)

    def select(self, node_id: str) -> None:
        """Select a node as a click in the graph does (fills the details panel)."""
        self.graph.selected = node_id

    def _show_details(self, node_id: str | None) -> None:
        doc = self.shown_doc
        if not node_id or doc is None:
            self.details.value = _details_empty()
            self.graph.details = dict(DETAILS_HINT)
            return
        members = self.payload.view.members_of(node_id) if self.payload else []
        data = node_details(doc, node_id, members)
        if self.scope is not None and self.scope.overlay:
            section = self.scope.node_diff(node_id)
            if section:
                data["Diff"] = section
        self.graph.details = data
        self.details.value = details_html(data)


_UserError = UserInputError  # a missing input in the explorer (reported without a type name)


# ------------------------------------------------------------------------------------- html helpers
def _details_empty() -> str:
    return '<div class="m2p-details-empty" style="color:#666;font:12px sans-serif">Click a node to see its attributes.</div>'


def _value_text(v: Any) -> str:
    iso = getattr(v, "isoformat", None)
    text = iso() if callable(iso) else str(v)
    return text if len(text) <= DETAILS_VALUE_MAX else text[: DETAILS_VALUE_MAX - 1] + "…"


def node_details(doc: ProvDoc, node_id: str, members: list[str] | None = None) -> dict[str, Any]:
    """The ``details`` dict of a node (see labextension ``detailsFromDict``): id, kind, every attribute
    (several values as a list); a collapsed node adds a ``Members`` section (member id → label)."""
    el = doc.elements.get(node_id)
    data: dict[str, Any] = {"id": node_id}
    if el is not None:
        label = el.get("prov:label")
        data["title"] = _value_text(label[0] if isinstance(label, tuple) else label) if label is not None else node_id
        data["subtitle"] = el.kind + (" · " + ", ".join(str(t) for t in el.types) if el.types else "")
        data["kind"] = el.kind
        for k, v in el.attrs.items():
            data[k] = [_value_text(x) for x in v] if isinstance(v, tuple) else _value_text(v)
    else:
        data["title"] = node_id
        data["subtitle"] = f"{len(members or [])} collapsed elements" if members else "referenced, not described here"
    if members:
        section: dict[str, str] = {}
        for m in members[:DETAILS_MEMBERS_MAX]:
            mel = doc.elements.get(m)
            lab = mel.get("prov:label") if mel is not None else None
            if isinstance(lab, tuple):
                lab = lab[0]
            extra = ""
            if mel is not None and "m2p:Metric" in mel.types:
                extra = f" (step {_value_text(mel.get('m2p:step', '?'))}: {_value_text(mel.get('m2p:value', '?'))})"
            section[m] = (_value_text(lab) if lab is not None else m) + extra
        if len(members) > DETAILS_MEMBERS_MAX:
            section["…"] = f"{len(members) - DETAILS_MEMBERS_MAX} more"
        data["Members"] = section
    return data


def details_html(data: dict[str, Any]) -> str:
    """The details dict as an HTML table (every text escaped)."""
    esc = html.escape
    rows = []
    sections: list[tuple[str, dict[str, Any]]] = []
    for k, v in data.items():
        if k in ("title", "subtitle"):
            continue
        if isinstance(v, dict):
            sections.append((k, v))
            continue
        for x in v if isinstance(v, list) else [v]:
            rows.append(f'<tr><th style="text-align:left;vertical-align:top;padding-right:8px;white-space:nowrap">{esc(k)}</th><td style="white-space:pre-wrap;overflow-wrap:anywhere">{esc(str(x))}</td></tr>')
    out = [
        '<div style="font:12px sans-serif">',
        f'<div class="m2p-details-title" style="font-weight:bold">{esc(str(data.get("title", "")))}</div>',
        f'<div class="m2p-details-subtitle" style="color:#666">{esc(str(data.get("subtitle", "")))}</div>',
        f'<table class="m2p-details-table">{"".join(rows)}</table>',
    ]
    for name, sec in sections:
        out.append(f'<div style="font-weight:bold;margin-top:6px">{esc(name)}</div><table class="m2p-details-section">')
        for k, v in sec.items():
            out.append(f'<tr><td style="padding-right:8px;overflow-wrap:anywhere">{esc(str(k))}</td><td>{esc(str(v))}</td></tr>')
        out.append("</table>")
    out.append("</div>")
    return "".join(out)


def stats_table_html(rows: list[tuple[str, str, int]], title: str = "") -> str:
    """Statistics rows as an HTML table with a bar per row (bars scaled per section)."""
    esc = html.escape
    top: dict[str, int] = {}
    for s, n, c in rows:
        if not (s == "relations" and n == "total"):
            top[s] = max(top.get(s, 0), c)
    body = []
    for s, n, c in rows:
        width = 0 if (s == "relations" and n == "total") or not top.get(s) else max(1, round(160 * c / top[s]))
        bar = f'<div style="background:#9FB1FC;height:10px;width:{width}px"></div>' if width else ""
        body.append(
            f'<tr data-section="{esc(s)}" data-name="{esc(n)}"><td style="padding-right:10px">{esc(s)}</td>'
            f'<td style="padding-right:10px"><code>{esc(n)}</code></td><td style="text-align:right;padding-right:8px">{c}</td><td>{bar}</td></tr>'
        )
    caption = f"<caption style='text-align:left;font-weight:bold'>{esc(title)}</caption>" if title else ""
    return (
        f'<table class="m2p-stats-table" style="font:12px sans-serif;border-collapse:collapse">{caption}'
        "<tr><th style='text-align:left'>Section</th><th style='text-align:left'>Name</th><th>Count</th><th></th></tr>"
        + "".join(body)
        + "</table>"
    )
