"""passport(): alias → version → model → run → commit → entry point, with what is missing said plainly."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mlflow2prov_jupyter.core.errors import Mlflow2ProvError
from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName
from mlflow2prov_jupyter.query import UnknownReferenceError, passport, validate
from mlflow2prov_jupyter.query.example import C2, MISSING_SHA, MODEL_ID, R1, R2, R3, example_document
from mlflow2prov_jupyter.query.validate import errors


@pytest.fixture()
def doc() -> ProvDoc:
    return example_document()


def test_alias_follows_the_whole_chain(doc):
    p = passport(doc, "models:/clf@champion")
    assert p.subject == "mlflow:registered-model/clf/alias/champion/1"
    assert p.alias == {"id": p.subject, "name": "clf", "alias": "champion", "version": 1}
    mv = p.model_version
    assert (mv["name"], mv["version"], mv["aliases"], mv["source"]) == ("clf", 1, ["champion"], f"models:/{MODEL_ID}")
    assert mv["tags"] == {"stage": "ok"}
    assert p.model["kind"] == "logged model" and p.model["model_id"] == MODEL_ID
    assert [(m["key"], m["value"], m["dataset"]) for m in p.model["metrics"]] == [
        ("test_accuracy", 0.93, "wine-test (d2)")
    ]
    run = p.run
    assert (run["run_id"], run["name"], run["status"], run["user"]) == (R1, "baseline", "FINISHED", "alice")
    assert run["params"] == {"lr": "0.1", "epochs": "3"}
    assert {k: (v["value"], v["step"]) for k, v in run["metrics"].items()} == {
        "loss": (0.3, 2),
        "accuracy": (0.9, 2),
        "test_accuracy": (0.93, 0),
    }
    assert run["datasets"] == [
        {"name": "wine", "digest": "d1", "context": "training", "source": "file:///data/wine.csv"},
        {"name": "wine-test", "digest": "d2", "context": "eval", "source": "file:///data/wine.csv"},
    ]
    assert run["experiment"] == "wine (1)"
    c = p.commit
    assert (c["sha"], c["title"], c["author"], c["author_email"], c["dirty"]) == (
        C2,
        "Tune the script",
        "Ann",
        "ann@x.org",
        False,
    )
    assert p.entry_point["path"] == "src/train.py" and p.entry_point["commit"] == C2
    assert p.entry_point["file"].startswith("git:file/")
    assert p.missing == [] and p.notes == []


def test_version_model_id_run_and_bare_run_id_agree(doc):
    a = passport(doc, "models:/clf/1")
    b = passport(doc, f"models:/{MODEL_ID}")
    c = passport(doc, f"runs:/{R1}")
    d = passport(doc, R1)
    e = passport(doc, f"mlflow:run/{R1}")
    assert a.run == b.run == c.run == d.run == e.run
    assert a.commit == b.commit == c.commit == d.commit
    assert c.model is None and c.model_version is None
    assert passport(doc, "models:/clf/latest").model_version["version"] == 3


def test_model_folder_source_and_commit_missing_from_repository(doc):
    p = passport(doc, "models:/clf@challenger")
    assert p.model == {"id": f"mlflow:run/{R2}/model-artifact/model", "kind": "model folder", "path": "model"}
    assert p.run["run_id"] == R2
    assert p.commit is None and p.entry_point is None
    assert p.missing == [f"run names a commit that is not in the repository: {MISSING_SHA}"]


def test_runs_uri_with_a_model_path(doc):
    p = passport(doc, f"runs:/{R2}/model")
    assert p.model["kind"] == "model folder" and p.run["run_id"] == R2
    q = passport(doc, f"runs:/{R1}/model")
    assert q.model["model_id"] == MODEL_ID and q.run["run_id"] == R1
    r = passport(doc, f"runs:/{R1}/nothing-here")
    assert r.missing == [f"run {R1} has no logged model or artifact named nothing-here"]


def test_unresolved_source_and_absent_run_are_said_plainly(doc):
    p = passport(doc, "models:/clf/3")
    assert p.model is None and p.run is None
    assert p.missing == [
        "version source s3://bucket/elsewhere/model could not be resolved to a logged model or model folder",
        "version names run gone00, which is not in the document",
    ]


def test_run_without_commit_and_without_git_history(doc):
    p = passport(doc, R3)
    assert p.missing == ["run records no Git commit (tag mlflow.source.git.commit)"]
    mlflow_only = ProvDoc()
    for el in doc.elements.values():
        if not el.id.startswith("git:"):
            mlflow_only.add_element(el.kind, el.id, dict(el.attrs))
    mlflow_only.relations = [r for r in doc.relations if not any(str(a).startswith("git:") for a in r.args)]
    q = passport(mlflow_only, R1)
    assert q.missing == [f"run names commit {C2}, but the document holds no Git history (extract with the repository)"]


def test_entry_point_not_resolved(doc):
    doc.relations = [r for r in doc.relations if "EntryPoint" not in r.roles]
    p = passport(doc, R1)
    assert p.commit["sha"] == C2 and p.entry_point is None
    assert p.missing == [f"entry point /home/u/proj/src/train.py could not be matched to one file of commit {C2[:12]}"]


def test_dirty_work_tree_is_flagged(doc):
    doc[f"mlflow:run/{R1}"].attrs["m2p:source_git_dirty"] = "true"
    p = passport(doc, R1)
    assert p.commit["dirty"] is True
    assert any("uncommitted changes" in n for n in p.notes)
    assert "dirty" in p.to_markdown() and "uncommitted" in p.to_markdown()


def test_final_metric_is_the_value_at_the_largest_step(doc):
    run = f"mlflow:run/{R1}"
    # Add a later step whose entity comes first in the document, and an earlier one at the end.
    doc.entity(
        f"{run}/metric/loss/10",
        {"prov:type": QName("m2p:Metric"), "m2p:key": "loss", "m2p:value": 0.05, "m2p:step": 10},
    )
    doc.relations.insert(0, doc.add_relation("hadMember", run, f"{run}/metric/loss/10"))
    doc.relations.pop()
    assert passport(doc, R1).run["metrics"]["loss"]["value"] == 0.05


def test_moved_alias_in_a_merged_document(doc):
    doc.entity(
        "mlflow:registered-model/clf/alias/champion/2",
        {"prov:type": QName("m2p:ModelAlias"), "m2p:alias": "champion", "m2p:name": "clf", "m2p:version": 2},
    )
    doc.add_relation(
        "specializationOf", "mlflow:registered-model/clf/alias/champion/2", "mlflow:registered-model/clf/version/2"
    )
    p = passport(doc, "models:/clf@champion")
    assert p.model_version["version"] == 2
    assert p.notes == [
        "alias champion points to versions 1, 2 in this document (merged extractions); showing the highest, 2"
    ]


def test_subgraph_holds_exactly_the_records_used(doc):
    p = passport(doc, "models:/clf@champion")
    sub = p.subgraph
    ids = set(sub.elements)
    assert {
        p.subject,
        "mlflow:registered-model/clf/version/1",
        f"mlflow:model/{MODEL_ID}",
        f"mlflow:run/{R1}",
        f"mlflow:run/{R1}/creation",
        f"git:commit/{C2}",
        f"git:revision/{C2}/src/train.py",
        f"mlflow:run/{R1}/param/lr",
        f"mlflow:run/{R1}/metric/loss/2",
        "mlflow:dataset/wine/d1",
    } <= ids
    # Earlier metric steps, other versions and unrelated runs are not used.
    assert f"mlflow:run/{R1}/metric/loss/0" not in ids
    assert "mlflow:registered-model/clf/version/2" not in ids and f"mlflow:run/{R2}" not in ids
    # Every relation is one of the document's and links two records of the subgraph: a valid document.
    keys = [r.key() for r in doc.relations]
    assert all(r.key() in keys for r in sub.relations)
    assert all(r.source in ids and r.target in ids for r in sub.relations)
    assert errors(validate(sub)) == []
    assert not [f for f in validate(sub) if f.code == "unknown-endpoint"]
    assert p.to_dict()["records"] == sorted(ids)


@pytest.mark.parametrize(
    "ref, text",
    [
        ("models:/clf@hero", "known aliases: clf@challenger, clf@champion"),
        ("models:/clf/9", "its versions: 1, 2, 3"),
        ("models:/nope/1", "no registered model 'nope'"),
        ("models:/clf", "models:/clf/<version>"),
        ("models:/m-999", "no logged model with id 'm-999'"),
        ("runs:/zzz", "no run 'zzz'"),
        ("zzz", "no run id, model id or reference"),
        ("mlflow:experiment/1", "not a model version, alias, logged model or run"),
        ("", "empty passport reference"),
    ],
)
def test_unknown_references_are_one_line_errors(doc, ref, text):
    with pytest.raises(UnknownReferenceError) as err:
        passport(doc, ref)
    assert isinstance(err.value, Mlflow2ProvError)
    assert text in str(err.value) and "\n" not in str(err.value)


def test_renderings_escape_untrusted_text(doc):
    evil = "<script>alert('x')</script> | **bold** `tick`"
    run = f"mlflow:run/{R1}"
    doc[run].attrs["m2p:name"] = evil
    doc[f"{run}/param/lr"].attrs["m2p:value"] = evil
    p = passport(doc, "models:/clf@champion")
    page = p._repr_html_()
    assert "<script>" not in page and html.escape(evil) in page
    md = p.to_markdown()
    assert "<script>" not in md and "**bold**" not in md
    lr_row = next(line for line in md.splitlines() if line.startswith("| lr |"))
    assert lr_row.count(" | ") == 1  # the value's pipe is escaped
    data = json.loads(json.dumps(p.to_dict()))
    assert data["run"]["name"] == evil and data["run"]["params"]["lr"] == evil
    assert data["run"]["start"] == "2025-01-05T10:00:00+00:00"
    assert set(data) == {
        "ref",
        "subject",
        "headline",
        "alias",
        "model_version",
        "model",
        "run",
        "commit",
        "entry_point",
        "missing",
        "notes",
        "chain",
        "context",
        "records",
    }


def test_markdown_names_every_section(doc):
    md = passport(doc, "models:/clf@champion").to_markdown()
    for title in ("### Alias", "### Model version", "### Model", "### Run", "### Commit", "### Entry point"):
        assert title in md
    assert "| key | value | step |" in md
    assert "### Missing" in passport(doc, "models:/clf/3").to_markdown()


# ------------------------------------------------------------------------------------ sample project
@pytest.fixture(scope="module")
def sample(sample_manifest, sample_doc):
    """The session's sample project (conftest) as (manifest, project folder, extraction)."""
    return sample_manifest, Path(sample_manifest.repo_path), sample_doc


