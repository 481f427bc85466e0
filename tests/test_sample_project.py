"""The sample project generator: every fact of its manifest is checked against Git and MLflow themselves."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import git
import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.entities import ViewType

from mlflow2prov_jupyter.core.errors import Mlflow2ProvError
from mlflow2prov_jupyter.sample.project import (
    GENERATOR,
    MANIFEST_NAME,
    REGISTERED_MODEL,
    SampleManifest,
    SampleProjectError,
    _build_repository,
    _prepare_directory,
    create_sample_project,
)

RUN_NAMES = {
    "smoke-test",
    "baseline-sgd",
    "gbt-negative-rate",
    "rf-sweep",
    "rf-10-trees",
    "rf-20-trees",
    "rf-40-trees",
    "evaluate-champion",
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """One generation per module, run from a scratch working directory."""
    base = tmp_path_factory.mktemp("sample")
    scratch = base / "cwd"
    scratch.mkdir()
    old_cwd = os.getcwd()
    env_before = _environment()
    uri_before = mlflow.get_tracking_uri()
    caller_files_before = {n: (Path(old_cwd) / n).exists() for n in ("mlruns", "mlflow.db", "mlartifacts")}
    os.chdir(scratch)
    messages: list[str] = []
    try:
        scratch_uri_before = mlflow.get_tracking_uri()
        started = time.perf_counter()
        manifest = create_sample_project(base / "demo", seed=0, progress=messages.append)
        elapsed = time.perf_counter() - started
        scratch_uri_after = mlflow.get_tracking_uri()
    finally:
        os.chdir(old_cwd)
    print(f"\nsample project generated in {elapsed:.1f} s")
    client = MlflowClient(tracking_uri=manifest.tracking_uri, registry_uri=manifest.tracking_uri)
    return SimpleNamespace(
        manifest=manifest,
        path=base / "demo",
        scratch=scratch,
        elapsed=elapsed,
        messages=messages,
        env_before=env_before,
        uri_before=uri_before,
        caller_files_before=caller_files_before,
        scratch_uris=(scratch_uri_before, scratch_uri_after),
        client=client,
        repo=git.Repo(base / "demo"),
    )


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}


def _store_runs(client: MlflowClient, view: int = ViewType.ALL) -> dict:
    ids = [e.experiment_id for e in client.search_experiments(view_type=ViewType.ALL)]
    return {r.info.run_id: r for r in client.search_runs(ids, run_view_type=view)}


# ----------------------------------------------------------------------------------------- generation


def test_generation_is_fast_and_reports_progress(generated):
    assert generated.elapsed < 60
    assert generated.manifest.generation_seconds is not None and generated.manifest.generation_seconds < 60
    assert len(generated.messages) == 3 and all(isinstance(m, str) and m for m in generated.messages)


def test_manifest_file_is_the_returned_manifest(generated):
    data = json.loads((generated.path / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert data["generator"] == GENERATOR
    assert data == generated.manifest.to_dict()
    loaded = SampleManifest.load(generated.path)
    assert loaded == generated.manifest
    assert SampleManifest.from_dict(json.loads(loaded.to_json())) == loaded
    assert generated.manifest.repo_path == str(generated.path.resolve())
    assert generated.manifest.tracking_uri == "sqlite:///" + (generated.path.resolve() / "mlflow.db").as_posix()


def test_caller_state_untouched(generated):
    assert _environment() == generated.env_before
    assert mlflow.get_tracking_uri() == generated.uri_before
    assert generated.scratch_uris[0] == generated.scratch_uris[1]
    assert list(generated.scratch.iterdir()) == []
    assert {n: (Path.cwd() / n).exists() for n in generated.caller_files_before} == generated.caller_files_before
    assert not (generated.path / "mlruns").exists()


# ----------------------------------------------------------------------------------------- git


def test_git_history_matches_manifest(generated):
    repo, manifest = generated.repo, generated.manifest
    assert len(manifest.commits) == 7
    for c in manifest.commits:
        commit = repo.commit(c.sha)
        assert commit.summary == c.title
        assert commit.message.rstrip("\n") == c.message
        assert (commit.author.name, commit.author.email) == (c.author_name, c.author_email)
        assert (commit.committer.name, commit.committer.email) == (c.committer_name, c.committer_email)
        assert commit.authored_datetime.isoformat() == c.authored_at
        assert commit.committed_datetime.isoformat() == c.committed_at
        assert [p.hexsha for p in commit.parents] == c.parents
        against = [c.parents[0], c.sha] if c.parents else ["--root", c.sha]
        out = repo.git.diff_tree("-r", "-M", "--name-status", "--no-commit-id", *against)
        seen = set()
        for line in out.splitlines():
            parts = line.split("\t")
            status = {"A": "added", "M": "modified", "D": "deleted", "R": "renamed"}[parts[0][0]]
            seen.add((status, parts[-1], parts[1] if status == "renamed" else None))
        assert seen == {(ch.status, ch.path, ch.previous_path) for ch in c.changes}
    assert {u.email for u in manifest.users.git} == {"ann@example.org", "bob@example.org"}
    assert {c.author_email for c in manifest.commits} == {"ann@example.org", "bob@example.org"}
    assert any(c.author_email != c.committer_email for c in manifest.commits)
    assert any(len(c.parents) == 2 for c in manifest.commits)
    assert any(ch.status == "renamed" for c in manifest.commits for ch in c.changes)


def test_git_refs_and_work_tree(generated):
    repo, manifest = generated.repo, generated.manifest
    assert repo.active_branch.name == "main"
    assert {h.name: h.commit.hexsha for h in repo.heads} == manifest.branches
    tag = repo.tags["v1.0"]
    assert tag.commit.hexsha == manifest.trained_commit == manifest.tags["v1.0"] == repo.head.commit.hexsha
    assert tag.tag is not None and tag.tag.tagger.email == "ann@example.org"
    assert not repo.is_dirty(untracked_files=True)  # store, artifacts, log and manifest are ignored
    tracked = set(repo.git.ls_files().splitlines())
    assert tracked == {".gitignore", "README.md", "data/wine.csv", "src/train.py"}
    header = (generated.path / "data" / "wine.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith(",target") and len(header.split(",")) == 14


def test_git_history_is_deterministic(generated, tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        commits, branches, tags = _build_repository(tmp_path / name)
        assert [c.sha for c in commits] == [c.sha for c in generated.manifest.commits]
        assert branches == generated.manifest.branches and tags == generated.manifest.tags


# ----------------------------------------------------------------------------------------- MLflow runs


def test_runs_match_manifest(generated):
    manifest, runs = generated.manifest, _store_runs(generated.client)
    assert {r.run_id for r in manifest.runs} == set(runs)
    assert {r.name for r in manifest.runs} == RUN_NAMES
    for expected in manifest.runs:
        run = runs[expected.run_id]
        tags = run.data.tags
        assert run.info.run_name == expected.name
        assert run.info.status == expected.status
        assert (run.info.lifecycle_stage == "deleted") == expected.deleted
        assert tags.get("mlflow.user") == expected.user
        assert tags.get("mlflow.parentRunId") == expected.parent_run_id
        assert run.data.params == expected.params
        assert run.data.metrics == expected.metrics
        assert run.info.experiment_id == expected.experiment_id
        for key, points in expected.metric_history.items():
            history = generated.client.get_metric_history(expected.run_id, key)
            assert sorted([m.step, m.value, m.timestamp] for m in history) == sorted(points)


def test_run_statuses_users_and_deletion(generated):
    manifest = generated.manifest
    assert {r.status for r in manifest.runs} == {"FINISHED", "FAILED"}
    assert [r.name for r in manifest.runs if r.status == "FAILED"] == ["gbt-negative-rate"]
    assert [r.name for r in manifest.runs if r.deleted] == ["smoke-test"]
    active = _store_runs(generated.client, ViewType.ACTIVE_ONLY)
    assert manifest.run("smoke-test").run_id not in active and len(active) == len(manifest.runs) - 1
    assert {r.user for r in manifest.runs} == {"alice", "bob"} == set(manifest.users.mlflow)


def test_runs_record_commit_and_script(generated):
    repo, manifest = generated.repo, generated.manifest
    for run in manifest.runs:
        assert run.commit == manifest.trained_commit
        assert repo.commit(run.commit).hexsha == run.commit
        assert run.source_name == "src/train.py"
        assert (generated.path / run.source_name).is_file()
        tags = _store_runs(generated.client)[run.run_id].data.tags
        assert tags["mlflow.source.git.commit"] == run.commit
        assert tags["mlflow.source.name"] == "src/train.py"
        assert tags["mlflow.source.type"] == "LOCAL"


def test_sweep_parent_and_children(generated):
    manifest = generated.manifest
    parent = manifest.run("rf-sweep")
    children = [r for r in manifest.runs if r.parent_run_id == parent.run_id]
    assert {c.name for c in children} == {"rf-10-trees", "rf-20-trees", "rf-40-trees"}
    assert all(r.parent_run_id is None for r in manifest.runs if r not in children)
    assert parent.params["best_n_estimators"] in {"10", "20", "40"}
    for child in children:
        assert len(child.metric_history["val_accuracy"]) == 5
        assert [p[0] for p in sorted(child.metric_history["val_accuracy"])] == [0, 1, 2, 3, 4]
    assert len(manifest.run("baseline-sgd").metric_history["train_loss"]) == 8


def test_dataset_inputs(generated):
    manifest, client = generated.manifest, generated.client
    assert {(d.name) for d in manifest.datasets} == {"wine", "wine-test"}
    used = set()
    for expected in manifest.runs:
        run = client.get_run(expected.run_id)
        got = {
            (d.dataset.name, d.dataset.digest, next((t.value for t in d.tags if t.key == "mlflow.data.context"), None))
            for d in run.inputs.dataset_inputs
        }
        assert got == {(d.name, d.digest, d.context) for d in expected.datasets}
        used |= {(d.name, d.digest) for d in expected.datasets}
    assert used == {(d.name, d.digest) for d in manifest.datasets}
    baseline = {(d.name, d.context) for d in manifest.run("baseline-sgd").datasets}
    assert baseline == {("wine", "training"), ("wine-test", "eval")}


def test_artifacts_with_nested_folder(generated):
    with_reports = {"baseline-sgd", "rf-10-trees", "rf-20-trees", "rf-40-trees"}
    for expected in generated.manifest.runs:
        if expected.name not in with_reports:
            assert expected.artifacts == []
            continue
        assert expected.artifacts == [
            "metrics.json",
            "reports/classification_report.txt",
            "reports/confusion/confusion_matrix.csv",
        ]
        listed = generated.client.list_artifacts(expected.run_id, "reports/confusion")
        assert [a.path for a in listed] == ["reports/confusion/confusion_matrix.csv"]
        root = Path(expected.artifact_uri.removeprefix("file://"))
        assert (root / "reports" / "confusion" / "confusion_matrix.csv").is_file()
        assert root.is_relative_to(generated.path / "mlartifacts")


# ----------------------------------------------------------------------------------------- models


def test_logged_models(generated):
    manifest, client = generated.manifest, generated.client
    experiment_ids = [e.experiment_id for e in manifest.experiments]
    stored = {m.model_id: m for m in client.search_logged_models(experiment_ids=experiment_ids)}
    assert {m.model_id for m in manifest.logged_models} == set(stored) and len(stored) == 4
    for expected in manifest.logged_models:
        model = stored[expected.model_id]
        assert (model.name, model.source_run_id, model.experiment_id) == (
            "model",
            expected.run_id,
            expected.experiment_id,
        )
        assert expected.model_id in manifest.run(_name_of(manifest, expected.run_id)).logged_model_ids
        assert Path(model.artifact_location.removeprefix("file://"), "MLmodel").is_file()
        linked = [m for m in expected.metrics if m.dataset_name == "wine-test"]
        assert {m.key for m in linked} == {"test_accuracy", "test_f1"}
    outputs = {mid for r in manifest.runs for mid in r.logged_model_ids}
    assert outputs == set(stored)
    for run in manifest.runs:
        full = client.get_run(run.run_id)
        assert [o.model_id for o in (full.outputs.model_outputs if full.outputs else [])] == run.logged_model_ids


def _name_of(manifest: SampleManifest, run_id: str) -> str:
    return next(r.name for r in manifest.runs if r.run_id == run_id)


def test_registered_model_versions_and_aliases(generated):
    manifest, client = generated.manifest, generated.client
    [expected] = manifest.registered_models
    assert expected.name == REGISTERED_MODEL
    model = client.get_registered_model(REGISTERED_MODEL)
    assert model.tags == expected.tags and {"team", "task"} <= set(model.tags)
    assert model.description == expected.description
    assert {a: int(v) for a, v in model.aliases.items()} == expected.aliases
    assert expected.aliases["champion"] == 2
    assert [v.version for v in expected.versions] == [1, 2]
    for v in expected.versions:
        stored = client.get_model_version(REGISTERED_MODEL, str(v.version))
        assert (stored.source, stored.run_id, stored.status, stored.tags) == (v.source, v.run_id, v.status, v.tags)
        assert v.source == f"models:/{v.model_id}"
        assert v.model_id in {m.model_id for m in manifest.logged_models}
        assert v.run_id == next(m.run_id for m in manifest.logged_models if m.model_id == v.model_id)
    champion = client.get_model_version_by_alias(REGISTERED_MODEL, "champion")
    assert int(champion.version) == 2
    assert champion.run_id == manifest.run(f"rf-{manifest.run('rf-sweep').params['best_n_estimators']}-trees").run_id


def test_evaluation_run_uses_the_champion_model(generated):
    manifest, client = generated.manifest, generated.client
    evaluation = manifest.run("evaluate-champion")
    champion = next(v for v in manifest.registered_models[0].versions if v.version == 2)
    assert evaluation.input_model_ids == [champion.model_id]
    full = client.get_run(evaluation.run_id)
    assert [i.model_id for i in full.inputs.model_inputs] == [champion.model_id]
    assert all(not r.input_model_ids for r in manifest.runs if r is not evaluation)


def test_experiments(generated):
    manifest, client = generated.manifest, generated.client
    stored = {e.experiment_id: e for e in client.search_experiments(view_type=ViewType.ALL)}
    assert {e.experiment_id for e in manifest.experiments} == set(stored)
    for e in manifest.experiments:
        assert (stored[e.experiment_id].name, stored[e.experiment_id].tags) == (e.name, e.tags)
    assert {r.experiment_id for r in manifest.runs} == {
        e.experiment_id for e in manifest.experiments if e.name == "wine-classification"
    }


# ----------------------------------------------------------------------------------------- directory rules


def test_second_call_without_overwrite_fails_with_one_line(generated):
    before = (generated.path / MANIFEST_NAME).read_bytes()
    with pytest.raises(SampleProjectError) as info:
        create_sample_project(generated.path)
    message = str(info.value)
    assert isinstance(info.value, Mlflow2ProvError)
    assert "\n" not in message and "overwrite" in message and str(generated.path) in message
    assert (generated.path / MANIFEST_NAME).read_bytes() == before


def test_foreign_directory_is_refused_even_with_overwrite(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    for overwrite in (False, True):
        with pytest.raises(SampleProjectError) as info:
            create_sample_project(tmp_path, overwrite=overwrite)
        assert "\n" not in str(info.value) and "empty directory" in str(info.value)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(SampleProjectError, match="not a directory"):
        create_sample_project(tmp_path / "file")


def test_bad_seed_is_refused(tmp_path):
    for seed in (-1, 2**32, "1", True):
        with pytest.raises(SampleProjectError, match="seed"):
            create_sample_project(tmp_path / "demo", seed=seed)
    assert not (tmp_path / "demo").exists()


def test_overwrite_empties_only_a_previous_sample(tmp_path):
    previous = tmp_path / "old"
    (previous / "src").mkdir(parents=True)
    (previous / "src" / "train.py").write_text("print()", encoding="utf-8")
    (previous / MANIFEST_NAME).write_text(json.dumps({"generator": GENERATOR, "complete": False}), encoding="utf-8")
    os.chmod(previous / "src" / "train.py", 0o444)
    _prepare_directory(previous, overwrite=True)
    assert list(previous.iterdir()) == []
    with pytest.raises(SampleProjectError, match="unfinished"):
        (previous / MANIFEST_NAME).write_text(json.dumps({"generator": GENERATOR, "complete": False}))
        SampleManifest.load(previous)
    _prepare_directory(tmp_path / "new" / "nested", overwrite=False)
    assert (tmp_path / "new" / "nested").is_dir()


def test_regeneration_with_overwrite_is_deterministic(generated, tmp_path, monkeypatch):
    """Overwriting a copy of the generated project with the same seed gives the same structure;
    the caller's own MLflow settings neither leak into the training process nor get changed."""
    copy = tmp_path / "copy"
    shutil.copytree(generated.path, copy, symlinks=True)
    caller_store = tmp_path / "caller.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///" + caller_store.as_posix())
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "callers-experiment")
    again = create_sample_project(copy, seed=0, overwrite=True)
    assert not caller_store.exists()
    assert os.environ["MLFLOW_TRACKING_URI"] == "sqlite:///" + caller_store.as_posix()
    assert {e.name for e in again.experiments} == {"Default", "wine-classification"}
    first = generated.manifest
    assert [c.sha for c in again.commits] == [c.sha for c in first.commits]

    def shape(m: SampleManifest) -> list:
        return sorted(
            (
                r.name,
                r.status,
                r.user,
                r.deleted,
                r.parent_run_id is not None,
                r.params,
                r.artifacts,
                sorted((d.name, d.digest, d.context) for d in r.datasets),
                len(r.logged_model_ids),
                {k: len(v) for k, v in r.metric_history.items()},
            )
            for r in m.runs
        )

    assert shape(again) == shape(first)
    assert again.datasets == first.datasets
    assert len(again.logged_models) == len(first.logged_models)
    assert [(v.version, v.tags) for v in again.registered_models[0].versions] == [
        (v.version, v.tags) for v in first.registered_models[0].versions
    ]
    assert again.registered_models[0].aliases == first.registered_models[0].aliases
    assert {r.run_id for r in again.runs}.isdisjoint({r.run_id for r in first.runs})
    leftovers = {p.name for p in (copy / "mlartifacts" / "wine-classification").iterdir()} - {"models"}
    assert leftovers <= {r.run_id for r in again.runs}  # nothing of the overwritten project survives
    assert not (copy / "mlruns").exists()
