"""diff(): elements and relations added, removed and changed between two documents."""

from __future__ import annotations

import html
import json
from datetime import datetime, timedelta, timezone

import pytest

from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName
from mlflow2prov_jupyter.query import diff, lineage
from mlflow2prov_jupyter.query.example import R1, example_document

RUN = f"mlflow:run/{R1}"


@pytest.fixture()
def doc() -> ProvDoc:
    return example_document()


def test_diff_of_a_document_with_itself_is_empty(doc):
    for other in (doc, doc.copy(), ProvDoc.from_json(doc.to_json()), example_document()):
        d = diff(doc, other)
        assert d.empty
        assert d.to_rows() == [] and d.overlay == {} and d.edge_overlay == []
        assert d.to_markdown().startswith("No differences")
        assert repr(d) == "<Diff: empty>"


def test_added_removed_and_changed_elements(doc):
    new = doc.copy()
    new.entity(f"{RUN}/param/momentum", {"prov:type": QName("m2p:Param"), "m2p:key": "momentum", "m2p:value": "0.9"})
    del new.elements[f"{RUN}/param/epochs"]
    new[RUN].attrs["m2p:status"] = "FAILED"  # changed value
    new[RUN].attrs["m2p:note"] = "rerun"  # added attribute
    del new[RUN].attrs["m2p:source_type"]  # removed attribute
    d = diff(doc, new)
    assert not d.empty
    assert d.added == [f"{RUN}/param/momentum"]
    assert d.removed == [f"{RUN}/param/epochs"]
    (c,) = d.changed
    assert c.id == RUN and c.kind == c.old_kind == "entity"
    by_name = {a.name: (a.old, a.new) for a in c.attributes}
    assert by_name == {
        "m2p:status": (("FINISHED",), ("FAILED",)),
        "m2p:source_type": (("LOCAL",), ()),
        "m2p:note": ((), ("rerun",)),
    }
    assert d.overlay == {f"{RUN}/param/momentum": "added", f"{RUN}/param/epochs": "removed", RUN: "changed"}
    rows = d.to_rows()
    assert {
        "change": "changed",
        "record": "entity",
        "id": RUN,
        "attribute": "m2p:status",
        "old": "FINISHED",
        "new": "FAILED",
    } in rows
    assert {
        "change": "changed",
        "record": "entity",
        "id": RUN,
        "attribute": "m2p:source_type",
        "old": "LOCAL",
        "new": "(absent)",
    } in rows
    assert d.summary()["elements changed"] == 1
    data = json.loads(json.dumps(d.to_dict()))
    assert data["empty"] is False and data["overlay"] == d.overlay and len(data["rows"]) == len(rows)


def test_added_removed_and_changed_relations(doc):
    new = doc.copy()
    gen = next(r for r in new.relations if r.kind == "wasGeneratedBy" and r.source == RUN)
    new.relations.remove(gen)
    new.add_relation("wasInfluencedBy", RUN, "mlflow:experiment/1")
    used = next(r for r in new.relations if r.kind == "used" and r.target == "mlflow:dataset/wine/d1")
    used.attrs = {"prov:role": "validation"}  # same kind and endpoints, different role: a change
    d = diff(doc, new)
    assert d.added == [] and d.removed == [] and d.changed == []
    assert [(r.kind, r.source, r.target) for r in d.relations_added] == [
        ("wasInfluencedBy", RUN, "mlflow:experiment/1")
    ]
    assert [(r.kind, r.source, r.target) for r in d.relations_removed] == [("wasGeneratedBy", RUN, f"{RUN}/creation")]
    (c,) = d.relations_changed
    assert c.new.kind == "used" and c.new.target == "mlflow:dataset/wine/d1"
    assert [(a.name, a.old, a.new) for a in c.attributes] == [("prov:role", ("training",), ("validation",))]
    assert sorted(d.edge_overlay) == sorted(
        [
            ("wasInfluencedBy", RUN, "mlflow:experiment/1", "added"),
            ("wasGeneratedBy", RUN, f"{RUN}/creation", "removed"),
            ("used", f"{RUN}/creation", "mlflow:dataset/wine/d1", "changed"),
        ]
    )
    md = d.to_markdown()
    assert "1 relations added, 1 relations removed, 1 relations changed" in md
    assert "| changed | used |" in md and "training" in md and "validation" in md


def test_relations_compare_as_a_multiset(doc):
    new = doc.copy()
    first = new.relations[0]
    new.relations.append(first)
    d = diff(doc, new)
    assert d.relations_added == [first] and not d.relations_removed and not d.relations_changed
    assert diff(new, doc).relations_removed == [first]


def test_times_compare_as_instants(doc):
    new = doc.copy()
    rc = new[f"{RUN}/creation"]
    rc.attrs["prov:startTime"] = rc.attrs["prov:startTime"].astimezone(timezone(timedelta(hours=5)))
    assert diff(doc, new).empty
    rc.attrs["prov:startTime"] += timedelta(seconds=1)
    (c,) = diff(doc, new).changed
    assert [a.name for a in c.attributes] == ["prov:startTime"]


def test_kind_change_is_reported(doc):
    new = doc.copy()
    el = new.elements.pop("user:mlflow/alice")
    new.entity("user:mlflow/alice", dict(el.attrs))
    (c,) = diff(doc, new).changed
    assert (c.old_kind, c.kind, c.attributes) == ("agent", "entity", ())
    assert {
        "change": "changed",
        "record": "entity",
        "id": "user:mlflow/alice",
        "attribute": "(kind)",
        "old": "agent",
        "new": "entity",
    } in diff(doc, new).to_rows()


