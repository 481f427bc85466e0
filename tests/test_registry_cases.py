"""Spec §7 cases 46–52 (model registry) on real SQLite stores; case 47 also through a real ``mlflow server``;
cases 51 ("bob") and 52 (Deleted_Internal) feed a constructed snapshot to the builder, as stock MLflow 3
sets no version user and returns no deleted version."""

from __future__ import annotations

from types import SimpleNamespace

import mlflow
import pytest
from mlflow_server import MlflowServer
from mlflowstore import T0, StoreWriter, mlflow_doc, no_store_in_cwd, rels  # noqa: F401  (autouse guard)

from mlflow2prov_jupyter.core.mlflow.build import build_mlflow
from mlflow2prov_jupyter.core.mlflow.records import (
    ExperimentRecord,
    MlflowSnapshot,
    ModelVersionRecord,
    RegisteredModelRecord,
    RunRecord,
)
from mlflow2prov_jupyter.core.options import ExtractOptions
from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName
from mlflow2prov_jupyter.core.values import from_millis

COLL = QName("prov:Collection")
CLF = "mlflow:registered-model/clf"


def q(name: str) -> QName:
    return QName(f"m2p:{name}")


def rc(rid: str) -> str:
    return f"mlflow:run/{rid}/creation"


@pytest.fixture(scope="module")
def reg(tmp_path_factory):
    """A registry: clf v1 (models:/m), v2 (runs:/R2/model), v3 (register_model → R2's absolute URI),
    v4 deleted; reg v1; aliases champion → 2, challenger → 1; v1 in stage Staging."""
    d = tmp_path_factory.mktemp("registry")
    s = StoreWriter.sqlite(d)
    W = SimpleNamespace(store=s, dir=d)
    W.e = s.experiment("reg")
    W.R = s.run(W.e, start=T0 + 1000, end=T0 + 2000, params={"lr": "0.1"})
    W.m = s.logged_model(W.e, "m", source_run_id=W.R, step=2)
    W.R2 = s.run(W.e, start=T0 + 3000, end=T0 + 4000)
    s.files(W.R2, {"model/MLmodel": "flavors: {}\n", "model/model.pkl": "x", "model2/MLmodel": "flavors: {}\n"})
    c = s.client
    c.create_registered_model("clf", tags={"team": "x", "mlflow.user": "bob"}, description="classifier")
    with s.fluent():  # MLflow's SQL registry looks the logged model up through the global tracking URI
        c.create_model_version("clf", f"models:/{W.m}", run_id=W.R, model_id=W.m, tags={"t1": "a"})
    c.create_model_version("clf", f"runs:/{W.R2}/model", run_id=W.R2)
    with s.fluent():
        W.v3 = mlflow.register_model(f"runs:/{W.R2}/model", "clf")
    c.create_model_version("clf", f"runs:/{W.R2}/model", run_id=W.R2)
    c.delete_model_version("clf", "4")
    c.create_registered_model("reg")
    c.create_model_version("reg", f"runs:/{W.R2}/model2", run_id=W.R2, tags={"t": "reg"})
    c.set_registered_model_alias("clf", "champion", "2")
    c.set_registered_model_alias("clf", "challenger", "1")
    c.transition_model_version_stage("clf", "1", "Staging")
    W.clf = c.get_registered_model("clf")
    W.versions = {int(v.version): v for v in c.search_model_versions("name='clf'")}
    W.doc, W.snap, W.inputs = mlflow_doc(s.uri)
    return W


