"""A small hand-built document in the ids and relations of docs/prov-model.md.

Three commits, one experiment with three runs, a logged model, a registered model with three versions and
two aliases — enough for lineage, passport, diff and validation examples without Git or MLflow. It is
valid PROV: ``validate(example_document())`` reports nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from ..core.provdoc import ProvDoc, QName

C0, C1, C2 = "c0" * 20, "c1" * 20, "c2" * 20
MISSING_SHA = "ff" * 20
R1, R2, R3 = "r1aaaa", "r2bbbb", "r3cccc"
MODEL_ID = "m-0123"
ANN = "user:git/ann%40x.org"
BOB = "user:git/bob%40x.org"
ALICE = "user:mlflow/alice"


def _t(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2025, 1, day, hour, minute, second, tzinfo=timezone.utc)


def _types(*names: str) -> tuple[QName, ...] | QName:
    q = tuple(QName(n) for n in names)
    return q[0] if len(q) == 1 else q


def example_document() -> ProvDoc:
    """The example document (a new object on every call)."""
    d = ProvDoc(name="example")
    _git(d)
    _mlflow(d)
    _registry(d)
    return d


def _commit(d: ProvDoc, sha: str, title: str, when: datetime, author: str, parent: str | None) -> str:
    cid = f"git:commit/{sha}"
    d.activity(
        cid,
        when,
        when,
        {
            "prov:type": _types("m2p:Commit"),
            "prov:label": f"{sha[:7]} {title}",
            "m2p:sha": sha,
            "m2p:title": title,
            "m2p:message": title + "\n",
            "m2p:authored_at": when,
            "m2p:committed_at": when,
        },
    )
    d.add_relation("wasAssociatedWith", cid, author, role=("CommitAuthor", "Committer"))
    if parent:
        d.add_relation("wasInformedBy", cid, f"git:commit/{parent}")
    return cid


def _git(d: ProvDoc) -> None:
    d.agent(
        ANN,
        {
            "prov:type": _types("m2p:GitUser", "prov:Person"),
            "prov:label": "Ann",
            "m2p:name": "Ann",
            "m2p:email": "ann@x.org",
        },
    )
    d.agent(
        BOB,
        {
            "prov:type": _types("m2p:GitUser", "prov:Person"),
            "prov:label": "Bob",
            "m2p:name": "Bob",
            "m2p:email": "bob@x.org",
        },
    )
    c0 = _commit(d, C0, "Add README", _t(1, 9), ANN, None)
    c1 = _commit(d, C1, "Add training script", _t(2, 9), BOB, C0)
    c2 = _commit(d, C2, "Tune the script", _t(3, 9), ANN, C1)
    for sha, cid, path, author, when in ((C0, c0, "README.md", ANN, _t(1, 9)), (C1, c1, "src/train.py", BOB, _t(2, 9))):
        fid = f"git:file/{sha}/{path}"
        rid = f"git:revision/{sha}/{path}"
        d.entity(fid, {"prov:type": _types("m2p:File"), "prov:label": path, "m2p:path": path, "m2p:origin_commit": sha})
        d.entity(
            rid,
            {
                "prov:type": _types("m2p:FileRevision"),
                "prov:label": f"{sha[:7]} {path}",
                "m2p:path": path,
                "m2p:name": path.rsplit("/", 1)[-1],
                "m2p:status": "added",
                "m2p:commit": sha,
                "m2p:blob": sha[:2] * 20,
            },
        )
        d.add_relation("wasGeneratedBy", fid, cid, time=when, role="AddedFile")
        d.add_relation("wasAttributedTo", fid, author)
        d.add_relation("specializationOf", rid, fid)
        d.add_relation("wasGeneratedBy", rid, cid, time=when, role="AddedRevision")
        d.add_relation("wasAttributedTo", rid, author)
    prev = f"git:revision/{C1}/src/train.py"
    rev = f"git:revision/{C2}/src/train.py"
    d.entity(
        rev,
        {
            "prov:type": _types("m2p:FileRevision"),
            "prov:label": f"{C2[:7]} src/train.py",
            "m2p:path": "src/train.py",
            "m2p:name": "train.py",
            "m2p:status": "modified",
            "m2p:commit": C2,
            "m2p:blob": "b2" * 20,
        },
    )
    d.add_relation("specializationOf", rev, f"git:file/{C1}/src/train.py")
    d.add_relation("wasGeneratedBy", rev, c2, time=_t(3, 9), role="ModifiedRevision")
    d.add_relation("wasAttributedTo", rev, ANN)
    d.add_relation("wasDerivedFrom", rev, prev, attrs={"prov:type": QName("prov:Revision")})
    d.add_relation("used", c2, prev, time=_t(3, 9), role="PreviousRevision")


def _run(
    d: ProvDoc,
    rid: str,
    name: str,
    start: datetime,
    end: datetime,
    commit: str | None,
    params: dict[str, str],
    metrics: dict[str, list[float]],
) -> str:
    run = f"mlflow:run/{rid}"
    rc = f"{run}/creation"
    attrs = {
        "prov:type": _types("m2p:Run", "prov:Collection"),
        "prov:label": name,
        "m2p:run_id": rid,
        "m2p:name": name,
        "m2p:experiment_id": "1",
        "m2p:status": "FINISHED",
        "m2p:lifecycle_stage": "active",
        "m2p:artifact_uri": f"file:///store/1/{rid}/artifacts",
        "m2p:user": "alice",
        "m2p:source_name": "/home/u/proj/src/train.py",
        "m2p:source_type": "LOCAL",
    }
    if commit:
        attrs["m2p:source_git_commit"] = commit
        attrs["m2p:source_git_dirty"] = "false"
    d.entity(run, attrs)
    d.activity(rc, start, end, {"prov:type": _types("m2p:RunCreation"), "prov:label": f"create run {name}"})
    d.add_relation("hadMember", "mlflow:experiment/1", run)
    d.add_relation("wasGeneratedBy", run, rc, time=start, role="AddedRun")
    d.add_relation("wasAttributedTo", run, ALICE)
    d.add_relation("wasAssociatedWith", rc, ALICE, role="RunAuthor")
    for k, text in params.items():
        pid = f"{run}/param/{k}"
        d.entity(pid, {"prov:type": _types("m2p:Param"), "prov:label": f"{k}={text}", "m2p:key": k, "m2p:value": text})
        d.add_relation("hadMember", run, pid)
        d.add_relation("wasGeneratedBy", pid, rc, role="AddedParam")
    for k, values in metrics.items():
        for step, v in enumerate(values):
            mid = f"{run}/metric/{k}/{step}"
            ts = start + timedelta(seconds=10 * (step + 1))
            d.entity(
                mid,
                {
                    "prov:type": _types("m2p:Metric"),
                    "prov:label": f"{k}={v} @{step}",
                    "m2p:key": k,
                    "m2p:value": v,
                    "m2p:step": step,
                    "m2p:timestamp": ts,
                },
            )
            d.add_relation("hadMember", run, mid)
            d.add_relation("wasGeneratedBy", mid, rc, time=ts, role="AddedMetric")
    return rc


def _mlflow(d: ProvDoc) -> None:
    d.agent(
        ALICE, {"prov:type": _types("m2p:MlflowUser", "prov:Person"), "prov:label": "alice", "m2p:username": "alice"}
    )
    d.entity(
        "mlflow:experiment/1",
        {
            "prov:type": _types("m2p:Experiment", "prov:Collection"),
            "prov:label": "wine",
            "m2p:experiment_id": "1",
            "m2p:name": "wine",
            "m2p:lifecycle_stage": "active",
            "m2p:created_at": _t(4),
        },
    )
    d.activity(
        "mlflow:experiment/1/creation",
        _t(4),
        _t(4),
        {"prov:type": _types("m2p:ExperimentCreation"), "prov:label": "create experiment wine"},
    )
    d.add_relation(
        "wasGeneratedBy", "mlflow:experiment/1", "mlflow:experiment/1/creation", time=_t(4), role="AddedExperiment"
    )
    for name, digest in (("wine", "d1"), ("wine-test", "d2")):
        d.entity(
            f"mlflow:dataset/{name}/{digest}",
            {
                "prov:type": _types("m2p:Dataset"),
                "prov:label": name,
                "m2p:name": name,
                "m2p:digest": digest,
                "m2p:source_type": "local",
                "m2p:source": "file:///data/wine.csv",
            },
        )
    rc1 = _run(
        d,
        R1,
        "baseline",
        _t(5, 10),
        _t(5, 11),
        C2,
        {"lr": "0.1", "epochs": "3"},
        {"loss": [0.9, 0.5, 0.3], "accuracy": [0.7, 0.8, 0.9]},
    )
    d.add_relation("used", rc1, "mlflow:dataset/wine/d1", role="training")
    d.add_relation("used", rc1, "mlflow:dataset/wine-test/d2", role="eval")
    d.add_relation("wasInformedBy", rc1, f"git:commit/{C2}")
    d.add_relation("used", rc1, f"git:revision/{C2}/src/train.py", time=_t(5, 10), role="EntryPoint")
    # The logged model of run 1 and a test metric linked to it and to the test dataset (#28, #33).
    lm = f"mlflow:model/{MODEL_ID}"
    d.entity(
        lm,
        {
            "prov:type": _types("m2p:LoggedModel", "prov:Collection"),
            "prov:label": "model",
            "m2p:model_id": MODEL_ID,
            "m2p:name": "model",
            "m2p:experiment_id": "1",
            "m2p:source_run_id": R1,
            "m2p:status": "READY",
            "m2p:created_at": _t(5, 10, 30),
        },
    )
    d.add_relation("wasGeneratedBy", lm, rc1, time=_t(5, 10, 30), role="OutputModel", attrs={"m2p:step": 2})
    d.add_relation("hadMember", "mlflow:experiment/1", lm)
    d.add_relation("wasAttributedTo", lm, ALICE)
    tm = f"mlflow:run/{R1}/metric/test_accuracy/0"
    d.entity(
        tm,
        {
            "prov:type": _types("m2p:Metric"),
            "prov:label": "test_accuracy=0.93 @0",
            "m2p:key": "test_accuracy",
            "m2p:value": 0.93,
            "m2p:step": 0,
            "m2p:timestamp": _t(5, 10, 40),
            "m2p:model_id": MODEL_ID,
            "m2p:dataset_name": "wine-test",
            "m2p:dataset_digest": "d2",
        },
    )
    d.add_relation("hadMember", f"mlflow:run/{R1}", tm)
    d.add_relation("wasGeneratedBy", tm, rc1, time=_t(5, 10, 40), role="AddedMetric")
    d.add_relation("wasDerivedFrom", tm, lm)
    d.add_relation("wasDerivedFrom", tm, "mlflow:dataset/wine-test/d2")
    # Run 2 names a commit absent from the repository and logs a model folder (ModelArtifact, #25).
    rc2 = _run(d, R2, "forest", _t(6, 10), _t(6, 11), MISSING_SHA, {"n_estimators": "40"}, {"accuracy": [0.95]})
    run2 = f"mlflow:run/{R2}"
    for path, is_dir in (("model", True), ("model/MLmodel", False)):
        aid = f"{run2}/artifact/{path}"
        attrs: dict[str, Any] = {
            "prov:type": _types("m2p:Artifact", "prov:Collection") if is_dir else _types("m2p:Artifact"),
            "prov:label": path,
            "m2p:path": path,
            "m2p:is_dir": is_dir,
        }
        if not is_dir:
            attrs["m2p:file_size"] = 120
        d.entity(aid, attrs)
        d.add_relation("hadMember", run2, aid)
        d.add_relation("wasGeneratedBy", aid, rc2, role="AddedArtifact")
    d.add_relation("hadMember", f"{run2}/artifact/model", f"{run2}/artifact/model/MLmodel")
    ma = f"{run2}/model-artifact/model"
    d.entity(ma, {"prov:type": _types("m2p:ModelArtifact"), "prov:label": "model", "m2p:path": "model"})
    d.add_relation("hadMember", run2, ma)
    d.add_relation("wasGeneratedBy", ma, rc2, role="AddedModelArtifact")
    d.add_relation("specializationOf", ma, f"{run2}/artifact/model")
    # Run 3 records no commit.
    _run(d, R3, "scratch", _t(7, 10), _t(7, 11), None, {}, {})


def _registry(d: ProvDoc) -> None:
    rm = "mlflow:registered-model/clf"
    d.entity(
        rm,
        {
            "prov:type": _types("m2p:RegisteredModel", "prov:Collection"),
            "prov:label": "clf",
            "m2p:name": "clf",
            "m2p:created_at": _t(8),
        },
    )
    d.activity(
        f"{rm}/creation", _t(8), _t(8), {"prov:type": _types("m2p:RegisteredModelCreation"), "prov:label": "create clf"}
    )
    d.add_relation("wasGeneratedBy", rm, f"{rm}/creation", time=_t(8), role="AddedRegisteredModel")
    versions = (
        (1, f"models:/{MODEL_ID}", R1, f"mlflow:model/{MODEL_ID}"),
        (2, f"runs:/{R2}/model", R2, f"mlflow:run/{R2}/model-artifact/model"),
        (3, "s3://bucket/elsewhere/model", "gone00", None),
    )
    for v, source, run_id, target in versions:
        mv = f"{rm}/version/{v}"
        mvc = f"{mv}/creation"
        when = _t(9, v)
        d.entity(
            mv,
            {
                "prov:type": _types("m2p:ModelVersion", "prov:Collection"),
                "prov:label": f"clf v{v}",
                "m2p:name": "clf",
                "m2p:version": v,
                "m2p:status": "READY",
                "m2p:source": source,
                "m2p:run_id": run_id,
                "m2p:created_at": when,
            },
        )
        d.activity(mvc, when, when, {"prov:type": _types("m2p:ModelVersionCreation"), "prov:label": f"create clf v{v}"})
        d.add_relation("specializationOf", mv, rm)
        d.add_relation("wasGeneratedBy", mv, mvc, time=when, role="AddedModelVersion")
        tag = f"{mv}/tag/stage"
        d.entity(
            tag,
            {
                "prov:type": _types("m2p:ModelVersionTag"),
                "prov:label": "stage=ok",
                "m2p:key": "stage",
                "m2p:value": "ok",
            },
        )
        d.add_relation("hadMember", mv, tag)
        d.add_relation("wasGeneratedBy", tag, mvc, role="AddedModelVersionTag")
        if target:
            d.add_relation("wasDerivedFrom", mv, target)
            d.add_relation("used", mvc, target, role="ModelSource")
            d.add_relation("wasInformedBy", mvc, f"mlflow:run/{run_id}/creation")
    for alias, v in (("champion", 1), ("challenger", 2)):
        aid = f"{rm}/alias/{alias}/{v}"
        d.entity(
            aid,
            {
                "prov:type": _types("m2p:ModelAlias"),
                "prov:label": f"clf@{alias}",
                "m2p:alias": alias,
                "m2p:name": "clf",
                "m2p:version": v,
            },
        )
        d.add_relation("specializationOf", aid, f"{rm}/version/{v}")


__all__ = ["example_document", "C0", "C1", "C2", "R1", "R2", "R3", "MODEL_ID", "MISSING_SHA"]
