"""The store verbs through the CLI (push, load --store, query, sync, --store on the query verbs) on real stores."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from storecases import BACKENDS, env_without_tracking, store_uri_for

from mlflow2prov_jupyter.cli import cli
from mlflow2prov_jupyter.core.provdoc import ProvDoc
from mlflow2prov_jupyter.store.push import load as load_store
from mlflow2prov_jupyter.store.query import ready_queries, run_query
from mlflow2prov_jupyter.store.sync import sync_once, watch


@pytest.fixture(params=BACKENDS)
def store_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_uri_for(request.param, tmp_path, request)


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def saved_doc(tmp_path: Path, sample_doc: ProvDoc) -> Path:
    path = tmp_path / "demo.json"
    path.write_bytes(sample_doc.to_json_bytes())
    return path


def test_push_load_and_diff_through_the_cli(store_uri: str, saved_doc: Path, sample_doc: ProvDoc) -> None:
    code, out, err = run_cli(
        "load",
        str(saved_doc),
        "push",
        "--store",
        store_uri,
        "--project",
        "demo",
        "--tracking-uri",
        "http://u:pw@host:5000",
    )
    assert code == 0, err
    assert out.startswith("pushed demo:") and "units added" in out and "pw" not in out
    code, out, _ = run_cli("load", str(saved_doc), "push", "--store", store_uri, "--project", "demo")
    assert "demo: up to date" in out
    code, out, _ = run_cli("load", str(saved_doc), "diff", "--store", store_uri, "--project", "demo")
    assert code == 0 and "no differences" in out
    code, out, _ = run_cli("load", str(saved_doc), "validate", "--format", "json", "--no-warnings")
    code2, out2, _ = run_cli("validate", "--store", store_uri, "--format", "json", "--no-warnings")
    assert (code, out) == (code2, out2)  # the store's project validates exactly like the document pushed
    code, out, _ = run_cli(
        "load", "--store", store_uri, "--project", "demo", "save", "-o", str(saved_doc.parent / "back")
    )
    assert code == 0 and ProvDoc.from_json((saved_doc.parent / "back.json").read_bytes()) == sample_doc


def test_query_ready_and_written_queries(store_uri: str, sample_doc: ProvDoc, sample_manifest) -> None:
    from mlflow2prov_jupyter.store.push import push

    push(sample_doc, store_uri, "demo")
    digest = next(d.digest for d in sample_manifest.datasets if d.name == "wine")
    code, out, err = run_cli(
        "query", "models-trained-on-dataset", "--store", store_uri, "--param", f"digest={digest}", "--format", "json"
    )
    assert code == 0, err
    rows = json.loads(out)
    wine_runs = {
        r.run_id for r in sample_manifest.runs if any(i.name == "wine" and i.digest == digest for i in r.datasets)
    }
    trained_on_wine = {m.model_id for m in sample_manifest.logged_models if m.run_id in wine_runs}
    assert {r["model"].rsplit("/", 1)[1] for r in rows} == trained_on_wine and trained_on_wine
    assert {r["project"] for r in rows} == {"demo"}
    people = run_query(store_uri, "runs-per-person")
    runs_by_user: dict[str, int] = {}
    for r in sample_manifest.runs:
        if r.user:
            runs_by_user[r.user] = runs_by_user.get(r.user, 0) + 1
    assert {row["username"]: row["runs"] for row in people.records()} == runs_by_user
    sha = sample_manifest.trained_commit
    down = run_query(store_uri, "downstream-of-commit", {"sha": sha})
    trained = {r.run_id for r in sample_manifest.runs if r.commit == sha}
    assert {row["thing"].rsplit("/", 1)[1] for row in down.records() if row["kind"] == "m2p:Run"} == trained and trained
    assert run_query(store_uri, "orphaned-models").rows == []  # every model of the sample has its run
    code, out, _ = run_cli(
        "query",
        "PREFIX prov: <http://www.w3.org/ns/prov#> CONSTRUCT { ?r prov:used ?d . ?r a prov:Activity . ?d a "
        "prov:Entity } WHERE { ?r prov:qualifiedUsage/prov:entity ?d }",
        "--store",
        store_uri,
        "statistics",
    )
    assert code == 0 and "query result:" in out and "Activity" in out
    assert set(ready_queries()) == {
        "models-trained-on-dataset",
        "downstream-of-commit",
        "runs-per-person",
        "orphaned-models",
    }


def test_query_bad_input_is_one_line(store_uri: str) -> None:
    from test_ops_load_save import rich_doc

    from mlflow2prov_jupyter.store.push import push

    push(rich_doc(), store_uri, "r")
    for args, words in (
        (("query", "SELECT * WHERE { ?s ?p }", "--store", store_uri), "not valid SPARQL"),
        (("query", "no-such-query", "--store", store_uri), "neither SPARQL nor a ready query"),
        (("query", "runs-per-person", "--store", store_uri, "--param", "oops"), "must be NAME=VALUE"),
        (("load", "--store", store_uri, "--project", "zz"), "has no project 'zz'"),
        (("load",), "needs a file to read"),
    ):
        code, out, err = run_cli(*args)
        assert code != 0 and words in err and len(err.strip().splitlines()) == 1, (args, err)


def _new_run(manifest, name: str) -> str:
    """Train one more (tiny) run into the project's MLflow store, in a subprocess; returns its run id."""
    script = (
        "import mlflow, sys\n"
        f"mlflow.set_tracking_uri({manifest.tracking_uri!r})\n"
        "mlflow.set_experiment('wine-classification')\n"
        f"with mlflow.start_run(run_name={name!r}, tags={{'mlflow.user': 'alice'}}) as r:\n"
        "    mlflow.log_param('alpha', 0.5)\n"
        "    mlflow.log_metric('accuracy', 0.9)\n"
        "print(r.info.run_id)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env_without_tracking(),
        cwd=manifest.repo_path,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1]


