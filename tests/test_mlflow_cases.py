"""Spec §7 cases 22–45 (MLflow side) on real stores: SQLite unless a case says otherwise; case 37 logs
through a real ``mlflow server`` on 127.0.0.1; case 45 links to a real Git repository."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from types import SimpleNamespace

import mlflow
import pytest
from mlflow_server import MlflowServer
from mlflowstore import T0, StoreWriter, mlflow_doc, no_store_in_cwd, rels, touching  # noqa: F401  (autouse guard)

from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName
from mlflow2prov_jupyter.core.values import from_millis

COLL = QName("prov:Collection")


def q(name: str) -> QName:
    return QName(f"m2p:{name}")


def utc(ms: int) -> datetime:
    return from_millis(ms)


class Identity(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One SQLite store holding the objects of cases 22–44, read once per option set."""
    s = StoreWriter.sqlite(tmp_path_factory.mktemp("world"))
    W = SimpleNamespace(store=s, client=s.client)
    W.a = s.experiment("exp-a", tags={"k": "v", "mlflow.user": "alice"})
    W.b = s.experiment("exp-b")
    W.d = s.experiment("exp-del", tags={"k": "v"})
    W.del_runs = [
        s.run(W.d, start=T0 + 100, end=T0 + 200, params={"p": "1"}),
        s.run(W.d, start=T0 + 300, end=T0 + 400),
    ]
    s.client.delete_experiment(W.d)
    W.exp_a = s.client.get_experiment(W.a)
    W.exp_d = s.client.get_experiment(W.d)
    W.r_train = s.run(
        W.a,
        user="alice",
        name="train",
        start=T0 + 1000,
        end=T0 + 61000,
        params={"lr": "0.1"},
        metrics=[
            ("loss", 0.9, 0, T0 + 2000),
            ("loss", 0.5, 1, T0 + 3000),
            ("loss", 0.3, 2, T0 + 4000),
            ("dup", 5.0, 3, T0 + 5000),
            ("dup", 1.0, 3, T0 + 6000),
            ("nanm", math.nan, 0, T0 + 7000),
            ("infm", math.inf, 0, T0 + 7000),
        ],
    )
    W.r_running = s.run(W.a, name="running", start=T0 + 2000, status="RUNNING")
    W.r_nouser = s.run(W.a, user="", start=T0 + 3000, end=T0 + 4000)
    W.odd_tags = {
        "odd": "  x\n",
        "mlflow.source.name": "src/train.py",
        "mlflow.source.type": "LOCAL",
        "mlflow.source.git.commit": "a" * 40,
        "mlflow.source.git.branch": "main",
        "mlflow.note.content": " note ",
    }
    W.r_tags = s.run(W.a, start=T0 + 4000, end=T0 + 5000, tags=W.odd_tags)
    W.r_art = s.run(W.a, start=T0 + 5000, end=T0 + 6000)
    W.art_files = {
        "model/MLmodel": "flavors: {}\n",
        "model/model.pkl": b"\x80\x04K\x01.",
        "data/sub/f.txt": "hello",
        "metrics.json": "{}",
    }
    s.files(W.r_art, W.art_files)
    W.r_notmodel = s.run(W.a, start=T0 + 6000, end=T0 + 7000)
    s.files(W.r_notmodel, {"m/notMLmodel": "x"})
    W.parent = s.run(W.a, name="parent", start=T0 + 10000, end=T0 + 20000)
    W.c1 = s.run(W.a, parent=W.parent, start=T0 + 11000, end=T0 + 12000)
    W.c2 = s.run(W.a, parent=W.parent, start=T0 + 12000, end=T0 + 13000)
    W.pb = s.run(W.b, name="outside parent", start=T0 + 14000, end=T0 + 15000)
    W.cb = s.run(W.a, parent=W.pb, start=T0 + 14500, end=T0 + 14900)
    W.r_del = s.run(W.a, start=T0 + 16000, end=T0 + 17000, params={"p": "1"}, tags={"t": "1"})
    s.client.delete_run(W.r_del)
    W.r_bob = s.run(W.a, user="bob", start=T0 + 18000, end=T0 + 19000)
    W.ds1 = s.run(W.a, start=T0 + 20000, end=T0 + 21000)
    s.datasets(W.ds1, [("wine", "d1", "training"), ("wine-test", "d2", "eval")])
    W.ds2 = s.run(W.a, start=T0 + 22000, end=T0 + 23000)
    s.datasets(W.ds2, [("wine", "d1", "training")])
    # 42/43: a real log_model at step 5 in a run that logged a param before
    W.r_model = s.run(W.a, start=T0 + 24000, status="RUNNING", params={"alpha": "0.5"})
    with s.fluent():
        with mlflow.start_run(run_id=W.r_model):
            info = mlflow.pyfunc.log_model(name="model", python_model=Identity(), step=5, pip_requirements=["mlflow"])
    W.m = info.model_id
    W.lm = s.client.get_logged_model(W.m)
    # logged for the model after it exists (a metric logged before its model is only influenced by it, #33)
    s.client.log_metric(
        W.r_model,
        "acc",
        0.8,
        timestamp=W.lm.creation_timestamp + 1000,
        step=1,
        model_id=W.m,
        dataset_name="wine",
        dataset_digest="d1",
    )
    W.r_eval = s.run(W.a, start=T0 + 40000, end=T0 + 41000)
    s.model_input(W.r_eval, W.m)
    W.doc, W.snap, W.inputs = mlflow_doc(s.uri)
    return W


