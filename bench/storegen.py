"""MLflow store generator at scale S, through MLflow's public client (run in a child process).

Scale S: ``200·S`` runs over 3 experiments, each run with 5 params, 4 metrics × 50 steps, 3 tags (plus the
system tags ``mlflow.user``, ``mlflow.source.name``, ``mlflow.source.git.commit``, ``mlflow.source.type``,
``mlflow.runName``) and 2 small artifacts (``config.yaml``, ``summary/scores.json``); every tenth run (20·S)
logs a model as an MLflow 3 logged model (``create_logged_model`` + ``log_model_artifacts`` of a tiny
``MLmodel`` + ``model.pkl`` + ``finalize_logged_model`` + ``log_outputs``, which is what
``mlflow.<flavor>.log_model`` does minus flavor serialisation and environment inference); 2 registered
models × 3 versions (``models:/<model_id>`` sources) with aliases ``champion`` and ``challenger``; one
deleted run per 200 runs (at least one). Params, metrics and tags go in one ``log_batch`` per run.

Each run names a commit of the generated Git repository (tag ``mlflow.source.git.commit``) and its entry
point ``src/train.py`` (absolute work-tree path for most runs, ``train.py`` for every fifth).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .gitgen import ENTRY_POINT, RepoInfo

EXPERIMENTS = ("bench-train", "bench-tune", "bench-eval")
USERS = ("alice", "bob", "carol", "dave", "erin")
PARAMS = 5
METRICS = 4
STEPS = 50
_BASE_MS = 1_700_000_000_000  # 2023-11-14


def counts(scale: float) -> dict[str, int]:
    """How many runs, logged models and deleted runs a store of ``scale`` holds."""
    runs = max(3, round(200 * scale))
    return {
        "runs": runs,
        "logged_models": len(range(0, runs, 10)),
        "deleted_runs": max(1, runs // 200),
        "metric_points": runs * METRICS * STEPS,
        "registered_models": 2,
        "model_versions": 6,
    }


def _deleted(i: int, runs: int) -> bool:
    if runs < 200:
        return i == runs - 1
    return i % 200 == 199


def _client(tracking_uri: str):
    """A client on the store; this is a child process of its own, so it may set process-wide state."""
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    import mlflow
    from mlflow import MlflowClient

    if tracking_uri.startswith("sqlite:"):
        # Generation only: skip the fsync of every commit (the stored content is the same).
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        @event.listens_for(Engine, "connect")
        def _no_sync(dbapi_conn, _record):  # noqa: ANN001
            dbapi_conn.execute("PRAGMA synchronous=OFF")

    # The SQL registry resolves ``models:/`` sources through the process tracking URI.
    mlflow.set_tracking_uri(tracking_uri)
    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def write_experiments(tracking_uri: str, artifact_root: str | None) -> list[str]:
    """Create the 3 experiments; return their ids."""
    client = _client(tracking_uri)
    exp_ids = []
    for k, name in enumerate(EXPERIMENTS):
        loc = f"{artifact_root.rstrip('/')}/{k}" if artifact_root else None
        eid = client.create_experiment(name, artifact_location=loc, tags={"mlflow.user": USERS[k], "purpose": name})
        exp_ids.append(eid)
    return exp_ids


def write_runs(
    tracking_uri: str, exp_ids: list[str], scale: float, repo: RepoInfo, worker: int = 0, workers: int = 1
) -> dict[str, float]:
    """Write the runs ``i`` with ``i % workers == worker`` (workers share one store); return timings."""
    from mlflow.entities import LoggedModelOutput, Metric, Param, RunTag

    client = _client(tracking_uri)
    n = counts(scale)["runs"]
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="bench-art-"))
    arts = tmp / "run"
    (arts / "summary").mkdir(parents=True)
    (arts / "config.yaml").write_text("lr: 0.1\nlayers: 3\n")
    (arts / "summary" / "scores.json").write_text('{"f1": 0.9}\n')
    model_dir = tmp / "model"
    model_dir.mkdir()
    (model_dir / "MLmodel").write_text("artifact_path: model\nflavors:\n  python_function:\n    loader_module: bench\n")
    (model_dir / "model.pkl").write_bytes(b"\x80\x04N.")
    shas = repo.shas
    for i in range(worker, n, workers):
        user = USERS[i % len(USERS)]
        start = _BASE_MS + i * 60_000
        sha = shas[(i * 7) % len(shas)]
        source = "train.py" if i % 5 == 4 else f"{repo.path}/{ENTRY_POINT}"
        run = client.create_run(
            exp_ids[i % 3],
            start_time=start,
            run_name=f"run-{i}",
            tags={
                "mlflow.user": user,
                "mlflow.source.name": source,
                "mlflow.source.type": "LOCAL",
                "mlflow.source.git.commit": sha,
            },
        )
        rid = run.info.run_id
        metrics = [
            Metric(f"metric_{k}", round(1.0 / (1 + s + k + i % 13), 6), start + 1000 + s * 100, s)
            for k in range(METRICS)
            for s in range(STEPS)
        ]
        params = [Param(f"param_{k}", str((i * (k + 1)) % 17 / 10)) for k in range(PARAMS)]
        tags = [
            RunTag("team", f"team-{i % 4}"),
            RunTag("stage", "dev" if i % 2 else "prod"),
            RunTag("note", f"run {i}"),
        ]
        client.log_batch(rid, metrics=metrics, params=params, tags=tags)
        client.log_artifacts(rid, str(arts))
        if i % 10 == 0:
            lm = client.create_logged_model(
                exp_ids[i % 3],
                name="model",
                source_run_id=rid,
                params={"alpha": str(i % 7)},
                tags={"mlflow.user": user},
                model_type="bench",
            )
            client.log_model_artifacts(lm.model_id, str(model_dir))
            client.finalize_logged_model(lm.model_id, "READY")
            client.log_outputs(rid, [LoggedModelOutput(lm.model_id, STEPS - 1)])
        client.set_terminated(rid, "FINISHED", end_time=start + 30_000)
        if _deleted(i, n):
            client.delete_run(rid)
    timings["runs"] = time.perf_counter() - t0
    shutil.rmtree(tmp, ignore_errors=True)
    return timings


def write_registry(tracking_uri: str, exp_ids: list[str]) -> None:
    """2 registered models × 3 versions from logged models, aliases champion (v3) and challenger (v2)."""
    client = _client(tracking_uri)
    found = client.search_logged_models(experiment_ids=exp_ids, max_results=100)
    found = sorted(found, key=lambda m: (m.creation_timestamp, m.model_id))[:6]
    models = [(m.model_id, m.source_run_id) for m in found]
    for r, name in enumerate(("bench-classifier", "bench-regressor")):
        client.create_registered_model(
            name, tags={"team": f"team-{r}", "mlflow.user": USERS[r]}, description=f"{name} model"
        )
        for v in range(3):
            model_id, run_id = models[(r * 3 + v) % len(models)]
            client.create_model_version(
                name, f"models:/{model_id}", run_id=run_id, model_id=model_id, tags={"v": str(v + 1)}
            )
        client.set_registered_model_alias(name, "champion", "3")
        client.set_registered_model_alias(name, "challenger", "2")


def migrate_to_sqlite(file_root: Path, sqlite_path: Path) -> None:
    """Copy a file store into SQLite with ``mlflow migrate-filestore`` (artifacts stay in the file store)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mlflow",
            "migrate-filestore",
            "--source",
            str(file_root),
            "--target",
            f"sqlite:///{sqlite_path}",
            "--no-progress",
        ],
        check=True,
        capture_output=True,
        cwd=sqlite_path.parent,
    )


