"""MLflow's placeholder user ``unknown`` means *no user* (docs/prov-model.md "Users"): no agent, no relation,
no error; the ``mlflow.user`` tag itself stays. A real SQLite store for experiments, runs, logged and registered
models; the builder fed directly for a model version (stock MLflow never sets a version's user_id)."""

from __future__ import annotations

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
from mlflow2prov_jupyter.core.provdoc import ProvDoc

USER_RELATIONS = ("wasAttributedTo", "wasAssociatedWith", "actedOnBehalfOf")


def test_placeholder_user_unknown_is_no_user(tmp_path):
    s = StoreWriter.sqlite(tmp_path)
    exp = s.experiment("e", tags={"mlflow.user": "unknown"})
    run = s.run(exp, user=" unknown ", start=T0, end=T0 + 10)
    alice = s.run(exp, user="alice", start=T0 + 20, end=T0 + 30)
    model = s.logged_model(exp, "m", source_run_id=run, tags={"mlflow.user": "unknown"})
    s.client.create_registered_model("clf", tags={"mlflow.user": "unknown"})

    doc, snap, inputs = mlflow_doc(s.uri, user_map=[{"name": "unknown"}])
    assert snap.users == ["alice"]
    assert [e.id for e in doc.elements.values() if e.kind == "agent"] == ["user:mlflow/alice"]
    assert [u.username for u in inputs.users] == ["alice"]
    owners = [f"mlflow:experiment/{exp}", f"mlflow:run/{run}", f"mlflow:model/{model}", "mlflow:registered-model/clf"]
    for owner in owners:
        assert "m2p:user" not in doc[owner].attrs
        assert doc[f"{owner}/tag/mlflow.user"].get("m2p:value") in ("unknown", " unknown ")  # the tag stays
    by_user = sorted((r.kind, r.source, r.target) for r in doc.relations if r.kind in USER_RELATIONS)
    assert by_user == [
        ("wasAssociatedWith", f"mlflow:run/{alice}/creation", "user:mlflow/alice"),
        ("wasAttributedTo", f"mlflow:run/{alice}", "user:mlflow/alice"),
    ]
    assert doc[f"mlflow:run/{alice}"].get("m2p:user") == "alice"


def test_placeholder_version_user_id_is_no_user():
    version = ModelVersionRecord(name="clf", version=1, user_id="unknown", creation_timestamp=T0 + 5)
    snap = MlflowSnapshot(
        experiments=[ExperimentRecord("1", name="e", creation_time=T0)],
        runs=[RunRecord(run_id="r1", experiment_id="1", user_id="unknown", start_time=T0)],
        registered_models=[RegisteredModelRecord(name="clf", creation_timestamp=T0, versions=[version])],
    )
    doc = ProvDoc()
    inputs = build_mlflow(doc, snap, ExtractOptions())
    V = "mlflow:registered-model/clf/version/1"
    assert doc[V].get("m2p:user_id") == "unknown"  # MLflow's value, kept as read
    assert "m2p:user" not in doc["mlflow:run/r1"].attrs
    assert not [e for e in doc.elements.values() if e.kind == "agent"] and inputs.users == []
    assert not [r for r in doc.relations if r.kind in USER_RELATIONS]