def test_before_and_after_a_new_run_shows_exactly_that_run(doc):
    new = doc.copy()
    t = datetime(2025, 2, 1, tzinfo=timezone.utc)
    run, rc = "mlflow:run/r9", "mlflow:run/r9/creation"
    new.entity(run, {"prov:type": (QName("m2p:Run"), QName("prov:Collection")), "m2p:run_id": "r9"})
    new.activity(rc, t, t + timedelta(minutes=1))
    new.entity(f"{run}/param/lr", {"m2p:key": "lr", "m2p:value": "0.2"})
    new.add_relation("hadMember", "mlflow:experiment/1", run)
    new.add_relation("wasGeneratedBy", run, rc, time=t, role="AddedRun")
    new.add_relation("hadMember", run, f"{run}/param/lr")
    new.add_relation("used", rc, "mlflow:dataset/wine/d1", role="training")
    d = diff(doc, new)
    assert d.added == sorted([run, rc, f"{run}/param/lr"])
    assert not d.removed and not d.changed and not d.relations_removed and not d.relations_changed
    assert len(d.relations_added) == 4
    assert all(run in (r.source, r.target) or rc in (r.source, r.target) for r in d.relations_added)


def test_rename_compares_two_runs_record_by_record():
    doc = example_document()
    a = lineage(doc, "mlflow:run/r1aaaa", "up", depth=1, relations=["hadMember"])
    b = lineage(doc, "mlflow:run/r2bbbb", "up", depth=1, relations=["hadMember"])
    plain = diff(a, b)
    assert len(plain.added) > 0 and len(plain.removed) > 0
    d = diff(a, b, rename={"mlflow:run/r2bbbb": "mlflow:run/r1aaaa"})
    removed = set(d.removed)
    assert "mlflow:run/r1aaaa/param/lr" in removed and "mlflow:run/r1aaaa/metric/loss/0" in removed
    assert "mlflow:run/r1aaaa/param/n_estimators" in d.added
    changed = {c.id: {a.name for a in c.attributes} for c in d.changed}
    assert "m2p:run_id" in changed["mlflow:run/r1aaaa"]
    assert "m2p:value" in changed["mlflow:run/r1aaaa/metric/accuracy/0"]


def test_markdown_and_html_escape_untrusted_text(doc):
    new = doc.copy()
    new[RUN].attrs["m2p:name"] = "<img src=x onerror=alert(1)> | pipe\nnewline"
    d = diff(doc, new)
    md = d.to_markdown()
    row = next(line for line in md.splitlines() if "m2p:name" in line)
    assert "\\|" in row and "newline" in row and row.count(" | ") == 5  # the cell's pipe is escaped
    page = d._repr_html_()
    assert "<img" not in page
    assert html.escape("<img src=x onerror=alert(1)>") in page


# ------------------------------------------------------------------------------------ sample project
def test_sample_before_and_after_one_more_run(sample_manifest, sample_doc, tmp_path):
    """Log one run into a copy of the sample store: the diff holds exactly that run's records."""
    import shutil

    from mlflow import MlflowClient

    from mlflow2prov_jupyter.core.extract import extract

    manifest, root, before = sample_manifest, sample_manifest.repo_path, sample_doc
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    uri = "sqlite:///" + (copy / "mlflow.db").as_posix()
    client = MlflowClient(tracking_uri=uri)
    exp = next(e for e in manifest.experiments if e.name == "wine-classification")
    run = client.create_run(exp.experiment_id, run_name="one-more", tags={"mlflow.user": "alice"})
    rid = run.info.run_id
    client.log_param(rid, "alpha", "0.5")
    client.log_metric(rid, "loss", 0.4, step=0)
    client.log_metric(rid, "loss", 0.2, step=1)
    client.set_terminated(rid)
    after = extract(copy, uri)

    d = diff(before, after)
    prefix = f"mlflow:run/{rid}"
    assert d.removed == [] and d.changed == [] and d.relations_removed == [] and d.relations_changed == []
    assert d.added == sorted(
        [
            prefix,
            f"{prefix}/creation",
            f"{prefix}/param/alpha",
            f"{prefix}/metric/loss/0",
            f"{prefix}/metric/loss/1",
            f"{prefix}/tag/mlflow.runName",
            f"{prefix}/tag/mlflow.user",
        ]
    )
    assert d.relations_added and all(
        str(r.source).startswith(prefix) or str(r.target).startswith(prefix) for r in d.relations_added
    )
    # Exactly the new run's relations: those of `after` that touch it.
    touching = [r for r in after.relations if str(r.source).startswith(prefix) or str(r.target).startswith(prefix)]
    assert len(d.relations_added) == len(touching) == 14
    assert set(d.overlay.values()) == {"added"}
    assert diff(after, before).removed == d.added


def test_html_table_comes_from_the_cards_module(doc):
    from mlflow2prov_jupyter.notebook.cards import diff_html

    new = doc.copy()
    new[RUN].attrs["m2p:status"] = "FAILED"
    d = diff(doc, new)
    page = d._repr_html_()
    assert page == diff_html(d)
    assert '<tr data-change="changed"' in page and "FAILED" in page and "FINISHED" in page
    assert "text-align:right" not in page and "var(--jp-warn-color1" in page  # left-aligned, theme colours
    assert "No differences" in diff(doc, doc)._repr_html_()
