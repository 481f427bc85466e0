"""The Provenance Explorer on the sample project: every button pressed, its outcome asserted."""

from __future__ import annotations

import os

import pytest

from mlflow2prov_jupyter.core.provdoc import ProvDoc
from mlflow2prov_jupyter.notebook.explorer import Explorer, details_html, node_details, stats_table_html
from mlflow2prov_jupyter.notebook.graph import UNTYPED, type_counts
from mlflow2prov_jupyter.notebook.widget import GraphWidget
from mlflow2prov_jupyter.ops.load import load
from mlflow2prov_jupyter.ops.merge import merge
from mlflow2prov_jupyter.ops.save import save
from mlflow2prov_jupyter.ops.statistics import statistics
from mlflow2prov_jupyter.ops.transform import transform

from test_display import IMG, hostile_doc, small_doc

KEY = "explorer-key"


@pytest.fixture(scope="module")
def explorer(sample_manifest) -> Explorer:
    """An explorer that extracted the sample project by pressing Extract."""
    ex = Explorer(namespace={}, repo=str(sample_manifest.repo_path), tracking_uri=str(sample_manifest.tracking_uri))
    ex.extract_button.click()
    assert ex.status_kind == "ok", ex.status.value
    return ex


def ok(ex: Explorer) -> str:
    assert ex.status_kind == "ok", ex.status.value
    assert ex.status.value.startswith("✓ ") and "\n" not in ex.status.value
    return ex.status.value


def failed(ex: Explorer, fragment: str) -> str:
    text = ex.status.value
    assert ex.status_kind == "error", text
    assert text.startswith("✗ ") and fragment in text and "\n" not in text and "Traceback" not in text
    assert "m2p-error" in ex.status._dom_classes
    return text


def select(ex: Explorer, *names: str) -> None:
    idx = {e.name: i for i, e in enumerate(ex.entries)}
    ex.doc_list.value = tuple(idx[n] for n in names)


# ---------------------------------------------------------------------------------------------- source
def test_extract_button_adds_the_sample_project(explorer, sample_doc, sample_manifest):
    entry = explorer.entries[0]
    assert entry.origin == "extracted" and entry.doc == sample_doc
    assert "extracted" in explorer.status.value and f"{len(sample_doc.elements)} elements" in explorer.status.value
    assert explorer.progress.value == 1 and explorer.progress.bar_style == "success"
    assert explorer.current is entry.doc
    assert f"mlflow:run/{sample_manifest.runs[0].run_id}" in explorer.current
    assert explorer.graph_info.value.startswith(f"{len(explorer.graph.nodes)} nodes")
    assert len(explorer.graph.nodes) > 50 and explorer.graph.edges and explorer.graph.options


def test_extract_failures_are_one_line(tmp_path):
    from IPython.testing.globalipapp import get_ipython

    get_ipython()  # under IPython an Output widget swallows exceptions: the explorer must still see them
    ex = Explorer()
    ex.extract_button.click()
    failed(ex, "give a Git repository path, a tracking URI, or both")
    ex.repo.value = str(tmp_path / "missing")
    ex.extract_button.click()
    failed(ex, "extract failed")
    assert ex.progress.bar_style == "danger" and ex.entries == []
    assert not any(o.get("output_type") == "error" for o in ex.progress_out.outputs)  # no traceback shown
    assert not ex.extract_button.disabled


# ------------------------------------------------------------------------------------------- documents
def test_load_button(explorer, tmp_path):
    save([small_doc()], tmp_path / "small", formats=("json",))
    explorer.load_path.value = str(tmp_path / "small.json")
    explorer.load_button.click()
    ok(explorer)
    entry = explorer.entries[-1]
    assert entry.origin == "loaded" and entry.doc == small_doc()
    assert explorer.current is entry.doc
    explorer.load_path.value = str(tmp_path / "nope.json")
    explorer.load_button.click()
    failed(explorer, "does not exist")


def test_merge_button_adds_the_merged_document(explorer, sample_doc):
    select(explorer, explorer.entries[0].name, "small")
    n = len(explorer.entries)
    explorer.merge_button.click()
    ok(explorer)
    assert len(explorer.entries) == n + 1
    merged = explorer.entries[-1]
    assert merged.origin == "merged" and merged.name.startswith("merge of ")
    assert merged.doc == merge([sample_doc, small_doc()])
    assert explorer.doc_list.value == (n,)  # the new document is selected and drawn
    assert explorer.current is merged.doc
    select(explorer, "small")
    explorer.merge_button.click()
    failed(explorer, "select 2 or more documents")


