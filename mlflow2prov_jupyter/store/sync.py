"""Continuous sync: keep a project's units in a store current while people keep committing and training.

One round: a cheap *probe* of the sources (Git refs; MLflow experiments, runs' status/end/lifecycle,
logged models, registered models and versions — listings only, no params, metrics or artifacts) is
compared with the fingerprint the catalogue keeps from the last round. Unchanged: nothing is extracted
or written. Changed: the project is extracted and pushed, which replaces exactly the units whose content
changed (:func:`~mlflow2prov_jupyter.store.push.push`). A run that is still RUNNING makes every probe
differ, so its new metrics arrive round by round.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from dataclasses import dataclass
from typing import Any, Callable

from ..core.errors import OptionError
from .backends import Backend, open_store
from .catalogue import check_ours, read_catalogue
from .push import PushResult, push


@dataclass
class SyncRound:
    """The outcome of one sync round."""

    project: str
    result: PushResult | None  # None: the probe saw no change, nothing was extracted
    seconds: float
    fingerprint: str

    def line(self) -> str:
        what = self.result.summary() if self.result is not None else f"{self.project}: no change in the sources"
        return f"sync {what} [{self.seconds:.2f} s]"


def _git_fingerprint(repo: Any) -> str:
    """The refs and HEAD of a repository (what a new commit, branch or tag changes)."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    try:
        out = subprocess.run(
            ["git", "-C", os.fspath(repo), "for-each-ref", "--format=%(objectname) %(refname)"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=True,
        ).stdout
        head = subprocess.run(
            ["git", "-C", os.fspath(repo), "rev-parse", "-q", "--verify", "HEAD"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "unreadable"  # the extraction that follows reports the problem in one line
    return out + "HEAD " + head


def _mlflow_fingerprint(tracking_uri: Any) -> str:
    """Listings that change when runs, logged models or the registry change (no per-run reads)."""
    from ..core.mlflow.reader import reader_environment, resolve_target

    target = resolve_target(tracking_uri)
    rows: list[str] = []
    with reader_environment(target):
        from mlflow.entities import ViewType
        from mlflow.tracking import MlflowClient

        client = MlflowClient(tracking_uri=target.uri)
        exps = client.search_experiments(view_type=ViewType.ALL)
        ids = [e.experiment_id for e in exps]
        rows.extend(f"e {e.experiment_id} {e.lifecycle_stage} {e.last_update_time}" for e in exps)
        token = None
        while ids:
            page = client.search_runs(ids, run_view_type=ViewType.ALL, max_results=10000, page_token=token)
            for r in page:
                i = r.info
                running = i.status == "RUNNING"
                rows.append(
                    f"r {i.run_id} {i.status} {i.end_time} {i.lifecycle_stage} {time.time() if running else ''}"
                )
            token = page.token
            if not token:
                break
        if ids:
            try:
                rows.extend(
                    f"m {m.model_id} {m.status} {m.last_updated_timestamp}"
                    for m in client.search_logged_models(experiment_ids=ids)
                )
            except Exception:  # noqa: BLE001 - stores without logged models: the extraction decides
                rows.append("m ?")
        for rm in client.search_registered_models(max_results=1000):
            rows.append(f"rm {rm.name} {rm.last_updated_timestamp} {sorted((rm.aliases or {}).items())}")
        rows.extend(
            f"mv {v.name} {v.version} {v.last_updated_timestamp} {v.current_stage} {v.status}"
            for v in client.search_model_versions(max_results=10000)
        )
    return "\n".join(sorted(rows))


def probe(repo: Any, tracking_uri: Any) -> str:
    """A fingerprint of the sources' current state (sha256 hex)."""
    parts = []
    if repo not in (None, ""):
        parts.append(_git_fingerprint(repo))
    if tracking_uri not in (None, ""):
        parts.append(_mlflow_fingerprint(tracking_uri))
    return hashlib.sha256("\n--\n".join(parts).encode("utf-8")).hexdigest()[:32]


def project_name(repo: Any, tracking_uri: Any, project: str | None) -> str:
    if project:
        return project
    if repo not in (None, ""):
        return os.path.basename(os.path.abspath(os.fspath(repo))) or "provenance"
    raise OptionError("sync without --repo needs --project NAME")


def sync_once(
    repo: Any,
    tracking_uri: Any,
    store: str | Backend,
    project: str | None = None,
    *,
    full: bool = False,
    progress: bool | None = None,
    **options: Any,
) -> SyncRound:
    """One sync round (see the module doc); ``full`` skips the probe and always extracts."""
    from ..core.extract import extract

    started = time.perf_counter()
    backend = open_store(store) if not hasattr(store, "triples") else store
    name = project_name(repo, tracking_uri, project)
    cat = read_catalogue(backend, name) if check_ours(backend) else None
    fingerprint = probe(repo, tracking_uri)
    if not full and cat is not None and cat.source_fingerprint == fingerprint:
        return SyncRound(name, None, time.perf_counter() - started, fingerprint)
    doc = extract(repo or None, tracking_uri or None, progress=progress, **options)
    result = push(doc, backend, name, repository_url=repo, tracking_uri=tracking_uri, source_fingerprint=fingerprint)
    return SyncRound(name, result, time.perf_counter() - started, fingerprint)


def watch(
    repo: Any,
    tracking_uri: Any,
    store: str | Backend,
    project: str | None = None,
    *,
    interval: float = 60.0,
    rounds: int | None = None,
    echo: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
    **options: Any,
) -> list[SyncRound]:
    """Sync every ``interval`` seconds, one progress line per round, until Ctrl-C (or ``rounds`` rounds)."""
    if interval <= 0:
        raise OptionError("--interval must be a positive number of seconds")
    done: list[SyncRound] = []
    try:
        while rounds is None or len(done) < rounds:
            r = sync_once(repo, tracking_uri, store, project, **options)
            done.append(r)
            echo(f"round {len(done)}: {r.line()}")
            if rounds is not None and len(done) >= rounds:
                break
            sleep(interval)
    except KeyboardInterrupt:
        echo(f"sync stopped after {len(done)} rounds; the store holds the last completed round")
    return done