def _check_run(p, manifest, run_id: str) -> None:
    run = next(r for r in manifest.runs if r.run_id == run_id)
    got = p.run
    assert got["run_id"] == run.run_id and got["name"] == run.name
    assert got["status"] == run.status and got["user"] == run.user
    assert got["params"] == run.params
    assert {k: v["value"] for k, v in got["metrics"].items()} == pytest.approx(run.metrics)
    assert sorted((d["name"], d["digest"], d["context"]) for d in got["datasets"]) == sorted(
        (d.name, d.digest, d.context) for d in run.datasets
    )
    commit = next(c for c in manifest.commits if c.sha == run.commit)
    c = p.commit
    assert (c["sha"], c["title"], c["author"], c["author_email"]) == (
        commit.sha,
        commit.title,
        commit.author_name,
        commit.author_email,
    )
    assert c["authored_at"].isoformat() == commit.authored_at
    assert p.entry_point["path"] == manifest.train_script
    assert p.entry_point["id"].startswith("git:revision/")


def test_passport_of_every_version_and_alias_matches_the_manifest(sample):
    manifest, _, doc = sample
    assert manifest.registered_models, "the sample registry is empty"
    checked = 0
    for rm in manifest.registered_models:
        refs = [(f"models:/{rm.name}/{v.version}", v) for v in rm.versions]
        by_version = {v.version: v for v in rm.versions}
        refs += [(f"models:/{rm.name}@{alias}", by_version[version]) for alias, version in rm.aliases.items()]
        for ref, v in refs:
            p = passport(doc, ref)
            mv = p.model_version
            assert (mv["name"], mv["version"], mv["source"], mv["status"]) == (rm.name, v.version, v.source, v.status)
            assert mv["tags"] == v.tags
            assert sorted(mv["aliases"]) == sorted(a for a, n in rm.aliases.items() if n == v.version)
            if "@" in ref:
                assert p.alias["version"] == v.version
            assert p.model["kind"] == "logged model" and p.model["model_id"] == v.model_id
            assert p.run["run_id"] == v.run_id
            _check_run(p, manifest, v.run_id)
            assert p.missing == [], (ref, p.missing)
            assert errors(validate(p.subgraph)) == []
            assert rm.name in p.to_markdown() and "<script" not in p._repr_html_()
            checked += 1
    assert checked == sum(len(rm.versions) + len(rm.aliases) for rm in manifest.registered_models)


