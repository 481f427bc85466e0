"""Incremental sync is exact: after each kind of change, the store holds the same quads as a fresh store given a
full sync of the same sources (real Git repository, real SQLite MLflow store, both store backends)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from storecases import BACKENDS, all_quads, env_without_tracking, store_uri_for

from mlflow2prov_jupyter.core.namespaces import M2P
from mlflow2prov_jupyter.store.backends import close_store, open_store
from mlflow2prov_jupyter.store.catalogue import BASE, read_catalogue
from mlflow2prov_jupyter.store.sync import sync_once, watch

# Catalogue values that say *when* a store was synced, not what it holds: a fresh store differs in them.
_WHEN = tuple(f"<{M2P}{n}>" for n in ("synced_at", "sync_since_ms", "source_fingerprint"))


def mlflow_do(m, code: str) -> str:
    """Run ``code`` against the project's MLflow store in another process (``client``, ``uri`` defined); its
    last printed line."""
    script = "import sys, mlflow\nuri = sys.argv[1]\nclient = mlflow.MlflowClient(uri, registry_uri=uri)\n"
    out = subprocess.run(
        [sys.executable, "-c", script + textwrap.dedent(code), m.tracking_uri],
        capture_output=True,
        text=True,
        env=env_without_tracking(),
        cwd=m.repo_path,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def git(m, *args: str) -> str:
    env = {
        **env_without_tracking(),
        "GIT_AUTHOR_NAME": "Dana",
        "GIT_AUTHOR_EMAIL": "dana@example.org",
        "GIT_COMMITTER_NAME": "Dana",
        "GIT_COMMITTER_EMAIL": "dana@example.org",
    }
    out = subprocess.run(["git", "-C", m.repo_path, *args], capture_output=True, text=True, env=env, check=True)
    return out.stdout.strip()


def contents(uri: str) -> set[str]:
    """The store's quads in our graphs (a server may keep system graphs), without the ``_WHEN`` values."""
    return {q for q in all_quads(uri) if q.rsplit(" <", 1)[-1].startswith(BASE) and not any(w in q for w in _WHEN)}


class Checker:
    """Syncs the project into the store under test, and each time compares it with a fresh store's full sync."""

    def __init__(self, backend: str, m, tmp_path: Path, request: pytest.FixtureRequest):
        self.backend, self.m, self.tmp, self.request = backend, m, tmp_path, request
        (tmp_path / "live").mkdir()
        self.uri = store_uri_for(backend, tmp_path / "live", request)
        self.n = 0

    def sync(self, **kw):
        return sync_once(self.m.repo_path, self.m.tracking_uri, self.uri, "proj", **kw)

    def same_as_fresh(self) -> None:
        self.n += 1
        if self.backend == "virtuoso":
            # One server per session: the reference is a second project in it. Virtuoso returns its own literal
            # datatypes and blank nodes (quads as text differ between two pushes of the same document), so the
            # projects are compared by their catalogues: unit → content hash of the N-Triples pushed.
            name = f"fresh{self.n}"
            r = sync_once(self.m.repo_path, self.m.tracking_uri, self.uri, name)
            assert r.mode == "full"
            backend = open_store(self.uri)
            live_cat, ref_cat = read_catalogue(backend, "proj"), read_catalogue(backend, name)
            assert {k: e.hash for k, e in live_cat.units.items()} == {k: e.hash for k, e in ref_cat.units.items()}
            assert live_cat.content_hash == ref_cat.content_hash
            return
        folder = self.tmp / f"fresh{self.n}"
        folder.mkdir()
        fresh = store_uri_for(self.backend, folder, self.request)
        r = sync_once(self.m.repo_path, self.m.tracking_uri, fresh, "proj")
        assert r.mode == "full"
        live, ref = contents(self.uri), contents(fresh)
        if self.backend == "embedded":
            close_store(fresh)
        assert live == ref, (sorted(live - ref)[:5], sorted(ref - live)[:5])


@pytest.fixture(params=BACKENDS)
def checker(request: pytest.FixtureRequest, tmp_path: Path, sample_copy, monkeypatch: pytest.MonkeyPatch) -> Checker:
    from mlflow2prov_jupyter.store import incremental

    # The sample project was trained seconds ago: without the safety margin each round re-reads only what the
    # test changed, so the context logic (parents, models, versions of older runs) is what is tested.
    monkeypatch.setattr(incremental, "MARGIN_MS", 0)
    return Checker(request.param, sample_copy, tmp_path, request)


