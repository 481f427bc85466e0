"""Spec §7 cases 59–65 (backends and options) and the reader's contract on bad input, process state and
read-only stores. Cases 59 and 61 read through real ``mlflow server`` processes on 127.0.0.1."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from types import SimpleNamespace

import mlflow
import pytest
from mlflow_server import MlflowServer, free_port
from mlflowstore import T0, StoreWriter, file_store_allowed, mlflow_doc, no_store_in_cwd, rels, saved_env  # noqa: F401  (autouse guard)

from mlflow2prov_jupyter.core.errors import MergeConflictError, SourceError
from mlflow2prov_jupyter.core.mlflow.build import build_mlflow
from mlflow2prov_jupyter.core.mlflow.reader import read_mlflow
from mlflow2prov_jupyter.core.mlflow.records import MlflowSnapshot, RunRecord
from mlflow2prov_jupyter.core.options import ExtractOptions
from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName
from mlflow2prov_jupyter.ops.merge import merge

SECRETS = ("pw-S3CRET", "tok-S3CRET", "sig-S3CRET", "secret-user")


def populate(s: StoreWriter) -> SimpleNamespace:
    """Every kind of MLflow object the model knows, with times fixed where MLflow lets a client fix them."""
    W = SimpleNamespace()
    W.e1 = s.experiment("main", tags={"team": "a", "mlflow.user": "alice"})
    W.e2 = s.experiment("gone", tags={"k": "v"})
    W.gone_run = s.run(W.e2, start=T0 + 100, end=T0 + 200, params={"p": "1"})
    s.client.delete_experiment(W.e2)
    W.parent = s.run(
        W.e1,
        name="parent",
        start=T0 + 1000,
        end=T0 + 9000,
        params={"lr": "0.1", "depth": "3"},
        tags={"mlflow.source.name": "train.py", "odd": " v\n"},
        metrics=[
            ("loss", 0.9, 0, T0 + 1100),
            ("loss", 0.5, 1, T0 + 1200),
            ("loss", 0.4, 1, T0 + 1250),
            ("nan", math.nan, 0, T0 + 1300),
            ("inf", math.inf, 0, T0 + 1300),
        ],
    )
    s.files(
        W.parent, {"model/MLmodel": "flavors: {}\n", "model/m.pkl": "y", "data/sub/f.txt": "hello", "notes.txt": "n"}
    )
    s.datasets(W.parent, [("wine", "d1", "training"), ("wine-test", "d2", "eval")])
    W.child = s.run(W.e1, parent=W.parent, user="bob", start=T0 + 2000, end=T0 + 3000)
    W.running = s.run(W.e1, status="RUNNING", start=T0 + 4000)
    W.deleted = s.run(W.e1, start=T0 + 5000, end=T0 + 5500, params={"x": "1"})
    s.client.delete_run(W.deleted)
    W.lm = s.logged_model(
        W.e1, "model", source_run_id=W.parent, params={"lr": "0.1"}, tags={"mlflow.user": "alice"}, step=3
    )
    s.client.log_metric(
        W.parent, "acc", 0.8, timestamp=T0 + 6000, step=2, model_id=W.lm, dataset_name="wine", dataset_digest="d1"
    )
    s.client.log_metric(W.parent, "f1", 0.7, timestamp=T0 + 6100, step=4, dataset_name="wine", dataset_digest="d1")
    W.eval = s.run(W.e1, start=T0 + 7000, end=T0 + 7100)
    s.model_input(W.eval, W.lm)
    W.free = s.logged_model(W.e1, "free", tags={"mlflow.source.git.commit": "b" * 40})
    # credentials in URIs (case 61): an artifact store with userinfo and tokens, a dataset source, a run link
    dead = free_port()
    W.e3 = s.client.create_experiment(
        "remote-art", artifact_location=f"http://secret-user:pw-S3CRET@127.0.0.1:{dead}/art?token=tok-S3CRET"
    )
    W.remote_run = s.run(W.e3, start=T0 + 8000, end=T0 + 8100)
    s.datasets(
        W.remote_run,
        [("secret-ds", "d9", None)],
        source='{"url": "https://secret-user:pw-S3CRET@data.example/x.csv?token=tok-S3CRET"}',
    )
    c = s.client
    c.create_registered_model("clf", tags={"mlflow.user": "bob", "team": "x"}, description="d")
    with s.fluent():
        c.create_model_version("clf", f"models:/{W.lm}", run_id=W.parent, model_id=W.lm)
    c.create_model_version(
        "clf",
        f"runs:/{W.parent}/model",
        run_id=W.parent,
        tags={"k": "v"},
        run_link="http://secret-user:pw-S3CRET@127.0.0.1/r?sig=sig-S3CRET",
    )
    c.set_registered_model_alias("clf", "champion", "2")
    c.set_registered_model_alias("clf", "challenger", "1")
    c.transition_model_version_stage("clf", "1", "Staging")
    return W


def _read(uri: str, **opts):
    with pytest.warns(UserWarning, match="artifacts_listed = false"):
        return mlflow_doc(uri, **opts)


@pytest.fixture(scope="module")
def sqlite_world(tmp_path_factory):
    d = tmp_path_factory.mktemp("sqlite-world")
    s = StoreWriter.sqlite(d)
    W = populate(s)
    W.store, W.dir = s, d
    W.doc, W.snap, W.inputs = _read(s.uri)
    return W


@pytest.fixture(scope="module")
def file_world(tmp_path_factory):
    d = tmp_path_factory.mktemp("file-world")
    s = StoreWriter.file(d)
    W = populate(s)
    W.store, W.dir = s, d
    W.checksum = s.checksum()
    W.doc, W.snap, W.inputs = _read(str(s.root))
    return W


@pytest.fixture(scope="module")
def sqlite_server(sqlite_world):
    with MlflowServer(sqlite_world.store.uri, sqlite_world.dir / "proxied") as server:
        yield server


@pytest.fixture(scope="module")
def file_server(file_world):
    with MlflowServer(file_world.store.uri, file_world.dir / "proxied") as server:
        yield server


def test_populated_store_has_every_kind(sqlite_world):
    kinds = {str(t) for el in sqlite_world.doc.elements.values() for t in el.types}
    for name in (
        "Experiment",
        "ExperimentCreation",
        "ExperimentDeletion",
        "ExperimentTag",
        "Run",
        "RunCreation",
        "RunDeletion",
        "Param",
        "Metric",
        "RunTag",
        "Artifact",
        "ModelArtifact",
        "LoggedModel",
        "LoggedModelParam",
        "LoggedModelTag",
        "Dataset",
        "RegisteredModel",
        "RegisteredModelCreation",
        "RegisteredModelTag",
        "ModelVersion",
        "ModelVersionCreation",
        "ModelVersionTag",
        "ModelAlias",
        "MlflowUser",
    ):
        assert f"m2p:{name}" in kinds, name
    run = sqlite_world.doc[f"mlflow:run/{sqlite_world.remote_run}"]
    assert run.get("m2p:artifacts_listed") is False
    assert any("artifacts_listed = false" in w for w in sqlite_world.snap.warnings)


@pytest.mark.server
def test_case_59_sqlite_direct_equals_server(sqlite_world, sqlite_server):
    via_http, _, _ = _read(sqlite_server.url)
    assert via_http.to_json() == sqlite_world.doc.to_json()


@pytest.mark.server
def test_case_59_file_store_direct_equals_server(file_world, file_server):
    via_http, _, _ = _read(file_server.url)
    assert via_http.to_json() == file_world.doc.to_json()


def _without(doc: ProvDoc, needle: str) -> ProvDoc:
    out = doc.copy()
    out.elements = {k: v for k, v in out.elements.items() if needle not in k}
    out.relations = [r for r in out.relations if not any(isinstance(a, str) and needle in a for a in r.args)]
    return out


def test_case_60_file_store_vs_migrated_sqlite(file_world, tmp_path):
    target = tmp_path / "migrated.db"
    with file_store_allowed():
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "mlflow",
                "migrate-filestore",
                "--source",
                str(file_world.store.root),
                "--target",
                f"sqlite:///{target}",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"},
            cwd=tmp_path,
        )
    if proc.returncode != 0 and "No such command" in proc.stderr:
        pytest.skip("this MLflow has no `mlflow migrate-filestore` command")
    assert proc.returncode == 0, proc.stderr[-2000:]
    migrated, _, _ = _read(f"sqlite:///{target}")
    R = f"mlflow:run/{file_world.parent}"
    # the one documented difference: a metric logged with a dataset and no model
    assert f"{R}/metric/f1/0" in file_world.doc and f"{R}/metric/f1/4" in migrated
    assert _without(migrated, "/metric/f1/") == _without(file_world.doc, "/metric/f1/")
    assert file_world.store.checksum() == file_world.checksum


@pytest.mark.server
def test_case_61_credentials_never_saved(sqlite_world, sqlite_server, tmp_path):
    from mlflow2prov_jupyter.ops.save import save

    port = sqlite_server.url.rsplit(":", 1)[1]
    before = dict(os.environ)
    doc, _, _ = _read(f"http://secret-user:pw-S3CRET@127.0.0.1:{port}")
    assert dict(os.environ) == before
    assert doc.to_json() == sqlite_world.doc.to_json()
    R = doc[f"mlflow:run/{sqlite_world.remote_run}"]
    assert R.get("m2p:artifact_uri").startswith("http://127.0.0.1:")
    assert "token" not in R.get("m2p:artifact_uri")
    paths = save(doc, tmp_path / "out", ["json", "xml", "rdf", "provn", "jsonld"])
    assert len(paths) == 5
    for p in paths:
        text = p.read_text(encoding="utf-8")
        for secret in SECRETS:
            assert secret not in text, (p.name, secret)
    assert "data.example/x.csv" in doc["mlflow:dataset/secret-ds/d9"].get("m2p:source")


def test_case_62_without_deleted(sqlite_world):
    doc, _, _ = _read(sqlite_world.store.uri, include_deleted=False)
    assert rels(doc, "wasInvalidatedBy") == []
    for el in doc.elements.values():
        assert el.get("m2p:lifecycle_stage") in (None, "active"), el.id
        assert not any(str(t).endswith("Deletion") for t in el.types), el.id
    assert f"mlflow:run/{sqlite_world.deleted}" not in doc
    assert f"mlflow:run/{sqlite_world.gone_run}" not in doc
    assert f"mlflow:experiment/{sqlite_world.e2}" not in doc
    assert f"mlflow:run/{sqlite_world.deleted}/deletion" in sqlite_world.doc


def test_case_63_windows_merge_to_the_whole(sqlite_world):
    t0 = "2000-01-01T00:00:00Z"
    t1 = datetime.fromtimestamp((T0 + 2500) / 1000, tz=timezone.utc).isoformat()
    t2 = "2100-01-01T00:00:00Z"
    early, _, _ = _read(sqlite_world.store.uri, since=t0, until=t1)
    late, _, _ = _read(sqlite_world.store.uri, since=t1, until=t2)
    whole, _, _ = _read(sqlite_world.store.uri, since=t0, until=t2)
    assert f"mlflow:run/{sqlite_world.parent}" in early and f"mlflow:run/{sqlite_world.parent}" not in late
    assert f"mlflow:run/{sqlite_world.eval}" in late and f"mlflow:run/{sqlite_world.eval}" not in early
    assert f"mlflow:run/{sqlite_world.parent}/param/lr" in early  # members with their run
    assert merge([early, late]) == whole
    assert whole == sqlite_world.doc


def test_case_64_two_stores_need_store_keys(tmp_path):
    a = StoreWriter.sqlite(tmp_path / "a")
    a.experiment("first")
    time.sleep(0.01)
    b = StoreWriter.sqlite(tmp_path / "b")
    b.experiment("second")
    da, _, _ = mlflow_doc(a.uri)
    db, _, _ = mlflow_doc(b.uri)
    ec = "mlflow:experiment/1/creation"
    assert da[ec].get("prov:startTime") != db[ec].get("prov:startTime")
    with pytest.raises(MergeConflictError) as err:
        merge([da, db])
    assert any(c["identifier"] == ec and c["attribute"] == "prov:startTime" for c in err.value.conflicts)
    ka, _, _ = mlflow_doc(a.uri, store_key="a")
    kb, _, _ = mlflow_doc(b.uri, store_key="b")
    assert ka.prefixes["mlflow"].endswith("/mlflow/a/") and kb.prefixes["mlflow"].endswith("/mlflow/b/")
    assert set(ka.elements) == set(da.elements)  # ids unchanged, only the namespace differs
    merged = merge([ka, kb])
    creations = [el for el in merged.elements.values() if QName("m2p:ExperimentCreation") in el.types]
    assert len(creations) == 2 * 2  # experiments 0 and 1 of each store


def test_case_65_running_then_finished(tmp_path):
    s = StoreWriter.sqlite(tmp_path)
    e = s.experiment("live")
    rid = s.run(e, start=T0, status="RUNNING", params={"a": "1"})
    s.client.log_metric(rid, "loss", 0.5, timestamp=T0 + 10, step=0)
    running, _, _ = mlflow_doc(s.uri)
    s.client.set_terminated(rid, status="FINISHED", end_time=T0 + 1000)
    finished, _, _ = mlflow_doc(s.uri)
    merged = merge([running, finished])
    R, RC = f"mlflow:run/{rid}", f"mlflow:run/{rid}/creation"
    assert "prov:endTime" not in running[RC].attrs
    assert merged[RC].get("prov:endTime") == datetime.fromtimestamp((T0 + 1000) / 1000, tz=timezone.utc)
    assert merged[R].values("m2p:status") == ("FINISHED", "RUNNING")


# ---------------------------------------------------------------------------------------------- bad input
def _one_line_error(fn, *args, **kw) -> str:
    with pytest.raises(SourceError) as err:
        fn(*args, **kw)
    msg = str(err.value)
    assert "\n" not in msg and msg
    return msg


def test_missing_path_is_one_line(tmp_path):
    missing = tmp_path / "nope" / "mlruns"
    msg = _one_line_error(read_mlflow, str(missing), ExtractOptions())
    assert str(missing) in msg and "does not exist" in msg
    msg = _one_line_error(read_mlflow, f"sqlite:///{tmp_path}/missing.db", ExtractOptions())
    assert "missing.db" in msg
    assert not (tmp_path / "missing.db").exists() and not missing.exists()
    import sqlite3

    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE experiments (a)")
    con.execute("CREATE TABLE runs (a)")
    con.commit()
    con.close()
    content = other.read_bytes()
    assert "not an MLflow tracking database" in _one_line_error(read_mlflow, f"sqlite:///{other}", ExtractOptions())
    assert other.read_bytes() == content  # MLflow never got to create its tables in it
    (tmp_path / "empty").mkdir()
    assert "not an MLflow file store" in _one_line_error(read_mlflow, str(tmp_path / "empty"), ExtractOptions())
    assert os.listdir(tmp_path / "empty") == []


def test_unreachable_server_fails_fast():
    port = free_port()
    start = time.monotonic()
    msg = _one_line_error(read_mlflow, f"http://127.0.0.1:{port}", ExtractOptions())
    assert time.monotonic() - start < 10
    assert f"127.0.0.1:{port}" in msg


def test_silent_server_times_out_fast():
    import socket

    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        start = time.monotonic()
        msg = _one_line_error(read_mlflow, f"http://127.0.0.1:{port}", ExtractOptions())
        assert time.monotonic() - start < 10
    assert "no answer within 5 s" in msg


def test_unknown_experiment_id(sqlite_world):
    msg = _one_line_error(read_mlflow, sqlite_world.store.uri, ExtractOptions.from_kwargs(experiment_ids=["1", "999"]))
    assert "'999'" in msg and "does not exist" in msg


# ------------------------------------------------------------------------------------------ process state
@pytest.mark.parametrize("preset", ["unset", "env", "explicit"])
def test_caller_tracking_uri_and_env_unchanged(file_world, tmp_path, monkeypatch, preset):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    with saved_env():
        from mlflowstore import global_uris

        old = global_uris()
        try:
            if preset == "env":
                os.environ["MLFLOW_TRACKING_URI"] = "sqlite:///elsewhere.db"
            elif preset == "explicit":
                mlflow.set_tracking_uri("file:///somewhere/else")
            env_before = dict(os.environ)
            uri_before = mlflow.get_tracking_uri()
            globals_before = global_uris()
            with pytest.warns(UserWarning, match="artifacts_listed"):
                snap = read_mlflow(str(file_world.store.root), ExtractOptions(), progress=False)
            assert dict(os.environ) == env_before
            assert mlflow.get_tracking_uri() == uri_before
            assert global_uris() == globals_before
            assert snap.registered_models and snap.runs
        finally:
            mlflow.set_tracking_uri(old[0])
    assert os.listdir(tmp_path) == []  # no mlflow.db, no mlruns in the cwd
    assert file_world.store.checksum() == file_world.checksum


def test_file_store_only_read(file_world):
    assert file_world.store.checksum() == file_world.checksum
    with pytest.warns(UserWarning, match="artifacts_listed"):
        read_mlflow(str(file_world.store.root), ExtractOptions.from_kwargs(metric_history="latest"), progress=False)
        read_mlflow(file_world.store.uri, ExtractOptions(), progress=False)
    assert file_world.store.checksum() == file_world.checksum


def test_sqlite_store_only_read(sqlite_world):
    import hashlib

    db = sqlite_world.store.root
    before = (hashlib.sha256(db.read_bytes()).hexdigest(), os.stat(db).st_mtime_ns)
    _read(sqlite_world.store.uri)
    assert (hashlib.sha256(db.read_bytes()).hexdigest(), os.stat(db).st_mtime_ns) == before


def test_registry_follows_experiment_scope(sqlite_world):
    scoped, snap, _ = mlflow_doc(sqlite_world.store.uri, experiment_ids=["1"])
    assert [rm.name for rm in snap.registered_models] == ["clf"]
    assert "mlflow:registered-model/clf/version/1" in scoped
    other, snap, _ = mlflow_doc(sqlite_world.store.uri, experiment_ids=["0"])
    assert snap.registered_models == [] and not any("registered-model" in e for e in other.elements)


def test_progress_bar(sqlite_world, capsys):
    read_mlflow(sqlite_world.store.uri, ExtractOptions.from_kwargs(experiment_ids=["1"]), progress=True)
    assert "MLflow runs" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------ options
def test_latest_is_subset_on_both_backends(sqlite_world, file_world):
    for W in (sqlite_world, file_world):
        uri = W.store.uri if W is sqlite_world else str(W.store.root)
        latest, _, _ = _read(uri, metric_history="latest")
        assert merge([W.doc, latest]) == merge([W.doc])
        R = f"mlflow:run/{W.parent}"
        assert f"{R}/metric/loss/1" in latest and f"{R}/metric/loss/0" not in latest
        assert W.doc[f"{R}/metric/loss/1"].get("m2p:value_count") == 2
        assert latest[f"{R}/metric/loss/1"].get("m2p:value") == 0.4


def test_artifact_depth_and_switch(sqlite_world):
    R = f"mlflow:run/{sqlite_world.parent}"
    top, _, _ = _read(sqlite_world.store.uri, artifact_max_depth=1)
    assert sorted(e[len(R) + 10 :] for e in top.elements if e.startswith(f"{R}/artifact/")) == [
        "data",
        "model",
        "notes.txt",
    ]
    off, _, _ = mlflow_doc(sqlite_world.store.uri, include_artifacts=False)
    assert not any("/artifact/" in e or "/model-artifact/" in e for e in off.elements)
    assert not any("artifact/" in r.target for r in rels(off, "wasDerivedFrom"))
    # version 2 (runs:/parent/model) names the run's logged model "model" first, with or without artifacts
    assert [r.target for r in rels(off, "wasDerivedFrom", "mlflow:registered-model/clf/version/2")] == [
        f"mlflow:model/{sqlite_world.lm}"
    ]


def test_max_text_length_and_store_key():
    run = RunRecord(run_id="r1", experiment_id="0", start_time=T0, params={"long": "x" * 50, "short": "y"})
    doc = ProvDoc()
    build_mlflow(doc, MlflowSnapshot(runs=[run]), ExtractOptions.from_kwargs(max_text_length=10, store_key="k 1"))
    long = doc["mlflow:run/r1/param/long"]
    assert long.get("m2p:value") == "x" * 10 and long.get("m2p:truncated") is True
    assert "m2p:truncated" not in doc["mlflow:run/r1/param/short"].attrs
    assert doc.prefixes["mlflow"] == "https://w3id.org/mlflow2prov-jupyter/mlflow/k%201/"


def test_extraction_is_deterministic(sqlite_world):
    again, _, _ = _read(sqlite_world.store.uri)
    assert again.to_json() == sqlite_world.doc.to_json()