def run_id(rid: str) -> str:
    return f"mlflow:run/{rid}"


def rc(rid: str) -> str:
    return f"mlflow:run/{rid}/creation"


# ----------------------------------------------------------------------------------------------- experiments
def test_case_22_experiment(world):
    doc, X = world.doc, "mlflow:experiment/1"
    assert world.a == "1"
    ec = f"{X}/creation"
    created = utc(world.exp_a.creation_time)
    e = doc[X]
    assert e.kind == "entity" and e.types == (q("Experiment"), COLL)
    assert e.get("m2p:experiment_id") == "1" and e.get("m2p:name") == "exp-a"
    assert e.get("m2p:lifecycle_stage") == "active" and e.get("m2p:created_at") == created
    assert list(e.attrs)[:3] == ["prov:type", "prov:label", "m2p:experiment_id"]
    assert doc[ec].get("prov:startTime") == doc[ec].get("prov:endTime") == created
    assert doc[ec].types == (q("ExperimentCreation"),)
    (g,) = rels(doc, "wasGeneratedBy", X, ec)
    assert g.roles == ("AddedExperiment",) and g.time == created
    tag = f"{X}/tag/k"
    assert doc[tag].get("m2p:key") == "k" and doc[tag].get("m2p:value") == "v"
    assert len(rels(doc, "hadMember", X, tag)) == 1
    assert [r.roles for r in rels(doc, "wasGeneratedBy", tag, ec)] == [("AddedExperimentTag",)]
    assert f"{X}/tag/mlflow.user" in doc
    assert len(rels(doc, "wasAttributedTo", X, "user:mlflow/alice")) == 1
    (a,) = rels(doc, "wasAssociatedWith", ec)
    assert a.target == "user:mlflow/alice" and a.roles == ("ExperimentAuthor",)
    agent = doc["user:mlflow/alice"]
    assert agent.kind == "agent" and agent.types == (q("MlflowUser"), QName("prov:Person"))
    assert agent.get("m2p:username") == "alice"


def test_case_23_experiment_without_user(world):
    doc, X = world.doc, "mlflow:experiment/2"
    assert doc[X].get("m2p:name") == "exp-b"
    assert rels(doc, "wasAttributedTo", X) == []
    assert rels(doc, "wasAssociatedWith", f"{X}/creation") == []