def test_case_46_registered_model(reg):
    doc, rm = reg.doc, reg.clf
    el = doc[CLF]
    created = from_millis(rm.creation_timestamp)
    assert el.types == (q("RegisteredModel"), COLL)
    assert el.get("m2p:name") == "clf" and el.get("m2p:description") == "classifier"
    assert el.get("m2p:created_at") == created
    rmc = f"{CLF}/creation"
    assert doc[rmc].types == (q("RegisteredModelCreation"),)
    assert doc[rmc].get("prov:startTime") == doc[rmc].get("prov:endTime") == created
    (g,) = rels(doc, "wasGeneratedBy", CLF, rmc)
    assert g.roles == ("AddedRegisteredModel",) and g.time == created
    tag = f"{CLF}/tag/team"
    assert doc[tag].types == (q("RegisteredModelTag"),) and doc[tag].get("m2p:value") == "x"
    assert len(rels(doc, "hadMember", CLF, tag)) == 1
    assert [r.roles for r in rels(doc, "wasGeneratedBy", tag, rmc)] == [("AddedRegisteredModelTag",)]
    assert [r.target for r in rels(doc, "wasAttributedTo", CLF)] == ["user:mlflow/bob"]
    (a,) = rels(doc, "wasAssociatedWith", rmc)
    assert a.target == "user:mlflow/bob" and a.roles == ("RegisteredModelAuthor",)


def check_version_1(doc: ProvDoc, W) -> None:
    V = f"{CLF}/version/1"
    mvc = f"{V}/creation"
    L = f"mlflow:model/{W.m}"
    v = W.versions[1]
    el = doc[V]
    assert el.types == (q("ModelVersion"), COLL)
    assert (el.get("m2p:name"), el.get("m2p:version"), el.get("m2p:source")) == ("clf", 1, f"models:/{W.m}")
    assert el.get("m2p:run_id") == W.R and el.get("m2p:model_id") == W.m
    assert [r.target for r in rels(doc, "specializationOf", V)] == [CLF]
    created = from_millis(v.creation_timestamp)
    assert doc[mvc].get("prov:startTime") == doc[mvc].get("prov:endTime") == created
    (g,) = rels(doc, "wasGeneratedBy", V, mvc)
    assert g.roles == ("AddedModelVersion",) and g.time == created
    assert [r.target for r in rels(doc, "wasDerivedFrom", V)] == [L]
    (u,) = rels(doc, "used", mvc)
    assert u.target == L and u.roles == ("ModelSource",)
    assert [r.target for r in rels(doc, "wasInformedBy", mvc)] == [rc(W.R)]
    tag = f"{V}/tag/t1"
    assert len(rels(doc, "hadMember", V, tag)) == 1
    assert [r.roles for r in rels(doc, "wasGeneratedBy", tag, mvc)] == [("AddedModelVersionTag",)]


@pytest.fixture(scope="module")
def reg_http(reg):
    """The registry store read through a real ``mlflow server`` on 127.0.0.1."""
    with MlflowServer(reg.store.uri, reg.dir / "proxied") as server:
        doc, snap, _ = mlflow_doc(server.url)
        yield SimpleNamespace(server=server, doc=doc, snap=snap)


def test_case_47_version_from_logged_model(reg):
    check_version_1(reg.doc, reg)


@pytest.mark.server
def test_case_47_version_from_logged_model_via_http(reg, reg_http):
    check_version_1(reg_http.doc, reg)
    assert reg_http.doc.to_json() == reg.doc.to_json()


def test_case_48_version_from_run_model_artifact(reg):
    doc = reg.doc
    MA = f"mlflow:run/{reg.R2}/model-artifact/model"
    assert f"mlflow:run/{reg.R2}/model-artifact/model2" in doc
    v3_source = reg.versions[3].source
    assert v3_source.endswith("/model") and not v3_source.startswith("runs:/")
    assert reg.versions[2].source == f"runs:/{reg.R2}/model"
    for n in (2, 3):
        V = f"{CLF}/version/{n}"
        assert [r.target for r in rels(doc, "wasDerivedFrom", V)] == [MA]
        assert [(r.target, r.roles) for r in rels(doc, "used", f"{V}/creation")] == [(MA, ("ModelSource",))]
        assert [r.target for r in rels(doc, "wasInformedBy", f"{V}/creation")] == [rc(reg.R2)]
        assert "m2p:model_id" not in doc[V].attrs


