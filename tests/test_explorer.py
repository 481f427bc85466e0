"""The Provenance Explorer on the sample project: every button pressed, its outcome asserted — including
the lineage questions (focus = query.lineage, Passport, Validation and Diff panels)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName
from mlflow2prov_jupyter.notebook.explorer import DETAILS_HINT, Explorer, details_html, node_details, stats_table_html
from mlflow2prov_jupyter.notebook.graph import UNTYPED, type_counts
from mlflow2prov_jupyter.notebook.panels import (
    DIFF_COLORS,
    GraphScope,
    apply_overlay,
    diff_union,
    finding_records,
    findings_table_html,
)
from mlflow2prov_jupyter.notebook.widget import GraphWidget
from mlflow2prov_jupyter.ops.load import load
from mlflow2prov_jupyter.ops.merge import merge
from mlflow2prov_jupyter.ops.save import save
from mlflow2prov_jupyter.ops.statistics import statistics
from mlflow2prov_jupyter.ops.transform import transform
from mlflow2prov_jupyter.query import Finding, diff, lineage, passport, validate

from test_display import IMG, JSLINK, SCRIPT, hostile_doc, small_doc

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
    from IPython.testing import globalipapp

    globalipapp.start_ipython()  # under IPython an Output widget swallows exceptions: the explorer must still see them
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
    assert "Click a node" in explorer.details.value and explorer.graph.details == DETAILS_HINT
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


# ------------------------------------------------------------------------------- lineage questions
@pytest.fixture(scope="module")
def qx(sample_doc) -> Explorer:
    """An explorer on the sample extraction, for the lineage questions (the documents are not modified)."""
    return Explorer(sample_doc, namespace={})


def node_ids(ex: Explorer) -> set[str]:
    return {n["id"] for n in ex.graph.nodes}


def edge_keys(ex: Explorer) -> set[tuple[str, str, str]]:
    return {(e["from"], e["to"], e["kind"]) for e in ex.graph.edges}


def doc_edge_keys(doc: ProvDoc) -> set[tuple[str, str, str]]:
    return {(r.source, r.target, r.kind) for r in doc.relations if r.source != r.target}


def reset(ex: Explorer) -> None:
    select(ex, ex.entries[0].name)
    ex.show_document()
    for box in ex.collapse_boxes.values():
        box.value = False
    ex.search.value = ""


def registry_refs(manifest) -> list[str]:
    refs = []
    for rm in manifest.registered_models:
        refs += [f"models:/{rm.name}/{v.version}" for v in rm.versions]
        refs += [f"models:/{rm.name}@{a}" for a in rm.aliases]
    return refs


def test_focus_draws_exactly_query_lineage(qx, sample_doc, sample_manifest):
    reset(qx)
    run_id = f"mlflow:run/{sample_manifest.run('rf-20-trees').run_id}"
    qx.graph.selected = run_id
    for direction, short in (("upstream", "up"), ("downstream", "down"), ("both", "both")):
        for depth in (1, 3):
            qx.direction.value = direction
            qx.depth.value = depth
            qx.focus_button.click()
            ok(qx)
            sub = lineage(sample_doc, run_id, direction=short, depth=depth)
            assert node_ids(qx) == set(sub.elements), (direction, depth)
            assert edge_keys(qx) == doc_edge_keys(sub)
    # a collapsed metric series: the union of its members' lineages
    qx.clear_focus_button.click()
    qx.collapse_boxes["metrics"].value = True
    group = next(n["id"] for n in qx.graph.nodes if n["id"].startswith(f"group:metric-series/{run_id}/"))
    members = qx.payload.view.members_of(group)
    qx.direction.value = "upstream"
    qx.depth.value = 1
    qx.focus(group)
    ok(qx)
    expected = set().union(*(lineage(sample_doc, m, "up", 1).elements for m in members))
    drawn = {qx.payload.view.rep.get(i, i) for i in expected}
    assert node_ids(qx) == drawn and group in drawn
    qx.focus("no:such/node")
    failed(qx, "no record with id 'no:such/node'")
    reset(qx)


@pytest.mark.parametrize("which", ["versions and aliases", "runs"])
def test_passport_panel_card_and_exact_subgraph(qx, sample_doc, sample_manifest, which):
    reset(qx)
    panel = qx.passport_panel
    refs = registry_refs(sample_manifest) if which != "runs" else [f"runs:/{r.run_id}" for r in sample_manifest.runs[:3]]
    assert len(refs) >= 3
    qx.collapse_boxes["metrics"].value = True  # the subgraph is drawn exactly, whatever the controls say
    qx.type_filter.value = ("m2p:Run",)
    stale = f"mlflow:run/{sample_manifest.run('smoke-test').run_id}"
    qx.graph.selected = stale
    for ref in refs:
        panel.ref.value = ref
        panel.button.click()
        text = ok(qx)
        expected = passport(sample_doc, ref)
        assert f"passport of {ref}: {len(expected.subgraph.elements)} records" in text
        assert panel.passport.to_dict() == expected.to_dict()
        assert panel.card.value == expected._repr_html_() and 'class="m2p-passport"' in panel.card.value
        assert not panel.subgraph_button.disabled
        panel.subgraph_button.click()
        ok(qx)
        assert node_ids(qx) == set(expected.subgraph.elements)
        assert edge_keys(qx) == doc_edge_keys(expected.subgraph)
        assert qx.graph_info.value.startswith(f"passport subgraph of {ref}: ")
        if stale not in expected.subgraph.elements:  # a selection that is not drawn any more is cleared
            assert qx.graph.selected == "" and qx.graph.details == DETAILS_HINT
        subject = expected.subject
        qx.graph.selected = subject  # details come from the drawn subgraph
        assert qx.graph.details["id"] == subject
    qx.show_document_button.click()
    ok(qx)
    assert qx.scope is None and qx.graph_info.value.startswith(f"{len(qx.graph.nodes)} nodes")
    reset(qx)


def test_passport_panel_failures_are_one_line(qx):
    reset(qx)
    panel = qx.passport_panel
    panel.ref.value = ""
    panel.button.click()
    failed(qx, "type a reference: models:/")
    panel.ref.value = "models:/no-such-model@champion"
    panel.button.click()
    failed(qx, "passport failed")
    assert panel.card.value == "" and panel.subgraph_button.disabled
    empty = Explorer()
    empty.passport_panel.ref.value = "runs:/x"
    empty.passport_panel.button.click()
    failed(empty, "select a document")
    empty.passport_panel.show_subgraph()
    failed(empty, "look up a passport first")


def broken(sample_doc: ProvDoc, manifest) -> tuple[ProvDoc, str]:
    """The sample extraction with one run creation ending an hour before it starts."""
    doc = sample_doc.copy()
    rc = f"mlflow:run/{manifest.run('rf-10-trees').run_id}/creation"
    el = doc.elements[rc]
    el.attrs["prov:endTime"] = el.attrs["prov:startTime"] - timedelta(hours=1)
    doc.name = "broken"
    return doc, rc


def test_validation_panel_on_the_sample_project_finds_nothing(qx):
    reset(qx)
    qx.validation_panel.button.click()
    assert "0 errors, 0 warnings" in ok(qx)
    assert qx.validation_panel.findings == [] and qx.validation_panel.choice.options == ()
    assert "No findings" in qx.validation_panel.table.value
    qx.validation_panel.highlight_button.click()
    failed(qx, "validate, then choose a finding")


def test_validation_panel_findings_highlight_their_records(sample_doc, sample_manifest):
    doc, rc = broken(sample_doc, sample_manifest)
    ex = Explorer(doc)
    panel = ex.validation_panel
    panel.button.click()
    ok(ex)
    expected = validate(doc)
    assert panel.findings == expected and expected
    assert any(f.code == "start-after-end" and rc in f.records for f in expected)
    assert len(panel.choice.options) == len(expected)
    for f in expected:
        assert f'data-code="{f.code}"' in panel.table.value
    i = next(i for i, f in enumerate(expected) if f.code == "start-after-end")
    panel.choice.value = i  # choosing a finding highlights its records
    assert "highlighted 1 node of finding" in ok(ex)
    assert ex.graph.highlight == [rc]
    # the highlight survives redraws (collapse), follows collapsed nodes, and the Highlight button
    ex.collapse_boxes["members"].value = True
    assert rc in ex.graph.highlight
    panel.clear_button.click()
    assert ex.graph.highlight == []
    panel.highlight_button.click()
    assert ex.graph.highlight == [rc]
    # a finding whose records are outside the focus: the whole document is drawn again
    other = next(n["id"] for n in ex.graph.nodes if n["kind"] == "agent")
    ex.depth.value = 1
    ex.focus(other)
    assert rc not in node_ids(ex)
    panel.highlight(i)
    ok(ex)
    assert ex.focus_id is None and rc in node_ids(ex) and ex.graph.highlight == [rc]
    # warnings can be left out
    panel.warnings.value = False
    panel.button.click()
    assert all(f.severity == "error" for f in panel.findings)
    # highlight and search emphasis combine
    ex.search.value = "rf-10-trees"
    assert rc in ex.graph.highlight and len(ex.graph.highlight) > 1


def test_finding_records_include_relation_endpoints():
    doc = small_doc(runs=1, steps=1)
    doc.add_relation("wasGeneratedBy", "mlflow:run/r0", "mlflow:run/r0/creation", role="AddedRun")
    doc.add_relation("used", "mlflow:run/r0/creation", "no:such/entity")
    findings = validate(doc)
    with_relations = [f for f in findings if f.relations]
    assert with_relations
    for f in with_relations:
        ids = finding_records(doc, f)
        for i in f.relations:
            assert doc.relations[i].source in ids and doc.relations[i].target in ids
        assert ids[: len(f.records)] == list(f.records) and len(set(ids)) == len(ids)


def changed_copy(sample_doc: ProvDoc, manifest) -> tuple[ProvDoc, dict[str, str]]:
    """The sample extraction with one element added, one removed (with its relations), one changed."""
    doc = sample_doc.copy()
    doc.name = "after"
    run = f"mlflow:run/{manifest.run('rf-40-trees').run_id}"
    param = next(i for i in doc.elements if i.startswith(run + "/param/"))
    del doc.elements[param]
    doc.relations[:] = [r for r in doc.relations if param not in (r.source, r.target)]
    doc.elements[run].attrs["m2p:status"] = "FAILED"
    new = run + "/tag/reviewed"
    doc.entity(new, {"prov:type": QName("m2p:RunTag"), "prov:label": "reviewed", "m2p:key": "reviewed", "m2p:value": "yes"})
    doc.add_relation("hadMember", run, new)
    return doc, {new: "added", param: "removed", run: "changed"}


def test_diff_panel_table_and_overlay(sample_doc, sample_manifest):
    after, expected = changed_copy(sample_doc, sample_manifest)
    ex = Explorer([sample_doc, after])
    panel = ex.diff_panel
    assert [o for o, _ in panel.a.options] == [e.name for e in ex.entries]
    assert panel.a.value == id(ex.entries[0]) and panel.b.value == id(ex.entries[1])
    panel.button.click()
    text = ok(ex)
    d = diff(sample_doc, after)
    assert "1 elements added, 1 elements removed, 1 elements changed" in text
    assert panel.diff.to_rows() == d.to_rows()
    for row in d.to_rows():
        assert f'data-change="{row["change"]}"' in panel.table.value
    assert "m2p:status" in panel.table.value and "FAILED" in panel.table.value
    union = diff_union(sample_doc, after, d)
    assert node_ids(ex) == set(union.elements) == set(sample_doc.elements) | set(after.elements)
    by_id = {n["id"]: n for n in ex.graph.nodes}
    for eid, status in expected.items():
        assert by_id[eid]["m2p_diff"] == status
        assert by_id[eid]["color"]["background"] == DIFF_COLORS[status][0]
    assert sum("m2p_diff" in n for n in ex.graph.nodes) == 3
    diffed = {(e["from"], e["to"], e["kind"]): e.get("m2p_diff") for e in ex.graph.edges}
    for r in d.relations_added:
        assert diffed[(r.source, r.target, r.kind)] == "added"
    for r in d.relations_removed:
        assert diffed[(r.source, r.target, r.kind)] == "removed"
    assert sum(v is not None for v in diffed.values()) == len({(r.source, r.target, r.kind) for r in d.relations_added + d.relations_removed})
    assert ex.graph_info.value.startswith("diff demo → after: ")
    # details of a changed node say what changed
    run = next(k for k, v in expected.items() if v == "changed")
    ex.graph.selected = run
    assert ex.graph.details["Diff"]["status"] == "changed"
    assert "FAILED" in ex.graph.details["Diff"]["m2p:status"]
    removed = next(k for k, v in expected.items() if v == "removed")
    ex.graph.selected = removed  # a removed element still has its attributes
    assert ex.graph.details["kind"] == "entity" and ex.graph.details["Diff"] == {"status": "removed"}
    # collapsed: the run node carries its members' changes
    ex.collapse_boxes["members"].value = True
    assert {n["id"]: n.get("m2p_diff") for n in ex.graph.nodes}[run] == "changed"
    # a document with itself: nothing coloured
    panel.choose(ex.entries[1].name, ex.entries[1].name)
    panel.button.click()
    assert "no differences" in ok(ex)
    assert "No differences" in panel.table.value and not any("m2p_diff" in n for n in ex.graph.nodes)
    # choosing another document in the list leaves the diff view
    select(ex, ex.entries[0].name)
    assert ex.scope is None and not ex.graph_info.value.startswith("diff")


def test_diff_of_a_new_run_shows_exactly_its_records(sample_doc, sample_manifest):
    last = sample_manifest.runs[-1].run_id
    before = sample_doc.copy()
    run = f"mlflow:run/{last}"
    owned = {run, run + "/creation"} | {i for i in before.elements if i.startswith(run + "/")}
    for i in owned:
        del before.elements[i]
    before.relations[:] = [r for r in before.relations if not ({r.source, r.target} & owned)]
    ex = Explorer([before, sample_doc])
    ex.diff_panel.button.click()
    ok(ex)
    d = ex.diff_panel.diff
    assert set(d.added) == owned and not d.removed and not d.changed
    coloured = {n["id"] for n in ex.graph.nodes if n.get("m2p_diff") == "added"}
    assert coloured == owned


def test_apply_overlay_merges_member_statuses():
    nodes = [{"id": "g", "title": "g"}, {"id": "x"}]
    edges = [{"from": "g", "to": "x", "kind": "used", "width": 1, "title": "t"}]
    scope = GraphScope(ProvDoc(), "t", nodes={"m1": "added", "m2": "removed"}, edges={("used", "m1", "x"): "added", ("used", "m2", "x"): "removed"})
    counts = apply_overlay(nodes, edges, {"m1": "g", "m2": "g"}, {"g": ["m1", "m2"]}, scope)
    assert nodes[0]["m2p_diff"] == "changed" and "m2p_diff" not in nodes[1]
    assert counts == {"added": 0, "removed": 0, "changed": 1}
    assert edges[0]["m2p_diff"] == "changed" and edges[0]["color"]["color"] == DIFF_COLORS["changed"][1]
    assert nodes[0]["title"].startswith("changed\n")


def test_panels_escape_hostile_text():
    doc = hostile_doc()
    doc.elements["mlflow:run/r0"].attrs["m2p:run_id"] = "r0"
    ex = Explorer([small_doc(runs=1, steps=1), doc])
    ex.passport_panel.ref.value = "mlflow:run/r0"
    ex.passport_panel.button.click()
    ok(ex)
    card = ex.passport_panel.card.value
    assert "<img" not in card and "&lt;img src=x onerror=alert(1)&gt;" in card
    ex.diff_panel.button.click()
    ok(ex)
    table = ex.diff_panel.table.value
    assert "<img" not in table and "<script" not in table and "&lt;/script&gt;" in table
    assert 'href="javascript' not in table and "javascript:alert(1)" in table
    hostile = Finding("error", "start-after-end", IMG + SCRIPT + JSLINK, (IMG, SCRIPT))
    html_text = findings_table_html(validate(doc) + [hostile], title=JSLINK)
    assert "<img" not in html_text and "<script" not in html_text and 'href="javascript' not in html_text
    assert "&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;" in html_text