def test_case_24_experiment_renamed_and_merged(tmp_path):
    from mlflow2prov_jupyter.ops.merge import merge

    s = StoreWriter.sqlite(tmp_path)
    eid = s.experiment("before")
    d1, _, _ = mlflow_doc(s.uri)
    s.client.rename_experiment(eid, "after")
    d2, _, _ = mlflow_doc(s.uri)
    merged = merge([d1, d2])
    X = f"mlflow:experiment/{eid}"
    assert merged[X].values("m2p:name") == ("after", "before")
    assert len([e for e in merged.elements if e == X]) == 1
    assert len(rels(merged, "wasGeneratedBy", X)) == 1


def test_case_25_deleted_experiment_and_cascaded_runs(world):
    doc = world.doc
    X = f"mlflow:experiment/{world.d}"
    ed = f"{X}/deletion"
    t1 = utc(world.exp_d.last_update_time)
    assert doc[X].get("m2p:lifecycle_stage") == "deleted"
    assert doc[ed].get("prov:startTime") == doc[ed].get("prov:endTime") == t1
    assert doc[ed].types == (q("ExperimentDeletion"),)
    inv = rels(doc, "wasInvalidatedBy", target=ed)
    assert sorted(r.source for r in inv) == [X, f"{X}/tag/k"]
    assert all(r.roles == ("DeletedExperiment",) and r.time == t1 for r in inv)
    for rid in world.del_runs:
        R, rd = run_id(rid), f"{run_id(rid)}/deletion"
        assert doc[R].get("m2p:lifecycle_stage") == "deleted"
        assert [r.target for r in rels(doc, "wasInvalidatedBy", R)] == [rd]
        assert rels(doc, "wasAssociatedWith", rd) == []
    assert rels(doc, "wasAssociatedWith", ed) == []
    members = [r.target for r in rels(doc, "hadMember", run_id(world.del_runs[0]))]
    assert len(rels(doc, "wasInvalidatedBy", target=f"{run_id(world.del_runs[0])}/deletion")) == 1 + len(members)


def test_case_26_finished_run(world):
    doc, rid = world.doc, world.r_train
    R = run_id(rid)
    run = doc[R]
    assert run.types == (q("Run"), COLL)
    assert run.get("m2p:run_id") == rid and run.get("m2p:name") == "train"
    assert run.get("m2p:status") == "FINISHED" and run.get("m2p:user") == "alice"
    assert run.get("m2p:experiment_id") == "1"
    assert doc[rc(rid)].get("prov:startTime") == utc(T0 + 1000)
    assert doc[rc(rid)].get("prov:endTime") == utc(T0 + 61000)
    assert len(rels(doc, "hadMember", "mlflow:experiment/1", R)) == 1
    (g,) = rels(doc, "wasGeneratedBy", R, rc(rid))
    assert g.roles == ("AddedRun",) and g.time == utc(T0 + 1000)
    assert [r.target for r in rels(doc, "wasAttributedTo", R)] == ["user:mlflow/alice"]
    (a,) = rels(doc, "wasAssociatedWith", rc(rid))
    assert a.target == "user:mlflow/alice" and a.roles == ("RunAuthor",)


def _all_times(doc: ProvDoc):
    for el in doc.elements.values():
        for v in el.attrs.values():
            for x in v if isinstance(v, tuple) else (v,):
                if isinstance(x, datetime):
                    yield x
    for r in doc.relations:
        for x in list(r.args) + [v for v in (r.attrs or {}).values()]:
            if isinstance(x, datetime):
                yield x


def test_case_27_running_run(world):
    doc, rid = world.doc, world.r_running
    assert doc[run_id(rid)].get("m2p:status") == "RUNNING"
    act = doc[rc(rid)]
    assert act.get("prov:startTime") == utc(T0 + 2000) and "prov:endTime" not in act.attrs
    assert min(_all_times(doc)) >= datetime(1971, 1, 1, tzinfo=timezone.utc)