def test_case_49_versions_specialize_their_own_model(reg):
    doc = reg.doc
    REG = "mlflow:registered-model/reg"
    assert [r.target for r in rels(doc, "specializationOf", f"{REG}/version/1")] == [REG]
    assert [r.target for r in rels(doc, "specializationOf", f"{CLF}/version/1")] == [CLF]
    assert [r.source for r in rels(doc, "hadMember", target=f"{REG}/version/1/tag/t")] == [f"{REG}/version/1"]
    assert [r.source for r in rels(doc, "hadMember", target=f"{CLF}/version/1/tag/t1")] == [f"{CLF}/version/1"]
    specs = [r for r in rels(doc, "specializationOf") if r.source.startswith("mlflow:registered-model/")]
    for r in specs:
        if "/version/" in r.source and "/alias/" not in r.source:
            assert r.source.startswith(r.target + "/version/")


def test_case_50_aliases(reg, tmp_path):
    from mlflow2prov_jupyter.ops.merge import merge

    doc = reg.doc
    for alias, ver in (("champion", 2), ("challenger", 1)):
        A = f"{CLF}/alias/{alias}/{ver}"
        el = doc[A]
        assert el.types == (q("ModelAlias"),)
        assert (el.get("m2p:alias"), el.get("m2p:name"), el.get("m2p:version")) == (alias, "clf", ver)
        assert [r.target for r in rels(doc, "specializationOf", A)] == [f"{CLF}/version/{ver}"]
    assert sorted(e for e in doc.elements if "/alias/" in e) == [
        f"{CLF}/alias/challenger/1",
        f"{CLF}/alias/champion/2",
    ]
    # moved alias: a small store, extracted before and after the move, merged
    s = StoreWriter.sqlite(tmp_path)
    e = s.experiment("a")
    r = s.run(e, start=T0, end=T0 + 1)
    s.client.create_registered_model("clf")
    for _ in range(3):
        s.client.create_model_version("clf", f"runs:/{r}/model", run_id=r)
    s.client.set_registered_model_alias("clf", "champion", "2")
    before, _, _ = mlflow_doc(s.uri)
    s.client.set_registered_model_alias("clf", "champion", "3")
    after, _, _ = mlflow_doc(s.uri)
    merged = merge([before, after])
    assert sorted(e for e in merged.elements if "/alias/" in e) == [
        f"{CLF}/alias/champion/2",
        f"{CLF}/alias/champion/3",
    ]
    for ver in (2, 3):
        assert [r.target for r in rels(merged, "specializationOf", f"{CLF}/alias/champion/{ver}")] == [
            f"{CLF}/version/{ver}"
        ]


def snapshot_with_version(**version_fields) -> MlflowSnapshot:
    """A registry snapshot: clf with one version (fields given), one run it was created from."""
    run = RunRecord(run_id="r1", experiment_id="1", name="r", start_time=T0, end_time=T0 + 10)
    v = ModelVersionRecord(
        name="clf",
        version=1,
        source="runs:/r1/model",
        run_id="r1",
        creation_timestamp=T0 + 100,
        last_updated_timestamp=T0 + 900,
        tags={"k": "v"},
        **version_fields,
    )
    rm = RegisteredModelRecord(name="clf", creation_timestamp=T0 + 50, versions=[v])
    return MlflowSnapshot(
        experiments=[ExperimentRecord("1", name="e", creation_time=T0)], runs=[run], registered_models=[rm]
    )


def test_case_51_stage_and_version_user(reg):
    doc = reg.doc
    V1 = f"{CLF}/version/1"
    assert doc[V1].get("m2p:stage") == "Staging"
    assert reg.versions[1].user_id in (None, "")
    assert "m2p:user_id" not in doc[V1].attrs
    assert rels(doc, "wasAttributedTo", V1) == [] and rels(doc, "wasAssociatedWith", f"{V1}/creation") == []
    fed = ProvDoc()
    inputs = build_mlflow(fed, snapshot_with_version(user_id="bob", stage="Staging"), ExtractOptions())
    V = f"{CLF}/version/1"
    assert fed[V].get("m2p:user_id") == "bob" and fed[V].get("m2p:stage") == "Staging"
    assert [r.target for r in rels(fed, "wasAttributedTo", V)] == ["user:mlflow/bob"]
    (a,) = rels(fed, "wasAssociatedWith", f"{V}/creation")
    assert a.target == "user:mlflow/bob" and a.roles == ("ModelVersionAuthor",)
    assert fed["user:mlflow/bob"].kind == "agent"
    assert [u.agent_id for u in inputs.users] == ["user:mlflow/bob"]