def main(argv: list[str]) -> int:
    """Child entry: ``experiments URI ARTIFACT_ROOT OUT`` | ``runs URI EXP_IDS SCALE REPO_META WORKER WORKERS OUT``
    | ``registry URI EXP_IDS`` | ``all URI ARTIFACT_ROOT SCALE REPO_META OUT``."""
    step, uri = argv[0], argv[1]
    if step == "experiments":
        Path(argv[3]).write_text(json.dumps(write_experiments(uri, argv[2] or None)))
    elif step == "runs":
        exp_ids, scale, meta, worker, workers, out = argv[2:8]
        timings = write_runs(
            uri, exp_ids.split(","), float(scale), RepoInfo.load(Path(meta)), int(worker), int(workers)
        )
        Path(out).write_text(json.dumps(timings))
    elif step == "all":  # one process: experiments, every run, registry
        scale, meta, out = argv[3:6]
        exp_ids = write_experiments(uri, argv[2] or None)
        timings = write_runs(uri, exp_ids, float(scale), RepoInfo.load(Path(meta)))
        t = time.perf_counter()
        write_registry(uri, exp_ids)
        timings["registry"] = time.perf_counter() - t
        Path(out).write_text(json.dumps(timings))
    elif step == "registry":
        write_registry(uri, argv[2].split(","))
    else:
        raise SystemExit(f"unknown generator step {step!r}")
    return 0
