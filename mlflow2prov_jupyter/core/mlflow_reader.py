"""Read an MLflow tracking store into an :class:`~.mlflow_model.MlflowSnapshot` (docs/prov-model.md#mlflow-elements).

Only the public ``MlflowClient`` API of the given store is used (plus artifact repositories for listing),
with paged bulk searches; per-run requests only where no bulk call exists:

* ``search_runs`` gives info, params, tags, latest metrics with step and timestamp (read through the public
  ``run.data.to_proto()``; ``metric_history="latest"`` needs nothing else), dataset inputs, model outputs;
* ``get_run`` per run only for model inputs, which ``search_runs`` leaves empty on SQL stores and behind a
  server, and only when the scope holds logged models at all (an input can only link to one of them);
* ``get_metric_history`` per run and key only with ``metric_history="all"``;
* artifacts are listed under the run's ``artifact_uri``: a direct ``os.scandir`` walk for local roots, an
  artifact repository otherwise (``mlflow-artifacts:`` resolved against the tracking URI).

On a local file store, where all of this is Python parsing files, a single-threaded process shares the
experiments out among forked processes (:mod:`.forked`; same records, same warnings, in the same order).

While reading, the process tracking URI points at the store (MLflow's file registry looks logged models
up through it; see :func:`reader_environment`) and a few environment variables are set for the reader's client: HTTP retries and timeouts
(an unreachable server fails within seconds), credentials from a URI's userinfo, ``MLFLOW_ALLOW_FILE_STORE``
for file stores. All of it is restored afterwards. File stores and SQLite files are only read.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import unquote, urlsplit, urlunsplit
from urllib.request import url2pathname

from . import forked
from .errors import SourceError
from .mlflow_model import (
    DELETED_INTERNAL_STAGE,
    ArtifactEntry,
    DatasetRecord,
    DatasetUse,
    ExperimentRecord,
    LoggedModelRecord,
    MetricPoint,
    MlflowSnapshot,
    ModelOutput,
    ModelVersionRecord,
    RegisteredModelRecord,
    RunRecord,
)
from .options import ExtractOptions
from .values import blank_to_none, strip_secrets

FILE, SQL, HTTP, OTHER = "file", "sql", "http", "other"
_SQL_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql")
RUNS_PAGE = 50000  # the stores' maximum: a file store re-reads every run for each page
LOGGED_MODELS_PAGE = 1000
REGISTERED_MODELS_PAGE = 1000
MODEL_VERSIONS_PAGE = 10000
PROBE_TIMEOUT = "5"  # seconds for the first request to a server (unreachable ⇒ error within 10 s)
READ_TIMEOUT = "60"
DATA_CONTEXT_TAG = "mlflow.data.context"


@dataclass(frozen=True)
class StoreTarget:
    """Where and how to read: the client URI, its kind, a secret-free name for messages, credentials."""

    kind: str
    uri: str
    display: str
    root: str | None = None  # local directory of a file store
    username: str | None = None
    password: str | None = None


# ------------------------------------------------------------------------------------------ target
def resolve_target(tracking_uri: str | os.PathLike) -> StoreTarget:
    """Classify a tracking URI and check a local store exists (it is never created)."""
    text = os.fspath(tracking_uri).strip()
    if not text:
        raise SourceError("empty MLflow tracking URI; give an mlruns folder, a sqlite:///… file or an http(s):// URI")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if len(scheme) <= 1 or scheme == "file":
        path = url2pathname(unquote(parts.path)) if scheme == "file" else text
        if scheme == "file" and parts.netloc not in ("", "localhost"):
            path = f"//{parts.netloc}{path}"
        return _file_target(os.path.abspath(os.path.expanduser(path)))
    if scheme.split("+", 1)[0] in _SQL_SCHEMES:
        if scheme.startswith("sqlite"):
            _check_sqlite(text)
        return StoreTarget(SQL, text, strip_secrets(text) or text)
    if scheme in ("http", "https"):
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        netloc = parts.netloc.rsplit("@", 1)[-1]
        clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
        return StoreTarget(HTTP, clean, strip_secrets(clean) or clean, username=user, password=password)
    return StoreTarget(OTHER, text, strip_secrets(text) or text)


def _file_target(path: str) -> StoreTarget:
    if not os.path.exists(path):
        raise SourceError(
            f"MLflow tracking store {path} does not exist; give an mlruns folder, a sqlite:///… file or an http(s):// URI"
        )
    if not os.path.isdir(path):
        raise SourceError(f"MLflow tracking store {path} is not a folder; give an mlruns folder or a sqlite:///… URI")
    if not _looks_like_file_store(path):
        raise SourceError(
            f"{path} is not an MLflow file store (no experiment folder with meta.yaml); give the mlruns folder itself"
        )
    return StoreTarget(FILE, _path_to_uri(path), path, root=path)


def _path_to_uri(path: str) -> str:
    from pathlib import Path

    return Path(path).as_uri()


def _looks_like_file_store(path: str) -> bool:
    if os.path.isdir(os.path.join(path, ".trash")):
        return True
    try:
        with os.scandir(path) as it:
            for entry in it:
                if entry.is_dir() and os.path.isfile(os.path.join(entry.path, "meta.yaml")):
                    return True
    except OSError:
        return False
    return False


def _check_sqlite(uri: str) -> None:
    """A sqlite URI must name an existing MLflow database (MLflow would create or migrate it)."""
    rest = uri.split(":", 1)[1]
    if not rest.startswith("///"):
        raise SourceError(f"{uri} is not a SQLite file URI; write sqlite:///relative/path.db or sqlite:////absolute/path.db")
    path = unquote(rest[3:].split("?", 1)[0])
    if path in ("", ":memory:"):
        raise SourceError(f"{uri} names no database file; give sqlite:///path/to/mlflow.db")
    if not os.path.isfile(path):
        raise SourceError(f"MLflow database {path} does not exist; give the path of an existing mlflow.db")
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise SourceError(f"{path} is not a readable SQLite database ({exc}); give an MLflow mlflow.db") from None
    if not {"experiments", "runs", "alembic_version"} <= names:  # else MLflow would create its tables
        raise SourceError(f"{path} is not an MLflow tracking database (no MLflow tables); give an MLflow mlflow.db")


# ------------------------------------------------------------------------------------- environment
_ENV_KEYS = (
    "MLFLOW_TRACKING_URI",
    "MLFLOW_ALLOW_FILE_STORE",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES",
    "MLFLOW_HTTP_REQUEST_TIMEOUT",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR",
    "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER",
    "MLFLOW_TRACKING_USERNAME",
    "MLFLOW_TRACKING_PASSWORD",
)


@contextmanager
def reader_environment(target: StoreTarget) -> Iterator[None]:
    """Point the process tracking URI at the store and set the reader's variables; restore both after.

    MLflow's file registry looks logged models up through the process tracking URI (else it creates
    ``./mlflow.db``). Without an explicitly set URI, ``MLFLOW_TRACKING_URI`` is set for the read; an
    explicitly set one is switched (``mlflow.set_tracking_uri``, which also resets MLflow's tracing
    setup) only for a file store, the one backend that needs it.
    """
    import mlflow

    saved_env = {k: os.environ.get(k) for k in _ENV_KEYS}
    explicit = _current_global_tracking_uri()
    switched = False
    try:
        if target.kind == FILE:
            os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
        os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
        os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] = PROBE_TIMEOUT
        os.environ["MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"] = "1"
        os.environ["MLFLOW_HTTP_REQUEST_BACKOFF_JITTER"] = "0"
        if target.username is not None:
            os.environ["MLFLOW_TRACKING_USERNAME"] = target.username
            if target.password is not None:
                os.environ["MLFLOW_TRACKING_PASSWORD"] = target.password
            else:
                os.environ.pop("MLFLOW_TRACKING_PASSWORD", None)
        if explicit is None:
            os.environ["MLFLOW_TRACKING_URI"] = target.uri
        elif explicit != target.uri and target.kind == FILE:
            mlflow.set_tracking_uri(target.uri)
            switched = True
        yield
    finally:
        if switched:
            mlflow.set_tracking_uri(explicit)
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _current_global_tracking_uri() -> str | None:
    """The tracking URI explicitly set in this process (None if unset), to restore it exactly."""
    from mlflow.tracking._tracking_service import utils as tracking_utils

    return getattr(tracking_utils, "_tracking_uri", None)


def _after_probe() -> None:
    """The store answered: allow slow pages and a couple of retries from now on."""
    os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] = READ_TIMEOUT
    os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "2"


def _one_line(exc: BaseException, limit: int = 240) -> str:
    """An exception as one short line; network failures by their cause."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    low = text.lower()
    if "connection refused" in low:
        return "connection refused"
    if "timed out" in low or "timeout" in low:
        return "no answer in time"
    if "name or service not known" in low or "nodename nor servname" in low or "getaddrinfo failed" in low:
        return "unknown host"
    for marker in ("Caused by ", "Failed to establish a new connection: "):
        if marker in text:
            text = text.split(marker, 1)[1]
    text = text.strip(" ()'\"")
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class _RunsPart:
    """The runs one process read: records in run order, datasets first used (with that run's order), warnings."""

    records: list[RunRecord] = field(default_factory=list)
    datasets: dict[tuple[str, str], tuple[tuple, DatasetRecord]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _run_order(rec: RunRecord) -> tuple:
    return (_id_sort_key(rec.experiment_id), rec.run_id)


# ------------------------------------------------------------------------------------------- read
def read_mlflow(
    tracking_uri: str | os.PathLike, options: ExtractOptions, progress: bool | None = None
) -> MlflowSnapshot:
    """Read experiments, runs, logged models, datasets and the registry of one store (docs/prov-model.md).

    ``tracking_uri``: an mlruns folder (path or ``file:`` URI), ``sqlite:///…`` (or another SQLAlchemy
    URI), or ``http(s)://[user:password@]host`` (credentials otherwise from ``MLFLOW_TRACKING_USERNAME`` /
    ``_PASSWORD`` / ``_TOKEN``). Raises :class:`SourceError` (one line) for a missing or unreachable
    store and for an unknown id in ``options.experiment_ids``.
    """
    target = resolve_target(tracking_uri)
    show = options.progress if progress is None else progress
    if show is None:
        show = sys.stderr.isatty()
    with reader_environment(target):
        return _Reader(target, options, bool(show)).read()


class _Reader:
    def __init__(self, target: StoreTarget, options: ExtractOptions, progress: bool) -> None:
        from mlflow import MlflowClient

        self.t = target
        self.opts = options
        self.progress = progress
        self.client = self._call("open", MlflowClient, tracking_uri=target.uri, registry_uri=target.uri)
        self.snap = MlflowSnapshot()
        self._dead_artifact_roots: dict[str, int] = {}
        self._quiet = False

    # -- helpers --------------------------------------------------------------------------------------
    def _call(self, what: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        except SourceError:
            raise
        except Exception as exc:  # MLflow raises MlflowException, requests errors, OSError, …
            raise SourceError(
                f"cannot read MLflow tracking store {self.t.display} ({what}: {_one_line(exc)}); "
                "check the tracking URI and that the store is reachable"
            ) from None

    def _warn(self, msg: str) -> None:
        self.snap.warnings.append(msg)
        if not self._quiet:  # a forked reader's warnings are raised by the parent
            warnings.warn(msg, UserWarning, stacklevel=4)

    def _pages(self, what: str, fn: Callable[..., Any], **kw: Any) -> Iterator[Any]:
        token = None
        while True:
            page = self._call(what, fn, page_token=token, **kw)
            yield from page
            token = getattr(page, "token", None)
            if not token:
                return

    # -- read -----------------------------------------------------------------------------------------
    def read(self) -> MlflowSnapshot:
        from mlflow.entities import ViewType

        view = ViewType.ALL if self.opts.include_deleted else ViewType.ACTIVE_ONLY
        experiments = self._read_experiments()
        _after_probe()
        exp_ids = [e.experiment_id for e in experiments]
        self.snap.logged_models = self._read_logged_models(exp_ids) if exp_ids else []
        if exp_ids:
            self._read_runs(exp_ids, view)
        self._read_registry()
        self.snap.experiments = experiments
        return self.snap

    def _read_experiments(self) -> list[ExperimentRecord]:
        from mlflow.entities import ViewType

        found = list(self._pages("search_experiments", self.client.search_experiments, view_type=ViewType.ALL, max_results=50000))
        by_id = {str(e.experiment_id): e for e in found}
        wanted = self.opts.experiment_ids
        if wanted is not None:
            missing = [i for i in wanted if i not in by_id]
            if missing:
                known = ", ".join(sorted(by_id, key=_id_sort_key)[:10]) or "none"
                raise SourceError(
                    f"experiment id {missing[0]!r} does not exist in {self.t.display}; known ids: {known}"
                )
            chosen = [by_id[i] for i in dict.fromkeys(wanted)]
        else:
            chosen = list(by_id.values())
        out = []
        for e in chosen:
            if not self.opts.include_deleted and e.lifecycle_stage == "deleted":
                continue
            out.append(
                ExperimentRecord(
                    experiment_id=str(e.experiment_id),
                    name=blank_to_none(e.name),
                    artifact_location=blank_to_none(e.artifact_location),
                    lifecycle_stage=blank_to_none(e.lifecycle_stage),
                    creation_time=_ms(e.creation_time),
                    last_update_time=_ms(e.last_update_time),
                    tags=dict(e.tags or {}),
                )
            )
        out.sort(key=lambda x: _id_sort_key(x.experiment_id))
        return out

    def _parallel_groups(self, exp_ids: list[str]) -> list[list[str]] | None:
        """Experiments split into groups of about equal size for reading on several cores, or None.

        Only for a local file store, where ``search_runs`` parses every run's files in Python (a server or a
        database does its own work); sized by the entries of each experiment's folder (the runs).
        """
        if self.t.kind != FILE or self.t.root is None or len(exp_ids) < 2 or not forked.can_fork():
            return None
        sizes = {}
        for e in exp_ids:
            try:
                sizes[e] = len(os.listdir(os.path.join(self.t.root, str(e))))
            except OSError:
                sizes[e] = 1
        busy = sum(1 for e in exp_ids if sizes[e] > 1)  # an empty experiment's folder holds only meta.yaml
        n = min(busy, forked.max_processes())
        if n < 2:
            return None
        groups: list[list[str]] = [[] for _ in range(n)]
        load = [0] * n
        for e in sorted(exp_ids, key=lambda x: -sizes[x]):  # largest first, each to the lightest group
            i = load.index(min(load))
            groups[i].append(e)
            load[i] += sizes[e]
        return groups

    def _read_logged_models(self, exp_ids: list[str]) -> list[LoggedModelRecord]:
        out = []
        for m in self._pages(
            "search_logged_models", self.client.search_logged_models, experiment_ids=exp_ids, max_results=LOGGED_MODELS_PAGE
        ):
            status = getattr(m.status, "value", m.status)
            metrics = [
                MetricPoint(
                    key=x.key,
                    value=_metric(x.value),
                    step=int(x.step or 0),
                    timestamp=_ms(x.timestamp),
                    run_id=blank_to_none(x.run_id),
                    model_id=m.model_id,
                    dataset_name=blank_to_none(x.dataset_name),
                    dataset_digest=blank_to_none(x.dataset_digest),
                )
                for x in (m.metrics or [])
            ]
            out.append(
                LoggedModelRecord(
                    model_id=m.model_id,
                    experiment_id=blank_to_none(str(m.experiment_id) if m.experiment_id is not None else None),
                    name=blank_to_none(m.name),
                    source_run_id=blank_to_none(m.source_run_id),
                    model_type=blank_to_none(m.model_type),
                    status=blank_to_none(str(status) if status is not None else None),
                    status_message=blank_to_none(m.status_message),
                    artifact_location=blank_to_none(m.artifact_location),
                    creation_timestamp=_ms(m.creation_timestamp),
                    last_updated_timestamp=_ms(m.last_updated_timestamp),
                    params=dict(m.params or {}),
                    tags=dict(m.tags or {}),
                    metrics=metrics,
                )
            )
        out.sort(key=lambda x: x.model_id)
        return out

    # -- runs -----------------------------------------------------------------------------------------
    def _read_runs(self, exp_ids: list[str], view: Any) -> None:
        """Every run of the experiments, with metrics, inputs, outputs and artifacts; on a local file store
        in a single-threaded process the experiments are shared out among forked processes."""
        groups = self._parallel_groups(exp_ids)
        if groups:
            bars: list[Any] = []

            def done() -> None:  # the bar starts after the forks: tqdm's monitor thread must not exist before
                if not self.progress:
                    return
                if not bars:
                    from tqdm import tqdm  # not tqdm.auto: the core never imports IPython

                    bars.append(tqdm(total=len(groups), desc=f"MLflow runs ({len(groups)} processes)",
                                     unit=" experiment groups", leave=False, file=sys.stderr))
                bars[0].update()

            self._quiet = True
            try:
                parts = forked.map_forked(lambda ids: self._runs_of(ids, view, False), groups, on_done=done)
            finally:
                self._quiet = False
                for bar in bars:
                    bar.close()
            for part in parts:
                for msg in part.warnings:
                    self._warn(msg)
        else:
            parts = [self._runs_of(exp_ids, view, self.progress)]
            self.snap.warnings.extend(parts[0].warnings)
        records: list[RunRecord] = []
        datasets: dict[tuple[str, str], tuple[tuple, DatasetRecord]] = {}
        for part in parts:
            records.extend(part.records)
            for key, (order, d) in part.datasets.items():
                if key not in datasets or order < datasets[key][0]:
                    datasets[key] = (order, d)  # described by the first run (in run order) that used it
        records.sort(key=_run_order)
        self.snap.runs = records
        self.snap.datasets = sorted((d for _, d in datasets.values()), key=lambda d: (d.name, d.digest))

    def _runs_of(self, exp_ids: list[str], view: Any, progress: bool) -> "_RunsPart":
        """Search the runs of ``exp_ids`` and read each into a :class:`RunRecord` (in run order)."""
        runs = list(
            self._pages("search_runs", self.client.search_runs, experiment_ids=exp_ids, run_view_type=view,
                        max_results=RUNS_PAGE)
        )
        runs.sort(key=lambda r: (_id_sort_key(str(r.info.experiment_id)), r.info.run_id))
        warned = len(self.snap.warnings)
        part = _RunsPart()
        iterable: Any = runs
        if progress and runs:
            from tqdm import tqdm  # not tqdm.auto: the core never imports IPython

            iterable = tqdm(runs, desc="MLflow runs", unit=" runs", leave=False, file=sys.stderr)
        latest = self.opts.latest_metrics_only
        need_get_run = self.t.kind != FILE and bool(self.snap.logged_models)
        for run in iterable:
            rec = self._run_record(run, latest, need_get_run, part.datasets)
            part.records.append(rec)
        part.warnings = self.snap.warnings[warned:]  # handed back with the part (a forked child's are lost else)
        del self.snap.warnings[warned:]
        return part

    def _run_record(self, run: Any, latest: bool, need_get_run: bool, datasets: dict) -> RunRecord:
        info = run.info
        rid = info.run_id
        rec = RunRecord(
            run_id=rid,
            experiment_id=str(info.experiment_id),
            name=blank_to_none(info.run_name),
            status=blank_to_none(info.status),
            lifecycle_stage=blank_to_none(info.lifecycle_stage),
            artifact_uri=blank_to_none(info.artifact_uri),
            user_id=blank_to_none(info.user_id),
            start_time=_ms(info.start_time),
            end_time=_ms(info.end_time),
            params=dict(run.data.params),
            tags=dict(run.data.tags),
        )
        if latest:
            rec.metrics = [
                MetricPoint(m.key, _metric(m.value), int(m.step), _ms(m.timestamp), run_id=rid)
                for m in run.data.to_proto().metrics
            ]
        else:
            for key in sorted(run.data.metrics):
                hist = self._call("get_metric_history", self.client.get_metric_history, rid, key)
                rec.metrics.extend(
                    MetricPoint(key, _metric(m.value), int(m.step or 0), _ms(m.timestamp), run_id=rid) for m in hist
                )
        inputs = run.inputs
        if inputs is not None:
            for di in inputs.dataset_inputs or []:
                ds = di.dataset
                ctx = None
                for tag in di.tags or []:
                    if tag.key == DATA_CONTEXT_TAG:
                        ctx = blank_to_none(tag.value)
                rec.dataset_inputs.append(DatasetUse(ds.name, ds.digest, ctx))
                key = (ds.name, ds.digest)
                if key not in datasets:
                    datasets[key] = (
                        _run_order(rec),
                        DatasetRecord(
                            name=ds.name,
                            digest=ds.digest,
                            source_type=blank_to_none(ds.source_type),
                            source=blank_to_none(ds.source),
                            schema=blank_to_none(ds.schema),
                            profile=blank_to_none(ds.profile),
                        ),
                    )
            model_inputs = [mi.model_id for mi in (inputs.model_inputs or [])]
        else:
            model_inputs = []
        if need_get_run:
            full = self._call("get_run", self.client.get_run, rid)
            model_inputs = [mi.model_id for mi in ((full.inputs.model_inputs if full.inputs else None) or [])]
        rec.model_inputs = list(dict.fromkeys(m for m in model_inputs if m))
        outputs = getattr(run, "outputs", None)
        if outputs is not None:
            rec.model_outputs = [
                ModelOutput(mo.model_id, None if mo.step is None else int(mo.step))
                for mo in (outputs.model_outputs or [])
            ]
        if self.opts.include_artifacts:
            rec.artifacts, rec.artifacts_listed = self._list_artifacts(rec)
        return rec

    # -- artifacts --------------------------------------------------------------------------------------
    def _list_artifacts(self, run: RunRecord) -> tuple[list[ArtifactEntry] | None, bool]:
        uri = run.artifact_uri
        if not uri:
            return [], True
        depth = self.opts.artifact_max_depth
        local = local_path(uri)
        if local is not None:
            try:
                return _walk_local(local, depth), True
            except OSError as exc:
                self._warn(f"cannot list the artifacts of run {run.run_id} ({_one_line(exc)}); artifacts_listed = false")
                return None, False
        root = _root_key(uri)
        if root in self._dead_artifact_roots:
            self._dead_artifact_roots[root] += 1
            return None, False
        retries = os.environ.get("MLFLOW_HTTP_REQUEST_MAX_RETRIES")
        os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"  # an unreachable artifact store fails at once
        try:
            from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

            repo = get_artifact_repository(uri, tracking_uri=self.t.uri)
            return _walk_repo(repo, depth), True
        except Exception as exc:
            self._dead_artifact_roots[root] = 1
            self._warn(
                f"cannot list the artifacts of run {run.run_id} under {strip_secrets(uri)} ({_one_line(exc, 160)}); "
                "artifacts_listed = false (other runs under the same artifact root are skipped)"
            )
            return None, False
        finally:
            if retries is not None:
                os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = retries

    # -- registry ---------------------------------------------------------------------------------------
    def _read_registry(self) -> None:
        if self.t.kind == FILE and not os.path.isdir(os.path.join(self.t.root or "", "models")):
            return  # no registry in this file store; MLflow's registry would create the folder
        rms = list(
            self._pages(
                "search_registered_models", self.client.search_registered_models, max_results=REGISTERED_MODELS_PAGE
            )
        )
        if not rms:
            return
        versions: dict[str, list[ModelVersionRecord]] = {}
        try:
            found = list(
                self._pages(
                    "search_model_versions", self.client.search_model_versions, max_results=MODEL_VERSIONS_PAGE
                )
            )
        except SourceError:
            found = []
            for rm in rms:
                found.extend(
                    self._pages(
                        "search_model_versions",
                        self.client.search_model_versions,
                        filter_string=_name_filter(rm.name),
                        max_results=MODEL_VERSIONS_PAGE,
                    )
                )
        for v in found:
            stage = blank_to_none(v.current_stage)
            if not self.opts.include_deleted and stage == DELETED_INTERNAL_STAGE:
                continue
            versions.setdefault(v.name, []).append(
                ModelVersionRecord(
                    name=v.name,
                    version=int(v.version),
                    description=blank_to_none(v.description),
                    stage=stage,
                    status=blank_to_none(_enum_text(v.status)),
                    status_message=blank_to_none(v.status_message),
                    source=blank_to_none(v.source),
                    run_id=blank_to_none(v.run_id),
                    run_link=blank_to_none(v.run_link),
                    user_id=blank_to_none(v.user_id),
                    creation_timestamp=_ms(v.creation_timestamp),
                    last_updated_timestamp=_ms(v.last_updated_timestamp),
                    tags=dict(v.tags or {}),
                )
            )
        scoped = self.opts.experiment_ids is not None
        run_ids = {r.run_id for r in self.snap.runs}
        model_ids = {m.model_id for m in self.snap.logged_models}
        out = []
        for rm in rms:
            vs = sorted(versions.get(rm.name, []), key=lambda v: v.version)
            if scoped:
                vs = [v for v in vs if _version_in_scope(v, run_ids, model_ids)]
                if not vs:
                    continue
            aliases = {}
            for alias, ver in (rm.aliases or {}).items():
                try:
                    aliases[str(alias)] = int(ver)
                except (TypeError, ValueError):
                    continue
            out.append(
                RegisteredModelRecord(
                    name=rm.name,
                    description=blank_to_none(rm.description),
                    creation_timestamp=_ms(rm.creation_timestamp),
                    last_updated_timestamp=_ms(rm.last_updated_timestamp),
                    tags=dict(rm.tags or {}),
                    aliases=dict(sorted(aliases.items())),
                    versions=vs,
                )
            )
        out.sort(key=lambda r: r.name)
        self.snap.registered_models = out


# ------------------------------------------------------------------------------------------ helpers
def _ms(value: Any) -> int | None:
    """MLflow milliseconds as int; None, 0, negative or unparsable → None (unknown)."""
    if value is None or value == "":
        return None
    try:
        v = int(value)
    except (TypeError, ValueError):
        return None
    return v if v > 0 else None


_DBL_MAX = 1.7976931348623157e308


def _metric(value: Any) -> float:
    """A metric value as float; SQL stores save ±inf as ±DBL_MAX, which is read back as ±inf."""
    v = float(value)
    if v == _DBL_MAX:
        return float("inf")
    if v == -_DBL_MAX:
        return float("-inf")
    return v


def _enum_text(value: Any) -> str | None:
    if value is None:
        return None
    v = getattr(value, "value", value)
    if isinstance(v, int) and not isinstance(v, bool):
        try:
            from mlflow.entities.model_registry.model_version_status import ModelVersionStatus

            return ModelVersionStatus.to_string(v)
        except Exception:
            return str(v)
    return str(v)


def _id_sort_key(eid: str) -> tuple:
    return (0, int(eid), "") if eid.isdigit() else (1, 0, eid)


def _name_filter(name: str) -> str:
    if "'" not in name:
        return f"name='{name}'"
    return 'name="' + name.replace('"', '\\"') + '"'


def _version_in_scope(v: ModelVersionRecord, run_ids: set[str], model_ids: set[str]) -> bool:
    if v.run_id and v.run_id in run_ids:
        return True
    src = v.source or ""
    if src.startswith("models:/"):
        return src[len("models:/") :].strip("/") in model_ids
    if src.startswith("runs:/"):
        return src[len("runs:/") :].split("/", 1)[0] in run_ids
    return False


def local_path(uri: str) -> str | None:
    """The local directory of a path or ``file:`` artifact URI; None for any other scheme."""
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if len(scheme) <= 1:
        return uri
    if scheme == "file" and parts.netloc in ("", "localhost"):
        return url2pathname(unquote(parts.path))
    return None


def _root_key(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def _walk_local(root: str, max_depth: int | None) -> list[ArtifactEntry]:
    """Every file and directory under ``root`` (missing root: none), down to ``max_depth`` levels."""
    out: list[ArtifactEntry] = []
    if not os.path.isdir(root):
        return out
    seen = {os.path.realpath(root)}

    def walk(path: str, rel: str, depth: int) -> None:
        if max_depth is not None and depth > max_depth:
            return
        with os.scandir(path) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in entries:
            child = f"{rel}{e.name}"
            if e.is_dir():
                out.append(ArtifactEntry(child, True, None))
                real = os.path.realpath(e.path)
                if real in seen:
                    continue
                seen.add(real)
                walk(e.path, child + "/", depth + 1)
            else:
                try:
                    size = e.stat().st_size
                except OSError:
                    size = None
                out.append(ArtifactEntry(child, False, size))

    walk(root, "", 1)
    return out


def _walk_repo(repo: Any, max_depth: int | None) -> list[ArtifactEntry]:
    """Every entry of an artifact repository, listed one directory per request."""
    out: list[ArtifactEntry] = []

    def walk(path: str | None, depth: int) -> None:
        if max_depth is not None and depth > max_depth:
            return
        infos = sorted(repo.list_artifacts(path), key=lambda f: f.path)
        for f in infos:
            rel = f.path.strip("/")
            if f.is_dir:
                out.append(ArtifactEntry(rel, True, None))
                walk(rel, depth + 1)
            else:
                size = f.file_size
                out.append(ArtifactEntry(rel, False, None if size is None else int(size)))

    walk(None, 1)
    return out
