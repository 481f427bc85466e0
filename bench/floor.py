"""The floor: the raw reads extraction cannot avoid, without any PROV building.

* MLflow: the same public ``MlflowClient`` calls :mod:`mlflow2prov_jupyter.core.mlflow.reader` makes
  (experiments, paged runs with ``ViewType.ALL``, logged models, ``get_metric_history`` per run and key
  for the full history, ``get_run`` per run on non-file stores holding logged models, the artifact walk,
  registered models and versions); results are touched, not converted.
* Git: ``git log --all --raw -z -M`` read to the end through a pipe.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

GIT_FLOOR_ARGS = ("log", "--all", "--raw", "-z", "-M")
# Page sizes as the reader's (a file store re-reads every run for each page of search_runs).
RUNS_PAGE, LOGGED_MODELS_PAGE, REGISTERED_MODELS_PAGE, MODEL_VERSIONS_PAGE = 50000, 1000, 1000, 10000


def git_floor(repo: str) -> int:
    """Run the git walk of the floor; return the bytes read."""
    proc = subprocess.Popen(["git", "-C", repo, *GIT_FLOOR_ARGS], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    n = 0
    assert proc.stdout is not None
    while True:
        chunk = proc.stdout.read(1 << 20)
        if not chunk:
            break
        n += len(chunk)
    if proc.wait() != 0:
        raise RuntimeError(f"git log failed in {repo}")
    return n


def _pages(fn, **kw) -> list[Any]:
    out: list[Any] = []
    token = None
    while True:
        page = fn(page_token=token, **kw)
        out.extend(page)
        token = getattr(page, "token", None)
        if not token:
            return out


def mlflow_floor(tracking_uri: str, metric_history: str = "all", artifacts: bool = True) -> dict[str, int]:
    """The MLflow reads of one extraction; return counts of what was read."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.entities import ViewType

    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    mlflow.set_tracking_uri(tracking_uri)  # as the reader does while reading (this is a child process)
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    counts = {"experiments": 0, "runs": 0, "metric_points": 0, "artifacts": 0, "logged_models": 0, "versions": 0}
    exps = _pages(client.search_experiments, view_type=ViewType.ALL, max_results=50000)
    counts["experiments"] = len(exps)
    ids = [e.experiment_id for e in exps]
    runs = _pages(client.search_runs, experiment_ids=ids, run_view_type=ViewType.ALL, max_results=RUNS_PAGE)
    counts["runs"] = len(runs)
    lms = _pages(client.search_logged_models, experiment_ids=ids, max_results=LOGGED_MODELS_PAGE)
    counts["logged_models"] = len(lms)
    is_file = tracking_uri.startswith("file:") or "://" not in tracking_uri
    for run in runs:
        rid = run.info.run_id
        if metric_history == "all":
            for key in run.data.metrics:
                counts["metric_points"] += len(client.get_metric_history(rid, key))
        else:
            counts["metric_points"] += len(run.data.metrics)
        if not is_file and lms:
            client.get_run(rid)
        if artifacts:
            counts["artifacts"] += _walk(run.info.artifact_uri)
    rms = _pages(client.search_registered_models, max_results=REGISTERED_MODELS_PAGE)
    if rms:
        counts["versions"] = len(_pages(client.search_model_versions, max_results=MODEL_VERSIONS_PAGE))
    return counts


def _walk(uri: str) -> int:
    if uri.startswith("file://"):
        from urllib.parse import unquote, urlparse

        root = unquote(urlparse(uri).path)
    elif "://" not in uri:
        root = uri
    else:
        import mlflow.artifacts

        n = 0
        stack = [None]
        while stack:
            path = stack.pop()
            for f in mlflow.artifacts.list_artifacts(artifact_uri=uri if path is None else f"{uri}/{path}"):
                n += 1
                if f.is_dir:
                    stack.append(f.path)
        return n
    n = 0
    for top, dirs, files in os.walk(root):
        n += len(dirs) + len(files)
        for f in files:
            os.stat(os.path.join(top, f))  # the reader records file sizes
    return n