def test_case_52_deleted_version(reg):
    assert f"{CLF}/version/4" not in reg.doc
    assert 4 not in reg.versions
    fed = ProvDoc()
    build_mlflow(fed, snapshot_with_version(stage="Deleted_Internal"), ExtractOptions())
    V = f"{CLF}/version/1"
    mvd = f"{V}/deletion"
    t = from_millis(T0 + 900)
    assert fed[mvd].types == (q("ModelVersionDeletion"),)
    assert fed[mvd].get("prov:startTime") == fed[mvd].get("prov:endTime") == t
    inv = rels(fed, "wasInvalidatedBy", target=mvd)
    assert sorted(r.source for r in inv) == [V, f"{V}/tag/k"]
    assert all(r.roles == ("DeletedModelVersion",) and r.time == t for r in inv)
    hidden = ProvDoc()
    build_mlflow(hidden, snapshot_with_version(stage="Deleted_Internal"), ExtractOptions(include_deleted=False))
    assert mvd not in hidden and rels(hidden, "wasInvalidatedBy") == []


def test_version_source_rules_builder_fed():
    """§3 "Version source": LM location (path vs file: URI), run artifact root, unresolved, first match wins."""
    from mlflow2prov_jupyter.core.mlflow.records import ArtifactEntry, LoggedModelRecord

    run = RunRecord(
        run_id="r1",
        experiment_id="1",
        start_time=T0,
        artifact_uri="/store/1/r1/artifacts",
        artifacts=[
            ArtifactEntry("model", True),
            ArtifactEntry("model/MLmodel", False, 3),
            ArtifactEntry("plots", True),
            ArtifactEntry("plots/a.png", False, 9),
        ],
    )
    lm = LoggedModelRecord(
        model_id="m-1",
        experiment_id="1",
        name="net",
        source_run_id="r1",
        artifact_location="file:///store/1/models/m-1/artifacts",
        creation_timestamp=T0 + 5,
    )
    older = LoggedModelRecord(
        model_id="m-0", experiment_id="1", name="net", source_run_id="r1", creation_timestamp=T0 + 1
    )
    sources = {
        1: "/store/1/models/m-1/artifacts",  # under the LM's location (path form of its file: URI)
        2: "file:///store/1/r1/artifacts/model",  # under the run's root: the ModelArtifact
        3: "/store/1/r1/artifacts/plots/a.png",  # under the run's root: a plain Artifact
        4: "s3://elsewhere/model",  # unresolved: attribute only
        5: "runs:/r1/net",  # the run's newest LM named "net"
        6: "models:/m-0",
    }
    versions = [
        ModelVersionRecord(name="clf", version=n, source=src, run_id="r1", creation_timestamp=T0 + 10 + n)
        for n, src in sources.items()
    ]
    snap = MlflowSnapshot(
        experiments=[ExperimentRecord("1", name="e", creation_time=T0)],
        runs=[run],
        logged_models=[older, lm],
        registered_models=[RegisteredModelRecord(name="clf", creation_timestamp=T0 + 2, versions=versions)],
    )
    doc = ProvDoc()
    build_mlflow(doc, snap, ExtractOptions())
    expected = {
        1: "mlflow:model/m-1",
        2: "mlflow:run/r1/model-artifact/model",
        3: "mlflow:run/r1/artifact/plots/a.png",
        5: "mlflow:model/m-1",
        6: "mlflow:model/m-0",
    }
    for n in sources:
        V = f"{CLF}/version/{n}"
        got = [r.target for r in rels(doc, "wasDerivedFrom", V)]
        assert got == ([expected[n]] if n in expected else []), n
        assert doc[V].get("m2p:model_id") == (expected[n].rsplit("/", 1)[1] if n in (1, 5, 6) else None)
        assert [r.target for r in rels(doc, "wasInformedBy", f"{V}/creation")] == [rc("r1")]
    assert doc[f"{CLF}/version/4"].get("m2p:source") == "s3://elsewhere/model"
