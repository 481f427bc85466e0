"""The Provenance Explorer on the sample project: every action pressed through its form, its outcome asserted
against the verb it runs, what the graph is sent (document and ViewOptions), and the snapshot output."""

from __future__ import annotations

import os

import pytest
from test_display import IMG, SCRIPT, small_doc

from mlflow2prov_jupyter.core.provdoc import ProvDoc
from mlflow2prov_jupyter.notebook.display import PROV_JSON_MIME
from mlflow2prov_jupyter.notebook.explorer import TOOLS, Explorer, short_name, stats_table_html
from mlflow2prov_jupyter.notebook.forms import VerbForm
from mlflow2prov_jupyter.ops.load import load
from mlflow2prov_jupyter.ops.merge import merge
from mlflow2prov_jupyter.ops.save import save
from mlflow2prov_jupyter.ops.statistics import statistics
from mlflow2prov_jupyter.ops.transform import transform
from mlflow2prov_jupyter.query import lineage
from mlflow2prov_jupyter.verbs import VERBS

KEY = "explorer-key"


@pytest.fixture(scope="module")
def explorer(sample_manifest) -> Explorer:
    """An explorer that extracted the sample project by pressing Extract."""
    ex = Explorer(namespace={}, repo=str(sample_manifest.repo_path), tracking_uri=str(sample_manifest.tracking_uri))
    ex.run_buttons["extract"].click()
    assert ex.status_kind == "ok", ex.status_text
    return ex


def ok(ex: Explorer, kind: str = "ok") -> str:
    text = ex.status_text
    assert ex.status_kind == kind, text
    assert text.startswith("✓ " if kind == "ok" else "⚠ ") and "\n" not in text
    return text


def failed(ex: Explorer, fragment: str) -> str:
    text = ex.status_text
    assert ex.status_kind == "error", text
    assert text.startswith("✗ ") and fragment in text and "\n" not in text and "Traceback" not in text
    assert "m2p-error" in ex.status._dom_classes
    return text


def show(ex: Explorer, name: str) -> None:
    ex.doc_select.value = next(i for i, e in enumerate(ex.entries) if e.name == name)


# ---------------------------------------------------------------------------------------------- layout
def test_graph_first_and_one_toolbar(explorer):
    toolbar, status, main = explorer.children
    assert "m2p-toolbar" in toolbar._dom_classes and status is explorer.status
    assert main.children[0] is explorer.graph and main.children[1] is explorer.side
    assert explorer.graph.height >= 600
    for tool in TOOLS:
        b = explorer.tool_buttons[tool]
        assert b.layout.width == "auto"  # labels never cut
        b.click()
        assert explorer.form_box.children == (explorer.forms[tool],) and explorer.side.layout.display == "flex"
        assert explorer.tool_buttons[tool].button_style == "info"
    explorer.close_tool()
    assert explorer.side.layout.display == "none" and explorer.active_tool is None
    assert Explorer(small_doc()).side.layout.display == "none"  # a document given: the graph has the width
    assert Explorer().active_tool == "extract"  # nothing yet: the extract form is open


def test_forms_are_generated_from_the_verb_table():
    form = VerbForm("extract")
    assert set(form.fields) == {o.name for o in VERBS["extract"].options}
    for o in VERBS["extract"].options:
        assert form.fields[o.name].description_tooltip == o.help
    defaults = {k: v for k, v in VERBS["extract"].defaults().items() if v not in (None, [], ())}
    assert {k: v for k, v in form.values().items() if k in defaults} == defaults
    assert type(VerbForm("transform").fields["key"]).__name__ == "Password"


# ---------------------------------------------------------------------------------------------- actions
def test_extract_adds_the_sample_project_and_draws_it(explorer, sample_doc, sample_manifest):
    entry = explorer.entries[0]
    assert entry.origin == "extracted" and entry.doc == sample_doc
    assert f"{len(sample_doc.elements)} elements" in explorer.status_text
    assert explorer.current is entry.doc
    assert ProvDoc.from_json(explorer.graph.doc) == sample_doc  # the graph module gets the document itself
    assert explorer.graph.view == {}