def test_passport_of_every_sample_run(sample):
    manifest, _, doc = sample
    for run in manifest.runs:
        p = passport(doc, f"runs:/{run.run_id}")
        _check_run(p, manifest, run.run_id)
        assert p.missing == []
    for lm in manifest.logged_models:
        p = passport(doc, f"models:/{lm.model_id}")
        assert p.model["model_id"] == lm.model_id and p.run["run_id"] == lm.run_id


def test_run_found_through_the_version_creation_when_the_source_is_unresolved(doc):
    # Version 1 without its source link, model_id or run_id: only #41 (MVC informed by the run) is left.
    mv = "mlflow:registered-model/clf/version/1"
    doc.relations = [r for r in doc.relations if not (r.kind == "wasDerivedFrom" and r.source == mv)]
    del doc[mv].attrs["m2p:run_id"]
    p = passport(doc, "models:/clf/1")
    assert p.model is None and p.run["run_id"] == R1 and p.commit["sha"] == C2
    assert p.missing == [f"version source models:/{MODEL_ID} could not be resolved to a logged model or model folder"]
    assert p.notes == ["run found through the version's creation (#41), not through its source"]
    assert f"{mv}/creation" in p.subgraph.elements


# ------------------------------------------------------------------------------------ one sentence, one card
@pytest.mark.parametrize(
    "ref, headline",
    [
        (
            "models:/clf@champion",
            "champion = version 1 of clf, logged by run baseline (r1aaaa, alice, "
            "2025-01-05 10:00 UTC), from commit c2c2c2c, trained on wine (digest d1)",
        ),
        (
            "models:/clf@challenger",
            "challenger = version 2 of clf, logged by run forest (r2bbbb, alice, "
            "2025-01-06 10:00 UTC), from commit fffffff, which is not in the document",
        ),
        ("models:/clf/3", "version 3 of clf, its run is not in the document"),
        (R3, "run scratch (r3cccc, alice, 2025-01-07 10:00 UTC), with no Git commit recorded"),
        (
            f"models:/{MODEL_ID}",
            f"logged model {MODEL_ID} (model), logged by run baseline (r1aaaa, alice, "
            "2025-01-05 10:00 UTC), from commit c2c2c2c, trained on wine (digest d1)",
        ),
    ],
)
def test_headline_answers_in_one_sentence(doc, ref, headline):
    p = passport(doc, ref)
    assert p.headline == headline
    assert p.to_markdown().splitlines()[0] == headline  # the CLI's passport output starts with it
    assert p.to_dict()["headline"] == headline


