"""Cross-project questions: one project's artifact is another's data set; lineage through the store crosses over."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from storecases import BACKENDS, env_without_tracking, store_uri_for
from test_store_verbs import run_cli

from mlflow2prov_jupyter.core.extract import extract
from mlflow2prov_jupyter.query.lineage import lineage
from mlflow2prov_jupyter.store.links import cross_project_pairs, linked_document
from mlflow2prov_jupyter.store.push import push
from mlflow2prov_jupyter.store.query import run_query


@pytest.fixture(params=BACKENDS)
def store_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_uri_for(request.param, tmp_path, request)


def _copy(sample_manifest, dest: Path) -> str:
    shutil.copytree(sample_manifest.repo_path, dest, symlinks=True)
    return "sqlite:///" + (dest / "mlflow.db").as_posix()


def _python(script: str, cwd: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env_without_tracking(), cwd=cwd, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def two_projects(tmp_path_factory: pytest.TempPathFactory, sample_manifest) -> dict:
    """Project "prep" publishes a cleaned data set as a run artifact; project "train" trains a run on it."""
    root = tmp_path_factory.mktemp("cross")
    prep, train = root / "prep", root / "train"
    prep_uri, train_uri = _copy(sample_manifest, prep), _copy(sample_manifest, train)
    produced = _python(
        "import json, mlflow, shutil\n"
        f"mlflow.set_tracking_uri({prep_uri!r})\n"
        f"exp = mlflow.create_experiment('data-prep', artifact_location={(prep / 'prep-artifacts').as_uri()!r})\n"
        "with mlflow.start_run(experiment_id=exp, run_name='clean-wine', tags={'mlflow.user': 'ann'}) as r:\n"
        "    shutil.copy('data/wine.csv', 'wine-clean.csv')\n"
        "    mlflow.log_artifact('wine-clean.csv', artifact_path='data')\n"
        "print(json.dumps({'run_id': r.info.run_id, 'uri': r.info.artifact_uri + '/data/wine-clean.csv'}))\n",
        prep,
    )
    trained = _python(
        "import json, mlflow\n"
        "from mlflow.entities import Dataset, DatasetInput, InputTag\n"
        f"mlflow.set_tracking_uri({train_uri!r})\n"
        "mlflow.set_experiment('wine-classification')\n"
        "with mlflow.start_run(run_name='train-on-clean', tags={'mlflow.user': 'bob'}) as r:\n"
        f"    ds = Dataset('wine-clean', 'c1ea4d16', 'local', json.dumps({{'uri': {produced['uri']!r}}}))\n"
        "    mlflow.MlflowClient().log_inputs(r.info.run_id, datasets=[DatasetInput(ds, "
        "[InputTag('mlflow.data.context', 'training')])])\n"
        "    mlflow.log_metric('accuracy', 0.93)\n"
        "print(json.dumps({'run_id': r.info.run_id}))\n",
        train,
    )
    docs = {
        "prep": extract(str(prep), prep_uri, store_key="prep"),
        "train": extract(str(train), train_uri, store_key="train"),
    }
    return {"docs": docs, "produced": produced, "trained": trained}


def test_the_data_set_of_one_project_links_to_the_artifact_of_the_other(two_projects) -> None:
    docs = two_projects["docs"]
    pairs = cross_project_pairs([docs["prep"], docs["train"]])
    art = f"https://w3id.org/mlflow2prov-jupyter/mlflow/prep/run/{two_projects['produced']['run_id']}/artifact/data/wine-clean.csv"
    ds = "https://w3id.org/mlflow2prov-jupyter/mlflow/train/dataset/wine-clean/c1ea4d16"
    assert (ds, art) in pairs
    # the copied sample runs name the same data sets (same digest and source): linked as well
    assert any("/prep/dataset/wine/" in a and "/train/dataset/wine/" in b for a, b in pairs)


def test_lineage_through_the_store_crosses_projects(store_uri: str, two_projects) -> None:
    for name, doc in two_projects["docs"].items():
        push(doc, store_uri, name)
    from mlflow2prov_jupyter.store.backends import open_store
    from mlflow2prov_jupyter.store.catalogue import read_catalogue

    assert read_catalogue(open_store(store_uri), "prep").store_key == "prep"
    linked = linked_document(store_uri)
    prep_run, train_run = two_projects["produced"]["run_id"], two_projects["trained"]["run_id"]
    start = next(e for e in linked.elements if e.endswith(f"run/{train_run}") and "/" not in e.split("run/", 1)[1])
    up = lineage(linked, start, direction="up")
    from mlflow2prov_jupyter.store.links import linked_lineage

    for direction in ("up", "down", "both"):  # the cached-adjacency path answers what lineage() answers
        assert linked_lineage(store_uri, start, direction) == lineage(linked, start, direction=direction)
    assert linked_lineage(store_uri, start, "up", depth=2) == lineage(linked, start, direction="up", depth=2)
    reached = set(up.elements)
    assert any(e.endswith(f"run/{prep_run}/creation") for e in reached), (
        "lineage did not cross into the producing project"
    )
    assert any(e.endswith("artifact/data/wine-clean.csv") for e in reached)
    # the same through the CLI, which prints nothing for lineage but keeps the stream: count with statistics
    code, out, err = run_cli("lineage", "--store", store_uri, start, "statistics", "--format", "json")
    assert code == 0, err
    assert json.loads(out)  # statistics of the cross-project lineage document
    # the passport through the store says where the training data came from
    code, out, err = run_cli("passport", "--store", store_uri, f"runs:/{train_run}")
    assert code == 0, err
    assert (
        "wine-clean (c1ea4d16) comes from project prep: artifact data/wine-clean.csv, generated by run clean-wine"
        in out
    )
    # a ready query finds the training run's dataset across projects by digest
    rows = run_query(
        store_uri,
        "PREFIX m2p: <https://w3id.org/mlflow2prov-jupyter/vocab#> SELECT ?d WHERE { ?d a m2p:Dataset ; m2p:digest "
        '"c1ea4d16" }',
    ).rows
    assert len(rows) == 1


def test_a_warm_cross_project_lineage_is_fast(store_uri: str, two_projects) -> None:
    import time

    for name, doc in two_projects["docs"].items():
        push(doc, store_uri, name)
    linked = linked_document(store_uri)  # warm: decoded projects and the linked document are cached
    start = next(e for e in linked.elements if e.endswith(f"run/{two_projects['trained']['run_id']}"))
    t = time.perf_counter()
    again = linked_document(store_uri)
    from mlflow2prov_jupyter.store.links import linked_lineage

    linked_lineage(store_uri, start, "up")
    assert again is linked and time.perf_counter() - t < 2.0