def test_extract_failures_are_one_line(tmp_path):
    from IPython.testing import globalipapp

    globalipapp.start_ipython()  # under IPython an Output widget swallows exceptions: the explorer must still see them
    ex = Explorer()
    ex.run_buttons["extract"].click()
    failed(ex, "give a Git repository path, a tracking URI, or both")
    ex.extract_form.fields["repo"].value = str(tmp_path / "missing")
    ex.run_buttons["extract"].click()
    failed(ex, "extract failed")
    assert ex.entries == []
    assert not any(o.get("output_type") == "error" for o in ex.progress_out.outputs)
    assert not ex.tool_buttons["extract"].disabled


def test_load(explorer, tmp_path):
    save([small_doc()], tmp_path / "small", formats=("json",))
    explorer.load_path.value = str(tmp_path / "small.json")
    explorer.run_buttons["load"].click()
    ok(explorer)
    entry = explorer.entries[-1]
    assert entry.origin == "loaded" and entry.doc == small_doc() and explorer.current is entry.doc
    explorer.load_path.value = str(tmp_path / "nope.json")
    explorer.run_buttons["load"].click()
    failed(explorer, "does not exist")


def test_merge_with_short_names(explorer, sample_doc):
    n = len(explorer.entries)
    explorer.merge_docs.value = (0, n - 1)
    explorer.run_buttons["merge"].click()
    ok(explorer)
    merged = explorer.entries[-1]
    assert merged.origin == "merged" and merged.name == f"merged · {explorer.entries[0].name} + small"
    assert merged.doc == merge([sample_doc, small_doc()])
    assert explorer.current is merged.doc
    explorer.merge_docs.value = (0,)
    explorer.run_buttons["merge"].click()
    failed(explorer, "choose 2 or more documents")


def test_transform_pseudonymize_and_the_warnings(explorer, sample_doc, monkeypatch):
    monkeypatch.delenv("M2P_PSEUDONYM_KEY", raising=False)
    show(explorer, explorer.entries[0].name)
    f = explorer.transform_form.fields
    f["pseudonymize"].value, f["key"].value = True, KEY
    explorer.run_buttons["transform"].click()
    ok(explorer)
    made = explorer.entries[-1]
    assert made.origin == "transformed" and made.name == f"pseudonymized · {explorer.entries[0].name}"
    assert made.doc == transform(sample_doc, pseudonymize=True, key=KEY)
    # again from the pseudonymized one: the name does not grow
    f["key"].value = ""
    explorer.run_buttons["transform"].click()
    text = ok(explorer, "warn")
    assert "random key" in text and "cannot be reproduced" in text
    assert explorer.entries[-1].name.startswith(
        f"pseudonymized · {explorer.entries[0].name} ("
    )  # not "… · pseudonymized · …"
    # merging it with the clear document warns that the pseudonyms are undone
    explorer.merge_docs.value = (0, len(explorer.entries) - 1)
    explorer.run_buttons["merge"].click()
    assert "undo the pseudonyms" in ok(explorer, "warn")
    f["pseudonymize"].value = False
    f["merge_aliased_agents"].value = "/no/such/persons.yaml"
    explorer.run_buttons["transform"].click()
    failed(explorer, "transform failed")
    f["merge_aliased_agents"].value = ""


def test_save_writes_through_the_save_verb(explorer, sample_doc, tmp_path):
    show(explorer, explorer.entries[0].name)
    f = explorer.save_form.fields
    f["output"].value, f["formats"].value = str(tmp_path / "prov"), ["json", "provn"]
    explorer.run_buttons["save"].click()
    text = ok(explorer)
    assert str(tmp_path / "prov.json") in text and str(tmp_path / "prov.provn") in text
    assert sorted(os.listdir(tmp_path)) == ["prov.json", "prov.provn"]
    assert load(tmp_path / "prov.json") == sample_doc
    before = (tmp_path / "prov.json").read_bytes()
    f["formats"].value = ["json"]
    show(explorer, "small")
    explorer.run_buttons["save"].click()
    failed(explorer, "already exists")
    assert (tmp_path / "prov.json").read_bytes() == before
    f["overwrite"].value = True
    explorer.run_buttons["save"].click()
    ok(explorer)
    assert load(tmp_path / "prov.json") == small_doc()
    f["overwrite"].value = False