def test_case_28_run_without_user(world):
    doc, rid = world.doc, world.r_nouser
    R = run_id(rid)
    assert "m2p:user" not in doc[R].attrs
    assert rels(doc, "wasAttributedTo", R) == [] and rels(doc, "wasAssociatedWith", rc(rid)) == []


def test_case_29_param(world):
    doc, rid = world.doc, world.r_train
    P = f"{run_id(rid)}/param/lr"
    assert doc[P].types == (q("Param"),)
    assert doc[P].get("m2p:key") == "lr" and doc[P].get("m2p:value") == "0.1"
    assert isinstance(doc[P].get("m2p:value"), str)
    assert len(rels(doc, "hadMember", run_id(rid), P)) == 1
    (g,) = rels(doc, "wasGeneratedBy", P, rc(rid))
    assert g.roles == ("AddedParam",) and g.time is None


def test_case_30_metric_history(world):
    doc, rid = world.doc, world.r_train
    for step, value, ts in ((0, 0.9, T0 + 2000), (1, 0.5, T0 + 3000), (2, 0.3, T0 + 4000)):
        M = f"{run_id(rid)}/metric/loss/{step}"
        m = doc[M]
        assert m.types == (q("Metric"),)
        assert (m.get("m2p:key"), m.get("m2p:value"), m.get("m2p:step"), m.get("m2p:timestamp")) == (
            "loss",
            value,
            step,
            utc(ts),
        )
        assert "m2p:value_count" not in m.attrs
        (g,) = rels(doc, "wasGeneratedBy", M, rc(rid))
        assert g.roles == ("AddedMetric",) and g.time == utc(ts)
        assert len(rels(doc, "hadMember", run_id(rid), M)) == 1
    assert len([e for e in doc.elements if e.startswith(f"{run_id(rid)}/metric/loss/")]) == 3


def test_case_31_latest_metric_only(world):
    from mlflow2prov_jupyter.ops.merge import merge

    latest, _, _ = mlflow_doc(world.store.uri, metric_history="latest")
    prefix = f"{run_id(world.r_train)}/metric/loss/"
    assert [e for e in latest.elements if e.startswith(prefix)] == [prefix + "2"]
    assert latest[prefix + "2"].attrs == world.doc[prefix + "2"].attrs
    merged = merge([world.doc, latest])
    assert merged == merge([world.doc])
    assert len(merged.elements) == len(world.doc.elements)
    assert len(merged.relations) == len(world.doc.relations)


def test_case_32_two_values_at_one_step(world):
    doc, rid = world.doc, world.r_train
    M = f"{run_id(rid)}/metric/dup/3"
    assert [e for e in doc.elements if e.startswith(f"{run_id(rid)}/metric/dup/")] == [M]
    assert doc[M].get("m2p:value") == 1.0 and doc[M].get("m2p:timestamp") == utc(T0 + 6000)
    assert doc[M].get("m2p:value_count") == 2
    assert len(rels(doc, "wasGeneratedBy", M)) == 1


def test_case_33_non_finite_metrics(world):
    doc, rid = world.doc, world.r_train
    assert doc[f"{run_id(rid)}/metric/nanm/0"].get("m2p:value") == "NaN"
    assert doc[f"{run_id(rid)}/metric/infm/0"].get("m2p:value") == "INF"
    text = doc.to_json()
    assert '"NaN"' in text and '"INF"' in text
    assert ProvDoc.from_json(text) == doc
    assert ProvDoc.from_json(text).to_json() == text