def test_sync_replaces_only_the_new_run_and_skips_unchanged_sources(store_uri: str, sample_copy) -> None:
    m = sample_copy
    first = sync_once(m.repo_path, m.tracking_uri, store_uri, "proj")
    assert first.result is not None and first.result.added and not first.result.replaced
    idle = sync_once(m.repo_path, m.tracking_uri, store_uri, "proj")
    assert idle.result is None and "no change" in idle.line()
    run_id = _new_run(m, "one-more")
    lines: list[str] = []
    rounds = watch(m.repo_path, m.tracking_uri, store_uri, "proj", interval=0.01, rounds=2, echo=lines.append)
    assert rounds[0].result is not None and rounds[0].result.added == [f"run/{run_id}"]
    assert not rounds[0].result.removed
    assert all(k.startswith(("experiment/", "agent/")) for k in rounds[0].result.replaced), rounds[0].result.replaced
    assert rounds[1].result is None
    assert len(lines) == 2 and lines[0].startswith("round 1: sync proj:") and lines[1].startswith("round 2:")
    (doc,) = load_store(store_uri, "proj")
    assert f"mlflow:run/{run_id}" in doc.elements


def test_sync_cli_and_clean_stop_on_ctrl_c(store_uri: str, sample_copy, tmp_path: Path) -> None:
    m = sample_copy
    code, out, err = run_cli(
        "sync", "--repo", m.repo_path, "--tracking-uri", m.tracking_uri, "--store", store_uri, "--project", "proj"
    )
    assert code == 0 and out.startswith("sync proj:"), err
    if not store_uri.startswith("sparql"):
        from mlflow2prov_jupyter.store.backends import close_store

        close_store(store_uri)  # the watching process below opens the folder itself
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow2prov_jupyter",
            "sync",
            "--repo",
            m.repo_path,
            "--tracking-uri",
            m.tracking_uri,
            "--store",
            store_uri,
            "--project",
            "proj",
            "--watch",
            "--interval",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env_without_tracking(),
    )
    first = proc.stdout.readline()
    assert first.startswith("round 1: sync proj: no change"), first + proc.stderr.read()
    proc.send_signal(__import__("signal").SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "sync stopped after" in out and "Traceback" not in err