def test_incremental_rounds_equal_a_fresh_full_sync(checker: Checker) -> None:
    m = checker.m
    first = checker.sync()
    assert first.mode == "full" and first.result is not None and first.result.added
    assert checker.sync().mode == "none"

    # (a) one new finished run, by an existing user
    run_a = mlflow_do(
        m,
        """
        exp = client.get_experiment_by_name("wine-classification").experiment_id
        run = client.create_run(exp, run_name="one-more", tags={"mlflow.user": "alice"})
        client.log_param(run.info.run_id, "alpha", "0.5")
        client.log_metric(run.info.run_id, "accuracy", 0.9, step=0)
        client.set_terminated(run.info.run_id)
        print(run.info.run_id)
        """,
    )
    r = checker.sync()
    assert r.mode == "incremental", r.line()
    assert r.result is not None and f"run/{run_a}" in r.result.added
    assert all(k.startswith(("experiment/", "agent/")) for k in r.result.replaced), r.result.replaced
    assert "incremental (1 run" in r.line()
    checker.same_as_fresh()
    assert checker.sync().mode == "none"

    # (b) a run RUNNING at one round, finished with more metrics at the next
    run_b = mlflow_do(
        m,
        """
        exp = client.get_experiment_by_name("wine-classification").experiment_id
        run = client.create_run(exp, run_name="long", tags={"mlflow.user": "bob"})
        client.log_metric(run.info.run_id, "loss", 0.5, step=0)
        print(run.info.run_id)
        """,
    )
    r = checker.sync()
    assert r.mode == "incremental" and f"run/{run_b}" in r.result.added, r.line()
    checker.same_as_fresh()
    mlflow_do(
        m,
        f"""
        for step in range(1, 4):
            client.log_metric("{run_b}", "loss", 0.5 / (step + 1), step=step)
        client.set_terminated("{run_b}")
        """,
    )
    r = checker.sync()
    assert r.mode == "incremental" and f"run/{run_b}" in r.result.replaced, r.line()
    checker.same_as_fresh()

    # (c) a new commit, and a run on it
    (Path(m.repo_path) / "NOTES.md").write_text("more data next week\n")
    git(m, "add", "NOTES.md")
    git(m, "commit", "-q", "-m", "notes")
    sha = git(m, "rev-parse", "HEAD")
    run_c = mlflow_do(
        m,
        f"""
        exp = client.get_experiment_by_name("wine-classification").experiment_id
        tags = {{"mlflow.user": "alice", "mlflow.source.git.commit": "{sha}", "mlflow.source.name": "{m.train_script}"}}
        run = client.create_run(exp, run_name="on-new-commit", tags=tags)
        client.log_metric(run.info.run_id, "accuracy", 0.95)
        client.set_terminated(run.info.run_id)
        print(run.info.run_id)
        """,
    )
    r = checker.sync()
    assert r.mode == "incremental" and f"commit/{sha}" in r.result.added and f"run/{run_c}" in r.result.added, r.line()
    checker.same_as_fresh()

    # (d) a new model version and an alias moved to it
    rm = m.registered_models[0].name
    mlflow_do(
        m,
        f"""
        v = client.create_model_version("{rm}", "runs:/{run_c}/model", run_id="{run_c}")
        client.set_registered_model_alias("{rm}", "champion", v.version)
        print(v.version)
        """,
    )
    r = checker.sync()
    assert r.mode == "incremental" and "model version" in r.line(), r.line()
    checker.same_as_fresh()

    # (e) a run deleted, nothing else changed
    mlflow_do(m, f'client.delete_run("{run_a}")')
    r = checker.sync()
    assert r.mode == "incremental" and f"run/{run_a}" in r.result.replaced, r.line()
    checker.same_as_fresh()
    assert checker.sync().mode == "none"

    # --watch --full-every 2: the second round is full (edits no listing shows), and changes nothing here
    lines: list[str] = []
    rounds = watch(m.repo_path, m.tracking_uri, checker.uri, "proj", interval=0.01, rounds=2, full_every=2,
                   echo=lines.append)  # fmt: skip
    assert [r.mode for r in rounds] == ["none", "full"] and "full (asked for)" in lines[1], lines
    assert not rounds[1].result.changed