def test_headline_says_uncommitted_changes(doc):
    doc[f"mlflow:run/{R1}"].attrs["m2p:source_git_dirty"] = "true"
    assert "from commit c2c2c2c with uncommitted changes" in passport(doc, R1).headline


def test_chain_is_ordered_and_its_context_drawable(doc):
    p = passport(doc, "models:/clf@champion")
    assert p.chain == [
        "mlflow:registered-model/clf/alias/champion/1",
        "mlflow:registered-model/clf/version/1",
        f"mlflow:model/{MODEL_ID}",
        f"mlflow:run/{R1}",
        f"git:commit/{C2}",
    ]
    assert {
        f"mlflow:run/{R1}/creation",
        "mlflow:dataset/wine/d1",
        "mlflow:experiment/1",
        "user:mlflow/alice",
        f"git:revision/{C2}/src/train.py",
    } <= set(p.context)
    assert p.show_ids[:5] == p.chain and len(p.show_ids) == len(set(p.show_ids))
    assert set(p.show_ids) <= set(p.subgraph.elements)  # the drawing shows records the passport used
    assert p.view() == {"show": p.show_ids, "direction": "auto", "title": p.headline, "zoom_to": p.chain}
    # A run's passport starts its chain at the run.
    assert passport(doc, R1).chain == [f"mlflow:run/{R1}", f"git:commit/{C2}"]


