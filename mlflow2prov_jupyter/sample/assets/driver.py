"""Child-process driver of the sample project generator (not part of the generated repository).

``python driver.py FACTS_JSON SCRIPT [script args...]`` runs SCRIPT exactly as ``python SCRIPT args``
would (same ``sys.argv``, so MLflow tags the runs with the script as source name and the repository's
commit), then deletes the smoke-test run and writes the ground truth read back from the tracking store
(``MLFLOW_TRACKING_URI``) to FACTS_JSON.
"""

from __future__ import annotations

import json
import os
import runpy
import sys

SMOKE_TEST_RUN = "smoke-test"


def _int_version(value) -> int:
    return int(str(value))


def _artifact_files(client, run_id: str, path: str | None = None) -> list[str]:
    """Paths of every artifact file of a run, depth first."""
    files: list[str] = []
    for item in client.list_artifacts(run_id, path):
        files.extend(_artifact_files(client, run_id, item.path) if item.is_dir else [item.path])
    return sorted(files)


def collect(client) -> dict:
    """Every fact of the store the manifest records."""
    from mlflow.entities import ViewType

    experiments = client.search_experiments(view_type=ViewType.ALL)
    experiment_ids = [e.experiment_id for e in experiments]
    runs = []
    for run in client.search_runs(experiment_ids, run_view_type=ViewType.ALL, order_by=["attributes.start_time ASC"]):
        full = client.get_run(run.info.run_id)
        tags = run.data.tags
        history = {
            key: [[m.step, m.value, m.timestamp] for m in client.get_metric_history(run.info.run_id, key)]
            for key in sorted(run.data.metrics)
        }
        runs.append(
            {
                "run_id": run.info.run_id,
                "name": run.info.run_name,
                "experiment_id": run.info.experiment_id,
                "status": run.info.status,
                "user": tags.get("mlflow.user"),
                "parent_run_id": tags.get("mlflow.parentRunId"),
                "deleted": run.info.lifecycle_stage == "deleted",
                "commit": tags.get("mlflow.source.git.commit"),
                "source_name": tags.get("mlflow.source.name"),
                "artifact_uri": run.info.artifact_uri,
                "start_time": run.info.start_time,
                "end_time": run.info.end_time,
                "params": dict(sorted(run.data.params.items())),
                "metrics": dict(sorted(run.data.metrics.items())),
                "metric_history": history,
                "datasets": [
                    {
                        "name": d.dataset.name,
                        "digest": d.dataset.digest,
                        "context": next((t.value for t in d.tags if t.key == "mlflow.data.context"), None),
                    }
                    for d in (full.inputs.dataset_inputs if full.inputs else [])
                ],
                "logged_model_ids": [o.model_id for o in (full.outputs.model_outputs if full.outputs else [])],
                "input_model_ids": [i.model_id for i in (full.inputs.model_inputs if full.inputs else [])],
                "artifacts": _artifact_files(client, run.info.run_id),
            }
        )
    datasets = {}
    for run in runs:
        for d in run["datasets"]:
            datasets[(d["name"], d["digest"])] = {"name": d["name"], "digest": d["digest"]}
    logged_models = [
        {
            "model_id": m.model_id,
            "name": m.name,
            "run_id": m.source_run_id,
            "experiment_id": m.experiment_id,
            "metrics": sorted(
                (
                    {
                        "key": x.key,
                        "value": x.value,
                        "step": x.step,
                        "run_id": x.run_id,
                        "dataset_name": x.dataset_name,
                        "dataset_digest": x.dataset_digest,
                    }
                    for x in (m.metrics or [])
                ),
                key=lambda x: (x["key"], x["run_id"] or "", x["step"]),
            ),
        }
        for m in client.search_logged_models(experiment_ids=experiment_ids, order_by=[{"field_name": "creation_time"}])
    ]
    registered = []
    for rm in client.search_registered_models():
        versions = []
        for v in sorted(client.search_model_versions(f"name='{rm.name}'"), key=lambda v: _int_version(v.version)):
            model_id = v.model_id
            if not model_id and (v.source or "").startswith("models:/"):
                model_id = v.source.removeprefix("models:/").split("/")[0]
            versions.append(
                {
                    "version": _int_version(v.version),
                    "source": v.source,
                    "run_id": v.run_id,
                    "model_id": model_id,
                    "status": v.status,
                    "tags": dict(sorted(v.tags.items())),
                }
            )
        registered.append(
            {
                "name": rm.name,
                "description": rm.description,
                "tags": dict(sorted(rm.tags.items())),
                "versions": versions,
                "aliases": {a: _int_version(v) for a, v in sorted((rm.aliases or {}).items())},
            }
        )
    return {
        "experiments": [
            {
                "experiment_id": e.experiment_id,
                "name": e.name,
                "lifecycle_stage": e.lifecycle_stage,
                "artifact_location": e.artifact_location,
                "tags": dict(sorted(e.tags.items())),
            }
            for e in sorted(experiments, key=lambda e: int(e.experiment_id))
        ],
        "runs": runs,
        "datasets": sorted(datasets.values(), key=lambda d: (d["name"], d["digest"])),
        "logged_models": logged_models,
        "registered_models": registered,
    }


def main() -> None:
    facts_path, script, *script_args = sys.argv[1:]
    sys.argv = [script, *script_args]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    runpy.run_path(script, run_name="__main__")

    from mlflow import MlflowClient
    from mlflow.entities import ViewType

    client = MlflowClient()
    experiment_ids = [e.experiment_id for e in client.search_experiments(view_type=ViewType.ALL)]
    for run in client.search_runs(experiment_ids, filter_string=f"attributes.run_name = '{SMOKE_TEST_RUN}'"):
        client.delete_run(run.info.run_id)
    with open(facts_path, "w", encoding="utf-8") as out:
        json.dump(collect(client), out, indent=2)


if __name__ == "__main__":
    main()
