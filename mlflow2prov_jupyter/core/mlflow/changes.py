"""What changed in an MLflow tracking store since a time watermark: listings only, through ``MlflowClient``.

An incremental sync asks, in MLflow's millisecond clock, for the runs created (``attributes.start_time >= W``)
or finished (``attributes.end_time >= W``) since the watermark ``W``, the runs still ``RUNNING``, the deleted
runs (their ids, to see deletions and restores), and lists the experiments, logged models and the registry
(small listings; their rows are compared whole). MLflow's filters have no OR, so the two time filters are two
searches. A database or a server filters in SQL; a file store parses every run for any search, so there a
single unfiltered listing is filtered here instead (the cost is the same, once).

Nothing here reads params, metrics or artifacts: :func:`~.reader.read_mlflow` reads the runs it is given.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..errors import SourceError
from ..redact import one_line
from .reader import FILE, _store_hint, reader_environment, resolve_target

RUNS_PAGE = 50000
_RUN_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")


@dataclass(frozen=True)
class RunRow:
    """A run as listed: its state and the ids it points at (no params, metrics or artifacts)."""

    run_id: str
    experiment_id: str
    status: str
    lifecycle: str
    start: int
    end: int
    parent: str | None
    outputs: tuple[str, ...]

    def row(self) -> str:
        return f"r {self.run_id} {self.status} {self.start} {self.end} {self.lifecycle}"


@dataclass(frozen=True)
class ModelRow:
    model_id: str
    source_run_id: str | None
    last_updated: int
    text: str  # what the fingerprint compares


@dataclass(frozen=True)
class VersionRow:
    name: str
    version: int
    last_updated: int
    run_id: str | None
    source: str
    text: str


@dataclass
class MlflowChanges:
    """One round's listing of a tracking store relative to the watermark ``since_ms``."""

    since_ms: int
    experiments: dict[str, str] = field(default_factory=dict)  # id -> row (every experiment, any lifecycle)
    experiment_stages: dict[str, str] = field(default_factory=dict)  # id -> lifecycle stage
    runs: dict[str, RunRow] = field(default_factory=dict)  # started or ended since W, running, asked for
    running: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    children: set[str] = field(default_factory=set)  # runs whose parent was deleted or restored since
    logged_models: dict[str, ModelRow] = field(default_factory=dict)
    registered_models: dict[str, str] = field(default_factory=dict)  # name -> row
    versions: dict[tuple[str, int], VersionRow] = field(default_factory=dict)
    listing_seconds: float = 0.0

    def fingerprint_rows(self, since_ms: int) -> list[str]:
        """Rows that differ when anything listed differs; runs only those started/ended since ``since_ms`` or
        running (a running run adds the time: a round while something runs always reads it again)."""
        rows = [f"e {i} {r}" for i, r in self.experiments.items()]
        for r in self.runs.values():
            if r.run_id in self.running:
                rows.append(f"{r.row()} {time.time()}")
            elif r.start >= since_ms or r.end >= since_ms:
                rows.append(r.row())
        rows.extend(f"d {i}" for i in self.deleted)
        rows.extend(m.text for m in self.logged_models.values())
        rows.extend(f"rm {n} {t}" for n, t in self.registered_models.items())
        rows.extend(v.text for v in self.versions.values())
        return sorted(rows)