def test_card_is_compact_left_aligned_and_to_the_second(doc):
    from mlflow2prov_jupyter.notebook.cards import passport_card

    p = passport(doc, "models:/clf@champion")
    page = p._repr_html_()
    assert page == passport_card(p)
    assert page.index("m2p-passport-headline") < page.index("m2p-passport-section")
    assert html.escape(p.headline) in page
    assert "2025-01-05 10:00:00 UTC" in page  # the run's start, to the second
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", page) and "+00:00" not in page  # no microseconds, no ISO offsets
    assert "text-align:right" not in page and page.count("text-align:left") > 10
    # Long lists are folded; short ids carry the full id.
    assert re.search(r"<details style=[^>]*><summary[^>]*>params \(2\)", page)
    assert "<details open" not in page
    for sec in p.sections():
        for _, value in sec.fields:
            if value.full:
                assert f'title="{html.escape(value.full)}"' in page


def test_card_escapes_hostile_ids_and_text(doc):
    from mlflow2prov_jupyter.notebook.cards import passport_card

    evil_sha = 'c2c2c2c"><img src=x onerror=alert(1)>'
    run = f"mlflow:run/{R1}"
    doc[run].attrs["m2p:name"] = "<b onmouseover=alert(2)>x</b>"
    doc[run].attrs["m2p:source_git_branch"] = "<script>alert(3)</script>"
    doc[f"git:commit/{C2}"].attrs["m2p:sha"] = evil_sha
    doc[f"git:commit/{C2}"].attrs["m2p:title"] = 'it\'s "quoted" & <i>'
    p = passport(doc, "models:/clf@champion")
    page = passport_card(p)
    assert "<img" not in page and "<script" not in page and "<b onmouseover" not in page and "<i>" not in page
    assert f'title="{html.escape(evil_sha, quote=True)}"' in page
    assert html.escape('it\'s "quoted" & <i>', quote=True) in page
    assert html.escape("<script>alert(3)</script>") in page  # the branch, in the headline and the commit row


def test_sample_champion_headline_card_and_chain(sample):
    manifest, _, doc = sample
    rm = manifest.registered_models[0]
    version = next(v for v in rm.versions if v.version == rm.aliases["champion"])
    run = next(r for r in manifest.runs if r.run_id == version.run_id)
    started = datetime.fromtimestamp(run.start_time / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M")
    training = [d for d in run.datasets if d.context == "training"]
    expected = (
        f"champion = version {version.version} of {rm.name}, logged by run {run.name} "
        f"({run.run_id[:8]}…, {run.user}, {started} UTC), from commit {run.commit[:7]} on main, trained on "
        + " and ".join(f"{d.name} (digest {d.digest})" for d in training)
    )
    p = passport(doc, f"models:/{rm.name}@champion")
    assert p.headline == expected
    assert p.chain == [
        f"mlflow:registered-model/{rm.name}/alias/champion/{version.version}",
        f"mlflow:registered-model/{rm.name}/version/{version.version}",
        f"mlflow:model/{version.model_id}",
        f"mlflow:run/{run.run_id}",
        f"git:commit/{run.commit}",
    ]
    assert {
        f"mlflow:registered-model/{rm.name}",
        f"mlflow:run/{run.run_id}/creation",
        f"mlflow:experiment/{run.experiment_id}",
        f"user:mlflow/{run.user}",
    } <= set(p.context)
    assert {f"mlflow:dataset/{d.name}/{d.digest}" for d in run.datasets} <= set(p.context)
    assert sorted(p.run["artifacts"]) == p.run["artifacts"] and p.run["artifacts"]
    page = p._repr_html_()
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", page)
    assert f'title="{run.run_id}"' in page and f"{run.run_id[:8]}…" in page
    assert all(x in page for x in ("params (", "final metrics (value at the largest step) (", "artifacts ("))


def test_cli_passport_prints_the_headline_first(sample, tmp_path):
    from click.testing import CliRunner

    from mlflow2prov_jupyter.cli import cli

    manifest, _, doc = sample
    path = tmp_path / "doc.json"
    path.write_text(doc.to_json())
    ref = f"models:/{manifest.registered_models[0].name}@champion"
    result = CliRunner().invoke(cli, ["load", str(path), "passport", ref])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == passport(doc, ref).headline