def test_transform_button(explorer, sample_doc):
    select(explorer, explorer.entries[0].name)
    explorer.t_pseudo.value = True
    explorer.t_key.value = KEY
    explorer.transform_button.click()
    ok(explorer)
    made = explorer.entries[-1]
    assert made.origin == "transformed"
    assert made.doc == transform(sample_doc, pseudonymize=True, key=KEY)
    assert not any(k.startswith(("user:git/", "user:mlflow/")) for k in made.doc.elements)
    explorer.t_pseudo.value = False
    explorer.t_aliases.value = "/no/such/persons.yaml"
    explorer.transform_button.click()
    failed(explorer, "transform failed")
    explorer.t_aliases.value = ""
    explorer.doc_list.value = ()
    explorer.transform_button.click()
    failed(explorer, "select a document")


def test_save_button_writes_atomically(explorer, sample_doc, tmp_path):
    select(explorer, explorer.entries[0].name)
    explorer.save_path.value = str(tmp_path / "prov")
    explorer.save_formats.value = ["json", "provn"]
    explorer.save_button.click()
    text = ok(explorer)
    assert str(tmp_path / "prov.json") in text and str(tmp_path / "prov.provn") in text
    assert sorted(os.listdir(tmp_path)) == ["prov.json", "prov.provn"]  # no temporary files left
    assert load(tmp_path / "prov.json") == sample_doc
    before = (tmp_path / "prov.json").read_bytes()
    select(explorer, "small")
    explorer.save_formats.value = ["json"]
    explorer.save_button.click()
    failed(explorer, "already exists")
    assert (tmp_path / "prov.json").read_bytes() == before
    explorer.save_overwrite.value = True
    explorer.save_button.click()
    ok(explorer)
    assert load(tmp_path / "prov.json") == small_doc()
    explorer.save_overwrite.value = False
    explorer.save_path.value = str(tmp_path / "missing-folder" / "x")
    explorer.save_button.click()
    failed(explorer, "does not exist")


def test_statistics_button_matches_statistics(explorer, sample_doc):
    select(explorer, explorer.entries[0].name)
    for resolution in ("fine", "coarse"):
        explorer.stats_resolution.value = resolution
        explorer.stats_button.click()
        ok(explorer)
        rows = statistics(sample_doc, resolution=resolution, format="rows")
        assert explorer.stats_rows == [tuple(r) for r in rows]
        for section, name, count in rows:
            assert f'data-section="{section}" data-name="{name}"' in explorer.stats_html.value
            assert f"<code>{name}</code></td><td style=\"text-align:right;padding-right:8px\">{count}</td>" in explorer.stats_html.value
    assert "m2p-stats-table" in explorer.stats_html.value and "width:160px" in explorer.stats_html.value


def test_export_and_remove_buttons(explorer):
    select(explorer, "small")
    explorer.export_name.value = "from_explorer"
    explorer.export_button.click()
    ok(explorer)
    assert explorer.namespace["from_explorer"] is explorer.current
    explorer.export_name.value = "not a name"
    explorer.export_button.click()
    failed(explorer, "not a valid variable name")
    n = len(explorer.entries)
    explorer.remove_button.click()
    ok(explorer)
    assert len(explorer.entries) == n - 1 and "small" not in [e.name for e in explorer.entries]


# ---------------------------------------------------------------------------------------------- graph
def test_type_filter_removes_nodes_and_all_types_restores(explorer, sample_doc):
    select(explorer, explorer.entries[0].name)
    counts = type_counts(sample_doc)
    assert {v for _, v in explorer.type_filter.options} == set(counts)
    full = len(explorer.graph.nodes)
    explorer.type_filter.value = ("m2p:Run", "m2p:RunCreation")
    ok(explorer)
    kinds = {t for n in explorer.graph.nodes for t in n["types"]}
    assert kinds <= {"m2p:Run", "m2p:RunCreation", "prov:Collection"}
    assert len(explorer.graph.nodes) == counts["m2p:Run"] + counts["m2p:RunCreation"] < full
    explorer.all_types_button.click()
    assert len(explorer.graph.nodes) == full
    assert UNTYPED not in counts


def test_collapse_toggles(explorer, sample_doc):
    select(explorer, explorer.entries[0].name)
    full = len(explorer.graph.nodes)
    explorer.collapse_boxes["metrics"].value = True
    with_series = len(explorer.graph.nodes)
    assert with_series < full
    assert any(n["id"].startswith("group:metric-series/") for n in explorer.graph.nodes)
    explorer.collapse_boxes["members"].value = True
    assert len(explorer.graph.nodes) < with_series
    explorer.collapse_boxes["revisions"].value = True
    assert not any(n["id"].startswith("git:revision/") for n in explorer.graph.nodes)
    for box in explorer.collapse_boxes.values():
        box.value = False
    assert len(explorer.graph.nodes) == full