def test_case_34_tag_values_verbatim(world):
    doc, rid = world.doc, world.r_tags
    R = run_id(rid)
    for key, value in world.odd_tags.items():
        T = f"{R}/tag/{key}"
        assert doc[T].types == (q("RunTag"),)
        assert doc[T].get("m2p:key") == key and doc[T].get("m2p:value") == value
        assert [r.roles for r in rels(doc, "wasGeneratedBy", T, rc(rid))] == [("AddedRunTag",)]
    for key in ("mlflow.user", "mlflow.runName"):
        assert f"{R}/tag/{key}" in doc
    assert doc[R].get("m2p:source_name") == "src/train.py"
    assert doc[R].get("m2p:source_type") == "LOCAL"
    assert doc[R].get("m2p:source_git_commit") == "a" * 40
    assert doc[R].get("m2p:source_git_branch") == "main"
    src = next(s for s in world.inputs.runs if s.run_creation_id == rc(rid))
    assert src.source_git_commit == "a" * 40 and src.source_name == "src/train.py"
    assert src.start_time == utc(T0 + 4000)


EXPECTED_ARTIFACTS = {
    "data": (True, None),
    "data/sub": (True, None),
    "data/sub/f.txt": (False, 5),
    "metrics.json": (False, 2),
    "model": (True, None),
    "model/MLmodel": (False, len("flavors: {}\n")),
    "model/model.pkl": (False, 5),
}


def artifact_view(doc: ProvDoc, rid: str) -> dict:
    """{path: (is_dir, file_size, types)} of a run's Artifacts, plus its #24 and #25 relations."""
    R = run_id(rid)
    arts = {}
    for eid, el in doc.elements.items():
        if eid.startswith(f"{R}/artifact/"):
            arts[el.get("m2p:path")] = (el.get("m2p:is_dir"), el.get("m2p:file_size"), el.types)
    nested = sorted(
        (r.source[len(R) + 10 :], r.target[len(R) + 10 :])
        for r in rels(doc, "hadMember")
        if r.source.startswith(f"{R}/artifact/")
    )
    spec = sorted(
        (r.source, r.target) for r in rels(doc, "specializationOf") if r.source.startswith(f"{R}/model-artifact/")
    )
    return {"artifacts": arts, "nested": nested, "model_artifacts": spec}


def test_case_35_artifacts(world):
    doc, rid = world.doc, world.r_art
    R = run_id(rid)
    view = artifact_view(doc, rid)
    assert {p: v[:2] for p, v in view["artifacts"].items()} == EXPECTED_ARTIFACTS
    assert view["artifacts"]["data"][2] == (q("Artifact"), COLL)
    assert view["artifacts"]["metrics.json"][2] == (q("Artifact"),)
    assert view["nested"] == [
        ("data", "data/sub"),
        ("data/sub", "data/sub/f.txt"),
        ("model", "model/MLmodel"),
        ("model", "model/model.pkl"),
    ]
    MA = f"{R}/model-artifact/model"
    assert doc[MA].types == (q("ModelArtifact"),) and doc[MA].get("m2p:path") == "model"
    assert view["model_artifacts"] == [(MA, f"{R}/artifact/model")]
    members = {r.target for r in rels(doc, "hadMember", R)}
    assert {f"{R}/artifact/{p}" for p in EXPECTED_ARTIFACTS} | {MA} <= members
    for p in EXPECTED_ARTIFACTS:
        assert [r.roles for r in rels(doc, "wasGeneratedBy", f"{R}/artifact/{p}", rc(rid))] == [("AddedArtifact",)]
    assert [r.roles for r in rels(doc, "wasGeneratedBy", MA, rc(rid))] == [("AddedModelArtifact",)]
    assert "m2p:artifacts_listed" not in doc[R].attrs