def _ms(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _row(run: Any) -> RunRow:
    i = run.info
    outputs = getattr(run, "outputs", None)
    return RunRow(
        run_id=i.run_id,
        experiment_id=str(i.experiment_id),
        status=str(i.status or ""),
        lifecycle=str(i.lifecycle_stage or ""),
        start=_ms(i.start_time),
        end=_ms(i.end_time),
        parent=(run.data.tags or {}).get("mlflow.parentRunId") or None,
        outputs=tuple(o.model_id for o in ((outputs.model_outputs if outputs else None) or [])),
    )


def list_changes(
    tracking_uri: str | os.PathLike[str],
    since_ms: int,
    also_runs: Iterable[str] = (),
    known_deleted: set[str] | None = None,
    timeout: int | None = None,
) -> MlflowChanges:
    """List the store's changes since ``since_ms`` (see the module doc); ``also_runs`` (the runs that were
    running at the last round) are listed whatever their times. With ``known_deleted`` (the runs deleted at the
    last round), runs deleted or restored since and their child runs are listed too."""
    target = resolve_target(tracking_uri)
    with reader_environment(target, timeout):
        try:
            return _list(target, since_ms, set(also_runs), known_deleted)
        except SourceError:
            raise
        except Exception as exc:  # MLflow raises MlflowException, requests errors, OSError, …
            raise SourceError(
                f"cannot list MLflow tracking store {target.display} ({one_line(exc, 240)}); {_store_hint(exc)}"
            ) from None


def _list(target: Any, since_ms: int, also_runs: set[str], known_deleted: set[str] | None) -> MlflowChanges:
    from mlflow.entities import ViewType
    from mlflow.tracking import MlflowClient

    started = time.perf_counter()
    out = MlflowChanges(since_ms)
    client = MlflowClient(tracking_uri=target.uri, registry_uri=target.uri)
    exps = client.search_experiments(view_type=ViewType.ALL, max_results=50000)
    for e in exps:
        tags = sorted((e.tags or {}).items())
        out.experiments[str(e.experiment_id)] = (
            f"{e.name} {e.lifecycle_stage} {e.last_update_time} {e.artifact_location} {tags}"
        )
        out.experiment_stages[str(e.experiment_id)] = str(e.lifecycle_stage or "")
    ids = list(out.experiments)

    def search(flt: str, view: Any = ViewType.ALL) -> list[Any]:
        found: list[Any] = []
        token = None
        while True:
            page = client.search_runs(ids, flt, run_view_type=view, max_results=RUNS_PAGE, page_token=token)
            found.extend(page)
            token = page.token
            if not token:
                return found

    if ids and target.kind == FILE:  # every search parses every run: list once, filter here
        wanted = set(also_runs)
        every: list[RunRow] = []
        for run in search(""):
            r = _row(run)
            every.append(r)
            if r.run_id in wanted:
                out.runs[r.run_id] = r
            if r.lifecycle == "deleted":
                out.deleted.add(r.run_id)
            if r.status == "RUNNING":
                out.running.add(r.run_id)
            if r.start >= since_ms or r.end >= since_ms or r.status == "RUNNING":
                out.runs[r.run_id] = r
        if known_deleted is not None:
            flipped = out.deleted ^ known_deleted
            for r in every:
                if r.run_id in flipped:
                    out.runs[r.run_id] = r
                elif r.parent in flipped:
                    out.children.add(r.run_id)
                    out.runs[r.run_id] = r
    elif ids:
        for flt in (f"attributes.start_time >= {since_ms}", f"attributes.end_time >= {since_ms}"):
            for run in search(flt):
                out.runs.setdefault(run.info.run_id, _row(run))
        for run in search("attributes.status = 'RUNNING'"):
            out.running.add(run.info.run_id)
            out.runs.setdefault(run.info.run_id, _row(run))
        out.deleted = {run.info.run_id for run in search("", ViewType.DELETED_ONLY)}
        flipped = out.deleted ^ known_deleted if known_deleted is not None else set()
        for p in sorted(p for p in flipped if _RUN_ID.fullmatch(p)):  # ids the store gave: no quoting
            for run in search(f"tags.mlflow.parentRunId = '{p}'"):
                out.children.add(run.info.run_id)
                out.runs.setdefault(run.info.run_id, _row(run))
        for rid in (set(also_runs) | flipped) - set(out.runs):
            try:
                out.runs[rid] = _row(client.get_run(rid))
            except Exception as exc:  # noqa: BLE001 - a run deleted for good: the caller removes it
                if getattr(exc, "error_code", "") != "RESOURCE_DOES_NOT_EXIST":
                    raise
    if ids:
        token = None
        while True:
            page = client.search_logged_models(experiment_ids=ids, max_results=1000, page_token=token)
            for m in page:
                status = getattr(m.status, "value", m.status)
                tags = sorted((m.tags or {}).items())
                out.logged_models[m.model_id] = ModelRow(
                    m.model_id,
                    m.source_run_id or None,
                    _ms(m.last_updated_timestamp),
                    f"m {m.model_id} {status} {m.last_updated_timestamp} {tags}",
                )
            token = page.token
            if not token:
                break
    if target.kind != FILE or os.path.isdir(os.path.join(target.root or "", "models")):
        token = None
        while True:
            models = client.search_registered_models(max_results=1000, page_token=token)
            for rm in models:
                aliases = sorted((rm.aliases or {}).items())
                tags = sorted((rm.tags or {}).items())
                out.registered_models[rm.name] = f"{rm.last_updated_timestamp} {aliases} {tags} {rm.description}"
            token = models.token
            if not token:
                break
        if out.registered_models:
            token = None
            while True:
                versions = client.search_model_versions(max_results=10000, page_token=token)
                for v in versions:
                    tags = sorted((v.tags or {}).items())
                    out.versions[(v.name, int(v.version))] = VersionRow(
                        v.name,
                        int(v.version),
                        _ms(v.last_updated_timestamp),
                        v.run_id or None,
                        v.source or "",
                        f"mv {v.name} {v.version} {v.last_updated_timestamp} {v.current_stage} {v.status} {tags}",
                    )
                token = getattr(versions, "token", None)
                if not token:
                    break
    out.listing_seconds = time.perf_counter() - started
    return out