def test_click_fills_details_and_focus(explorer, sample_doc, sample_manifest):
    select(explorer, explorer.entries[0].name)
    run_id = f"mlflow:run/{sample_manifest.runs[0].run_id}"
    explorer.graph.selected = run_id  # what a click in the graph does
    details = explorer.details.value
    assert "m2p-details-title" in details and run_id in details and "m2p:run_id" in details
    assert explorer.graph.details["id"] == run_id and explorer.graph.details["kind"] == "entity"
    assert explorer.graph.details["m2p:run_id"] == sample_manifest.runs[0].run_id
    full = len(explorer.graph.nodes)
    explorer.direction.value = "upstream"
    explorer.depth.value = 1
    explorer.focus_button.click()
    ok(explorer)
    up = {n["id"] for n in explorer.graph.nodes}
    assert run_id in up and len(up) < full
    assert {e["to"] for e in explorer.graph.edges if e["from"] == run_id} == up - {run_id}
    explorer.direction.value = "downstream"
    down = {n["id"] for n in explorer.graph.nodes}
    assert run_id in down and down != up
    explorer.depth.value = 3
    explorer.direction.value = "both"
    assert len(explorer.graph.nodes) > len(down)
    assert "focus" in explorer.graph_info.value
    explorer.clear_focus_button.click()
    ok(explorer)
    assert len(explorer.graph.nodes) == full and explorer.focus_id is None
    explorer.graph.selected = ""
    assert "Click a node" in explorer.details.value and explorer.graph.details == {}
    explorer.focus_button.click()
    failed(explorer, "click a node in the graph first")


def test_details_of_a_collapsed_node_list_members(explorer):
    select(explorer, explorer.entries[0].name)
    explorer.collapse_boxes["metrics"].value = True
    group = next(n["id"] for n in explorer.graph.nodes if n["id"].startswith("group:metric-series/"))
    explorer.graph.selected = group
    members = explorer.graph.details["Members"]
    assert members and all("/metric/" in k for k in members if k != "…")
    assert "step " in next(iter(members.values()))
    explorer.collapse_boxes["metrics"].value = False
    explorer.graph.selected = ""


def test_search_box_highlights(explorer, sample_manifest):
    select(explorer, explorer.entries[0].name)
    user = sample_manifest.runs[0].user
    explorer.search.value = user
    assert explorer.graph.highlight and all(
        user in n["tooltip"] or user in n["label"] for n in explorer.graph.nodes if n["id"] in explorer.graph.highlight
    )
    assert f"user:mlflow/{user}" in explorer.graph.highlight
    assert explorer.search_info.value == f"{len(explorer.graph.highlight)} matches"
    explorer.search.value = ""
    assert explorer.graph.highlight == []


def test_widget_traits_follow_the_payload(explorer):
    select(explorer, explorer.entries[0].name)
    g = explorer.graph
    assert isinstance(g, GraphWidget)
    assert all("title" not in n and "tooltip" in n for n in g.nodes)
    assert {n["shape"] for n in g.nodes if n["kind"] == "agent"} == {"house"}
    assert g.options["physics"]["enabled"] is False and all("x" in n and "y" in n for n in g.nodes)
    state = g.get_state()
    assert {"nodes", "edges", "options", "selected", "details", "highlight", "_esm"} <= set(state)


def test_css_classes_for_automation(explorer):
    classes = set()

    def walk(w):
        classes.update(getattr(w, "_dom_classes", ()))
        for c in getattr(w, "children", ()):
            walk(c)

    walk(explorer)
    expected = {
        "m2p-explorer", "m2p-source", "m2p-extract", "m2p-progress", "m2p-docs", "m2p-load", "m2p-merge",
        "m2p-transform", "m2p-save", "m2p-stats", "m2p-remove", "m2p-export", "m2p-status", "m2p-typefilter",
        "m2p-search", "m2p-collapse", "m2p-focus", "m2p-clear-focus", "m2p-graph", "m2p-details",
        "m2p-graph-controls", "m2p-direction", "m2p-depth",
    }
    assert expected <= classes


# ---------------------------------------------------------------------------------------------- html
def test_details_and_statistics_html_escape_hostile_text():
    doc = hostile_doc()
    data = node_details(doc, "mlflow:run/r0")
    assert data["title"] == IMG and data["m2p:name"] == IMG
    text = details_html(data)
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    stats = stats_table_html([("types", IMG, 1)], title=IMG)
    assert "<img" not in stats
    ex = Explorer(doc)
    ex.graph.selected = "mlflow:run/r0/tag/note"
    assert "<script" not in ex.details.value and "&lt;/script&gt;" in ex.details.value


def test_given_documents_and_collapse_request():
    ex = Explorer([small_doc(), small_doc(runs=3)], collapse=["members"])
    assert [e.origin for e in ex.entries] == ["given", "given"]
    assert ex.collapse_boxes["members"].value and not ex.collapse_boxes["metrics"].value
    assert not any("/param/" in n["id"] for n in ex.graph.nodes)
    empty = Explorer()
    assert empty.graph.nodes == [] and empty.graph_info.value == "no document"
    empty.stats_button.click()
    failed(empty, "select a document")
    assert isinstance(ProvDoc(), ProvDoc)