def test_case_36_dir_without_mlmodel(world):
    doc, R = world.doc, run_id(world.r_notmodel)
    assert f"{R}/artifact/m/notMLmodel" in doc
    assert [e for e in doc.elements if e.startswith(f"{R}/model-artifact/")] == []


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The run of case 35 logged through ``mlflow server --serve-artifacts`` (``mlflow-artifacts:`` URIs)."""
    d = tmp_path_factory.mktemp("served")
    store = StoreWriter.sqlite(d)
    with MlflowServer(store.uri, d / "proxied") as server:
        remote = StoreWriter("http", server.url, d / "mlflow.db", d / "proxied")
        eid = remote.client.create_experiment("served")
        rid = remote.run(eid, start=T0 + 5000, end=T0 + 6000)
        yield SimpleNamespace(server=server, store=store, remote=remote, eid=eid, rid=rid)


@pytest.mark.server
def test_case_37_artifacts_through_server(world, served):
    files = dict(world.art_files)
    served.remote.files(served.rid, files)
    run = served.remote.client.get_run(served.rid)
    assert run.info.artifact_uri.startswith("mlflow-artifacts:")
    doc, snap, _ = mlflow_doc(served.server.url)
    (r,) = [r for r in snap.runs if r.run_id == served.rid]
    assert r.artifacts_listed
    got, expected = artifact_view(doc, served.rid), artifact_view(world.doc, world.r_art)
    assert got["artifacts"] == expected["artifacts"]
    assert got["nested"] == expected["nested"]
    assert [s.rsplit("/model-artifact/", 1)[1] for s, _ in got["model_artifacts"]] == ["model"]
    assert doc[run_id(served.rid)].get("m2p:artifact_uri") == run.info.artifact_uri


def test_case_38_parent_and_children(world):
    doc = world.doc
    for child, start in ((world.c1, T0 + 11000), (world.c2, T0 + 12000)):
        assert doc[run_id(child)].get("m2p:parent_run_id") == world.parent
        (s,) = rels(doc, "wasStartedBy", rc(child))
        assert s.target == rc(world.parent) and s.time == utc(start)
    assert rels(doc, "wasStartedBy", rc(world.parent)) == []
    assert len(rels(doc, "wasStartedBy", rc(world.cb))) == 1  # parent in experiment 2, in scope
    scoped, _, _ = mlflow_doc(world.store.uri, experiment_ids=["1"])
    assert scoped[run_id(world.cb)].get("m2p:parent_run_id") == world.pb
    assert run_id(world.pb) not in scoped
    assert rels(scoped, "wasStartedBy", rc(world.cb)) == []
    assert len(rels(scoped, "wasStartedBy", rc(world.c1))) == 1


def test_case_39_deleted_run(world):
    doc, rid = world.doc, world.r_del
    R, rd = run_id(rid), f"{run_id(world.r_del)}/deletion"
    act = doc[rd]
    assert act.types == (q("RunDeletion"),)
    assert "prov:startTime" not in act.attrs and "prov:endTime" not in act.attrs
    members = sorted(r.target for r in rels(doc, "hadMember", R))
    assert f"{R}/param/p" in members and f"{R}/tag/t" in members
    inv = rels(doc, "wasInvalidatedBy", target=rd)
    assert sorted(r.source for r in inv) == sorted([R] + members)
    assert all(r.roles == ("DeletedRun",) and r.time is None for r in inv)
    assert touching(doc, rd) == inv  # no association, nothing else
    assert doc[rc(rid)].get("prov:endTime") == utc(T0 + 17000)


def test_case_40_two_users(world):
    doc = world.doc
    assert doc["user:mlflow/bob"].get("m2p:username") == "bob"
    assert [r.target for r in rels(doc, "wasAttributedTo", run_id(world.r_bob))] == ["user:mlflow/bob"]
    assert [r.target for r in rels(doc, "wasAttributedTo", run_id(world.r_train))] == ["user:mlflow/alice"]
    assert len([e for e in doc.elements if e == "user:mlflow/alice"]) == 1
    users = {u.agent_id: u.username for u in world.inputs.users}
    assert users["user:mlflow/alice"] == "alice" and users["user:mlflow/bob"] == "bob"


def test_case_41_datasets(world):
    doc = world.doc
    wine, test = "mlflow:dataset/wine/d1", "mlflow:dataset/wine-test/d2"
    for D, name, digest in ((wine, "wine", "d1"), (test, "wine-test", "d2")):
        d = doc[D]
        assert d.types == (q("Dataset"),)
        assert (d.get("m2p:name"), d.get("m2p:digest"), d.get("m2p:source_type")) == (name, digest, "local")
        assert d.get("m2p:source") == f'{{"uri": "/data/{name}.csv"}}'
        assert d.get("m2p:schema") == '{"mlflow_colspec": [{"type": "double", "name": "x"}]}'
    assert [r.roles for r in rels(doc, "used", rc(world.ds1), wine)] == [("training",)]
    assert [r.roles for r in rels(doc, "used", rc(world.ds1), test)] == [("eval",)]
    assert [r.roles for r in rels(doc, "used", rc(world.ds2), wine)] == [("training",)]
    assert len(rels(doc, "used", target=wine)) == 2
    assert len([e for e in doc.elements if e.startswith("mlflow:dataset/")]) == 2


def test_case_42_logged_model(world):
    doc, lm = world.doc, world.lm
    L = f"mlflow:model/{world.m}"
    el = doc[L]
    assert el.types == (q("LoggedModel"), COLL)
    assert el.get("m2p:model_id") == world.m and el.get("m2p:name") == "model"
    assert el.get("m2p:source_run_id") == world.r_model and el.get("m2p:experiment_id") == "1"
    assert el.get("m2p:status") == "READY" and el.get("m2p:created_at") == utc(lm.creation_timestamp)
    members = {r.target for r in rels(doc, "hadMember", L)}
    assert f"{L}/param/alpha" in members and doc[f"{L}/param/alpha"].get("m2p:value") == "0.5"
    assert {f"{L}/tag/{k}" for k in lm.tags} <= members
    assert doc[f"{L}/param/alpha"].types == (q("LoggedModelParam"),)
    (g,) = rels(doc, "wasGeneratedBy", L)
    assert g.target == rc(world.r_model) and g.roles == ("OutputModel",)
    assert g.values("m2p:step") == (5,) and g.time == utc(lm.creation_timestamp)
    assert len(rels(doc, "hadMember", "mlflow:experiment/1", L)) == 1
    user = lm.tags["mlflow.user"]
    assert [r.target for r in rels(doc, "wasAttributedTo", L)] == [f"user:mlflow/{user}"]


def test_case_43_metric_links(world):
    doc = world.doc
    M = f"{run_id(world.r_model)}/metric/acc/1"
    m = doc[M]
    assert m.get("m2p:model_id") == world.m
    assert (m.get("m2p:dataset_name"), m.get("m2p:dataset_digest")) == ("wine", "d1")
    assert sorted(r.target for r in rels(doc, "wasDerivedFrom", M)) == [
        "mlflow:dataset/wine/d1",
        f"mlflow:model/{world.m}",
    ]


def test_case_44_model_input(world):
    doc = world.doc
    (u,) = rels(doc, "used", rc(world.r_eval))
    assert u.target == f"mlflow:model/{world.m}" and u.roles == ("InputModel",)


def test_case_45_logged_model_without_run_links_commit(tmp_path):
    from gitrepo import GitRepo

    from mlflow2prov_jupyter.core.extract import extract

    repo = GitRepo(tmp_path / "repo")
    shas = []
    for i in range(3):
        repo.write("a.py", f"x = {i}\n")
        shas.append(repo.commit(f"C{i}"))
    s = StoreWriter.sqlite(tmp_path / "store")
    eid = s.experiment("genai")
    mid = s.logged_model(eid, "agent", tags={"mlflow.source.git.commit": shas[2]})
    doc = extract(str(repo.path), s.uri, include_refs=False)
    L = f"mlflow:model/{mid}"
    assert doc[L].get("m2p:source_run_id") is None
    assert rels(doc, "wasGeneratedBy", L) == []
    assert [r.target for r in rels(doc, "wasInfluencedBy", L)] == [f"git:commit/{shas[2]}"]