def test_statistics_matches_the_statistics_verb(explorer, sample_doc):
    show(explorer, explorer.entries[0].name)
    for resolution in ("fine", "coarse"):
        explorer.stats_form.fields["resolution"].value = resolution
        explorer.run_buttons["statistics"].click()
        ok(explorer)
        rows = statistics(sample_doc, resolution=resolution, format="rows")
        assert explorer.stats_rows == [tuple(r) for r in rows]
        for section, name, _ in rows:
            assert f'data-section="{section}" data-name="{name}"' in explorer.result.value


def test_export_and_remove(explorer):
    show(explorer, "small")
    explorer.export_name.value = "from_explorer"
    explorer.run_buttons["export"].click()
    ok(explorer)
    assert explorer.namespace["from_explorer"] is explorer.current
    explorer.export_name.value = "not a name"
    explorer.run_buttons["export"].click()
    failed(explorer, "not a valid variable name")
    n = len(explorer.entries)
    explorer.run_buttons["remove"].click()
    ok(explorer)
    assert len(explorer.entries) == n - 1 and "small" not in [e.name for e in explorer.entries]


# ---------------------------------------------------------------------------------------------- graph
def test_focus_shows_exactly_the_lineage_verb(explorer, sample_doc, sample_manifest):
    show(explorer, explorer.entries[0].name)
    explorer.run_buttons["lineage"].click()
    failed(explorer, "click a node in the graph first")
    run = f"mlflow:run/{sample_manifest.runs[0].run_id}"
    explorer.select(run)
    for direction, depth in (("up", 2), ("down", None), ("both", 1)):
        explorer.lineage_form.fields["direction"].value = direction
        explorer.lineage_form.fields["depth"].value = "" if depth is None else str(depth)
        explorer.run_buttons["lineage"].click()
        ok(explorer)
        want = lineage(sample_doc, run, direction=direction, depth=depth)
        assert explorer.graph.view["show"] == list(want.elements) and explorer.graph.view["select"] == run
    explorer.run_buttons["whole"].click()
    assert "show" not in explorer.graph.view


def test_show_in_graph_sends_view_options_and_the_document_once(explorer, sample_doc):
    show(explorer, explorer.entries[0].name)
    sent = []
    explorer.graph.observe(lambda c: sent.append(c["name"]), names=["doc", "view"])
    text = explorer.show_in_graph(highlight=["a"], zoom_to=["a"], badges={"a": "added"}, title="T", direction="LR")
    assert explorer.graph.view == {
        "highlight": ["a"],
        "zoom_to": ["a"],
        "badges": {"a": "added"},
        "title": "T",
        "direction": "LR",
    }
    assert sent == ["view"] and text.startswith("drew T: ")  # the same document is not sent again


def test_snapshot_output_keeps_the_last_graph(explorer):
    data, md = explorer._snapshot_bundle()
    assert ProvDoc.from_json(data[PROV_JSON_MIME]) == explorer.view_doc
    assert (
        md[PROV_JSON_MIME]["snapshot_of"] == explorer.graph.view_id
        and md[PROV_JSON_MIME]["view"] == explorer.graph.view
    )
    assert "text/html" in data and data["text/plain"].startswith("Provenance Explorer, last graph")


def test_short_names_and_hostile_statistics_html():
    assert short_name("pseudonymized", "merged · a + b") == "pseudonymized · a + b"
    assert short_name("merged", "a", "b", "c") == "merged · 3 documents"
    text = stats_table_html([("types", IMG, 1), ("types", SCRIPT, 2)], title=IMG)
    assert IMG not in text and SCRIPT not in text


def test_sync_button_runs_the_sync_verb_and_shows_the_stored_document(sample_manifest, sample_doc, tmp_path):
    ex = Explorer(namespace={}, repo=str(sample_manifest.repo_path), tracking_uri=str(sample_manifest.tracking_uri))
    ex.tool_buttons["sync"].click()
    ex.run_buttons["sync"].click()
    failed(ex, "give the store")
    ex.sync_form.fields["store"].value = str(tmp_path / "store")
    ex.run_buttons["sync"].click()
    assert "units added" in ok(ex)
    synced = ex.entries[-1]
    assert synced.origin == "synced" and synced.doc == sample_doc and ex.current is synced.doc
    ex.run_buttons["sync"].click()
    assert "no change" in ok(ex)
