"""Read an MLflow tracking store into an :class:`~.records.MlflowSnapshot` (docs/prov-model.md#mlflow-elements).

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

While reading, the process tracking URI points at the store (MLflow's file registry looks logged models up through
it; see :func:`reader_environment`) and a few environment variables are set for the reader's client: HTTP retries
and timeouts (an unreachable server fails within seconds, a stalled one after ``timeout`` seconds, the user's own
``MLFLOW_HTTP_REQUEST_TIMEOUT`` / ``_MAX_RETRIES`` respected), credentials from a URI's userinfo,
``MLFLOW_ALLOW_FILE_STORE`` for file stores. All of it is restored afterwards. File stores and SQLite files are only
read. A call to a server that has not answered after a few seconds is named on stderr while it waits.

A damaged run (an unreadable file, a missing folder) does not stop the read: what can be read is kept, the run
gets ``incomplete`` (``m2p:incomplete`` in the document) and an :class:`~.errors.IncompleteWarning` names it.
Artifact listings never follow symbolic links (a link is listed as an entry) and stop at ``max_artifacts``.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import unquote, urlsplit, urlunsplit
from urllib.request import url2pathname

from ..errors import SourceError, warn_incomplete
from ..options import ExtractOptions
from ..redact import one_line, public_line
from ..values import blank_to_none, strip_secrets
from . import forked
from .records import (
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

FILE, SQL, HTTP, OTHER = "file", "sql", "http", "other"
_SQL_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql")
RUNS_PAGE = 50000  # the stores' maximum: a file store re-reads every run for each page
LOGGED_MODELS_PAGE = 1000
REGISTERED_MODELS_PAGE = 1000
MODEL_VERSIONS_PAGE = 10000
PROBE_TIMEOUT = 5  # seconds for the first request to a server (unreachable ⇒ error within 10 s)
DEFAULT_TIMEOUT = 30  # seconds any later request may stall (``timeout`` option, else $MLFLOW_HTTP_REQUEST_TIMEOUT)
NOTICE_AFTER = 5  # seconds after which the call being waited on is named on stderr
SUPPORTED_STORES = "give an mlruns folder, a file: URI, a sqlite:///… database or an http(s):// server"
_MLFLOW_SHORTHANDS = ("databricks", "databricks-uc", "uc")  # tracking URIs without "://" MLflow knows
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
def resolve_target(tracking_uri: str | os.PathLike[str]) -> StoreTarget:
    """Classify a tracking URI and check a local store exists (it is never created)."""
    text = os.fspath(tracking_uri).strip()
    if not text:
        raise SourceError("empty MLflow tracking URI; give an mlruns folder, a sqlite:///… file or an http(s):// URI")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if text.lower() in _MLFLOW_SHORTHANDS and not os.path.exists(text):
        raise SourceError(f"tracking URI {text!r} (a Databricks workspace) is not supported; {SUPPORTED_STORES}")
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
    raise SourceError(f"tracking URI scheme {scheme + ':'!r} is not supported; {SUPPORTED_STORES}")


def _file_target(path: str) -> StoreTarget:
    if not os.path.exists(path):
        raise SourceError(
            f"MLflow tracking store {path} does not exist; give an mlruns folder, a sqlite:///… file or an "
            "http(s):// URI"
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
        raise SourceError(
            f"{uri} is not a SQLite file URI; write sqlite:///relative/path.db or sqlite:////absolute/path.db"
        )
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


def request_timeout(timeout: int | None) -> int:
    """Seconds a server may stall: ``timeout``, else a valid ``$MLFLOW_HTTP_REQUEST_TIMEOUT``, else 30."""
    if timeout is not None:
        return int(timeout)
    text = os.environ.get("MLFLOW_HTTP_REQUEST_TIMEOUT", "").strip()
    try:
        return max(1, int(text)) if text else DEFAULT_TIMEOUT
    except ValueError:
        return DEFAULT_TIMEOUT


@contextmanager
def reader_environment(target: StoreTarget, timeout: int | None = None) -> Iterator[None]:
    """Point the process tracking URI at the store and set the reader's variables; restore both after.

    HTTP: the first request waits at most 5 s (an unreachable server fails fast), every later one
    :func:`request_timeout` seconds; requests are not retried unless ``MLFLOW_HTTP_REQUEST_MAX_RETRIES`` is
    set, so a stalled server fails after one timeout, not three.

    MLflow's file registry looks logged models up through the process tracking URI (else it creates
    ``./mlflow.db``). Without an explicitly set URI, ``MLFLOW_TRACKING_URI`` is set for the read; an
    explicitly set one is switched (``mlflow.set_tracking_uri``, which also resets MLflow's tracing
    setup) only for a file store, the one backend that needs it.
    """
    import mlflow

    saved_env = {k: os.environ.get(k) for k in _ENV_KEYS}
    explicit = _current_global_tracking_uri()
    switched = False
    stall = request_timeout(timeout)
    retries = saved_env["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] or "0"
    try:
        if target.kind == FILE:
            os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
        os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
        os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] = str(min(PROBE_TIMEOUT, stall))
        os.environ[_STALL_ENV] = str(stall)
        os.environ[_RETRIES_ENV] = retries
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
        os.environ.pop(_STALL_ENV, None)
        os.environ.pop(_RETRIES_ENV, None)
        if switched and explicit is not None:  # switched only from an explicit URI
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


# The read's stall timeout and the user's retries, kept beside the variables MLflow reads (restored after).
_STALL_ENV = "_MLFLOW2PROV_STALL_TIMEOUT"
_RETRIES_ENV = "_MLFLOW2PROV_MAX_RETRIES"


def _after_probe() -> None:
    """The store answered: from now on wait up to the stall timeout (and retry only as the user asked)."""
    os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] = os.environ.get(_STALL_ENV, str(DEFAULT_TIMEOUT))
    os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = os.environ.get(_RETRIES_ENV, "0")


@dataclass
class _RunsPart:
    """The runs one process read: records in run order, datasets first used (with that run's order), warnings."""

    records: list[RunRecord] = field(default_factory=list)
    datasets: dict[tuple[str, str], tuple[tuple[Any, ...], DatasetRecord]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _run_order(rec: RunRecord) -> tuple[tuple[int, int, str], str]:
    return (_id_sort_key(rec.experiment_id), rec.run_id)


# ------------------------------------------------------------------------------------------- read
def read_mlflow(
    tracking_uri: str | os.PathLike[str],
    options: ExtractOptions,
    progress: bool | None = None,
    runs: Iterable[str] | None = None,
) -> MlflowSnapshot:
    """Read experiments, runs, logged models, datasets and the registry of one store (docs/prov-model.md).

    ``runs``: read only these runs (by id, one ``get_run`` each: an incremental sync's few changed runs) instead
    of every run of the experiments; ids not found, deleted (unless ``include_deleted``) or outside the
    experiments are left out. Experiments, logged models and the registry are read whole either way.

    ``tracking_uri``: an mlruns folder (path or ``file:`` URI), ``sqlite:///…`` (or another SQLAlchemy
    URI), or ``http(s)://[user:password@]host`` (credentials otherwise from ``MLFLOW_TRACKING_USERNAME`` /
    ``_PASSWORD`` / ``_TOKEN``). Raises :class:`SourceError` (one line) for a missing or unreachable
    store and for an unknown id in ``options.experiment_ids``.
    """
    target = resolve_target(tracking_uri)
    show = options.progress if progress is None else progress
    if show is None:
        show = sys.stderr.isatty()
    with reader_environment(target, options.timeout):
        reader = _Reader(target, options, bool(show))
        reader.only_runs = None if runs is None else list(dict.fromkeys(runs))
        return reader.read()


class _Reader:
    def __init__(self, target: StoreTarget, options: ExtractOptions, progress: bool) -> None:
        from mlflow import MlflowClient

        self.target = target
        self.opts = options
        self.progress = progress
        self._waiting: _Waiting | None = None
        self.client = self._call("open", MlflowClient, tracking_uri=target.uri, registry_uri=target.uri)
        self.snap = MlflowSnapshot()
        self._dead_artifact_roots: dict[str, int] = {}
        self._quiet = False
        self.only_runs: list[str] | None = None  # read() reads only these runs (read_mlflow's ``runs``)

    # -- helpers --------------------------------------------------------------------------------------
    def _call(self, what: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        waiting = self._waiting
        if waiting is not None:
            waiting.begin(what)
        try:
            return fn(*args, **kw)
        except SourceError:
            raise
        except Exception as exc:  # MLflow raises MlflowException, requests errors, OSError, …
            err = SourceError(
                f"cannot read MLflow tracking store {self.target.display} ({what}: {one_line(exc, 240)}); "
                f"{_store_hint(exc)}"
            )
            err.original = exc  # for the caller's choice: damaged run data or an unreachable store
            raise err from None
        finally:
            if waiting is not None:
                waiting.end()

    def _warn(self, msg: str) -> None:
        msg = public_line(msg)
        self.snap.warnings.append(msg)
        if not self._quiet:  # a forked reader's warnings are raised by the parent
            warn_incomplete(msg, stacklevel=4)

    def _damaged(self, rec: RunRecord, what: str, rest: str = "the rest of the run was read") -> None:
        """Mark ``rec`` incomplete (its part ``what`` could not be read) and warn once for it."""
        rec.incomplete = what if rec.incomplete is None else f"{rec.incomplete}; {what}"
        self._warn(f"run {rec.run_id}: {what}; {rest} (marked m2p:incomplete)")

    def _local_damage(self, err: SourceError) -> bool:
        """Whether a failed per-run call means damaged run data (read around it) rather than an unreachable
        store (fail at once: every further call would wait as long)."""
        if self.target.kind != HTTP:
            return True
        from mlflow.exceptions import RestException

        return isinstance(getattr(err, "original", None), RestException)  # the server answered, about this run

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
        if self.target.kind != FILE:  # a file store never stalls; its reads fork (no thread may exist then)
            self._waiting = _Waiting(self.target.display, with_timeout=self.target.kind == HTTP)
        try:
            experiments = self._read_experiments()
            _after_probe()
            exp_ids = [e.experiment_id for e in experiments]
            self.snap.logged_models = self._read_logged_models(exp_ids) if exp_ids else []
            if exp_ids and self.only_runs is not None:
                self._read_runs_by_id(self.only_runs, set(exp_ids), view)
            elif exp_ids:
                self._read_runs(exp_ids, view)
            self._read_registry()
        finally:
            if self._waiting is not None:
                self._waiting.stop()
                self._waiting = None
        self.snap.experiments = experiments
        return self.snap

    def _read_experiments(self) -> list[ExperimentRecord]:
        from mlflow.entities import ViewType

        found = list(
            self._pages("search_experiments", self.client.search_experiments, view_type=ViewType.ALL, max_results=50000)
        )
        by_id = {str(e.experiment_id): e for e in found}
        wanted = self.opts.experiment_ids
        if wanted is not None:
            missing = [i for i in wanted if i not in by_id]
            if missing:
                known = ", ".join(sorted(by_id, key=_id_sort_key)[:10]) or "none"
                raise SourceError(
                    f"experiment id {missing[0]!r} does not exist in {self.target.display}; known ids: {known}"
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
        if self.target.kind != FILE or self.target.root is None or len(exp_ids) < 2 or not forked.can_fork():
            return None
        sizes = {}
        for e in exp_ids:
            try:
                sizes[e] = len(os.listdir(os.path.join(self.target.root, str(e))))
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
            "search_logged_models",
            self.client.search_logged_models,
            experiment_ids=exp_ids,
            max_results=LOGGED_MODELS_PAGE,
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

                    bars.append(
                        tqdm(
                            total=len(groups),
                            desc=f"MLflow runs ({len(groups)} processes)",
                            unit=" experiment groups",
                            leave=False,
                            file=sys.stderr,
                        )
                    )
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
        datasets: dict[tuple[str, str], tuple[tuple[Any, ...], DatasetRecord]] = {}
        for part in parts:
            records.extend(part.records)
            for key, (order, d) in part.datasets.items():
                if key not in datasets or order < datasets[key][0]:
                    datasets[key] = (order, d)  # described by the first run (in run order) that used it
        records.sort(key=_run_order)
        self.snap.runs = records
        self.snap.datasets = sorted((d for _, d in datasets.values()), key=lambda d: (d.name, d.digest))

    def _read_runs_by_id(self, run_ids: list[str], exp_ids: set[str], view: Any) -> None:
        """Only the runs ``run_ids`` (``get_run`` each), read into records exactly as :meth:`_read_runs` reads
        them; runs missing, outside ``exp_ids`` or deleted (view ACTIVE_ONLY) are left out."""
        from mlflow.entities import ViewType

        found = []
        for rid in run_ids:
            try:
                run = self._call("get_run", self.client.get_run, rid)
            except SourceError as err:
                if getattr(getattr(err, "original", None), "error_code", "") != "RESOURCE_DOES_NOT_EXIST":
                    raise
                continue  # gone (deleted for good): the caller removes its unit
            if str(run.info.experiment_id) not in exp_ids:
                continue
            if view == ViewType.ACTIVE_ONLY and run.info.lifecycle_stage == "deleted":
                continue
            found.append(run)
        found.sort(key=lambda r: (_id_sort_key(str(r.info.experiment_id)), r.info.run_id))
        datasets: dict[tuple[str, str], tuple[tuple[Any, ...], DatasetRecord]] = {}
        # get_run already holds the model inputs: no second call per run
        records = [self._run_record(r, self.opts.latest_metrics_only, False, datasets) for r in found]
        records.sort(key=_run_order)
        self.snap.runs = records
        self.snap.datasets = sorted((d for _, d in datasets.values()), key=lambda d: (d.name, d.digest))

    def _runs_of(self, exp_ids: list[str], view: Any, progress: bool) -> "_RunsPart":
        """Search the runs of ``exp_ids`` and read each into a :class:`RunRecord` (in run order)."""
        warned = len(self.snap.warnings)
        part = _RunsPart()
        try:
            runs = list(
                self._pages(
                    "search_runs",
                    self.client.search_runs,
                    experiment_ids=exp_ids,
                    run_view_type=view,
                    max_results=RUNS_PAGE,
                )
            )
        except SourceError:
            if self.target.kind != FILE:
                raise
            runs = self._runs_one_by_one(exp_ids, view, part)  # a damaged run broke the search
        runs.sort(key=lambda r: (_id_sort_key(str(r.info.experiment_id)), r.info.run_id))
        iterable: Any = runs
        if progress and runs:
            from tqdm import tqdm  # not tqdm.auto: the core never imports IPython

            iterable = tqdm(runs, desc="MLflow runs", unit=" runs", leave=False, file=sys.stderr)
        latest = self.opts.latest_metrics_only
        need_get_run = self.target.kind != FILE and bool(self.snap.logged_models)
        for run in iterable:
            rec = self._run_record(run, latest, need_get_run, part.datasets)
            part.records.append(rec)
        part.records.sort(key=_run_order)  # runs read one by one include unreadable ones, added as stubs
        part.warnings = self.snap.warnings[warned:]  # handed back with the part (a forked child's are lost else)
        del self.snap.warnings[warned:]
        return part

    def _runs_one_by_one(self, exp_ids: list[str], view: Any, part: "_RunsPart") -> list[Any]:
        """A file store's runs read with ``get_run`` each (when ``search_runs`` failed on a damaged run):
        the readable runs are returned; each unreadable one becomes a stub record marked incomplete, with
        one warning naming the run and, where it can be found, the damaged file."""
        from mlflow.entities import ViewType

        root = self.target.root or ""
        runs = []
        for exp_id in exp_ids:
            folder = os.path.join(root, exp_id)
            if not os.path.isdir(folder):
                folder = os.path.join(root, ".trash", exp_id)
            try:
                names = sorted(n for n in os.listdir(folder) if os.path.isdir(os.path.join(folder, n)))
            except OSError:
                continue
            for name in names:
                if name in ("models", "datasets", "traces", "tags") or name.startswith("."):
                    continue
                try:
                    run = self.client.get_run(name)
                except Exception as exc:  # noqa: BLE001 - whatever broke, this run is damaged
                    rec = RunRecord(run_id=name, experiment_id=exp_id, artifacts_listed=False)
                    damaged = _damaged_file(os.path.join(folder, name))
                    what = f"cannot read {damaged}" if damaged else f"cannot read the run ({one_line(exc, 160)})"
                    self._damaged(rec, what, "only its id is kept")
                    part.records.append(rec)
                    continue
                stage = run.info.lifecycle_stage
                if view == ViewType.ACTIVE_ONLY and stage == "deleted":
                    continue
                runs.append(run)
        return runs

    def _run_record(
        self,
        run: Any,
        latest: bool,
        need_get_run: bool,
        datasets: dict[tuple[str, str], tuple[tuple[Any, ...], DatasetRecord]],
    ) -> RunRecord:
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
                try:
                    hist = self._call("get_metric_history", self.client.get_metric_history, rid, key)
                except SourceError as err:
                    if not self._local_damage(err):
                        raise
                    why = one_line(getattr(err, "original", err), 160)
                    self._damaged(rec, f"cannot read the history of metric {key!r} ({why}), only its latest point")
                    hist = [m for m in run.data.to_proto().metrics if m.key == key]
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
            try:
                full = self._call("get_run", self.client.get_run, rid)
                model_inputs = [mi.model_id for mi in ((full.inputs.model_inputs if full.inputs else None) or [])]
            except SourceError as err:
                if not self._local_damage(err):
                    raise
                self._damaged(rec, f"cannot read its model inputs ({one_line(getattr(err, 'original', err), 160)})")
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
        limit = self.opts.max_artifacts
        if local is not None:
            try:
                entries = _walk_local(local, depth, limit)
            except OSError as exc:
                run.incomplete = "artifacts not listed"
                self._warn(
                    f"cannot list the artifacts of run {run.run_id} ({one_line(exc, 240)}); artifacts_listed = false"
                )
                return None, False
            if len(entries) > limit:
                self._damaged(run, f"artifact listing stopped after {limit} entries (max_artifacts)")
                del entries[limit:]
            return entries, True
        root = _root_key(uri)
        if root in self._dead_artifact_roots:
            self._dead_artifact_roots[root] += 1
            return None, False
        retries = os.environ.get("MLFLOW_HTTP_REQUEST_MAX_RETRIES")
        os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"  # an unreachable artifact store fails at once
        try:
            from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

            repo = get_artifact_repository(uri, tracking_uri=self.target.uri)
            entries = _walk_repo(repo, depth, limit)
            if len(entries) > limit:
                self._damaged(run, f"artifact listing stopped after {limit} entries (max_artifacts)")
                del entries[limit:]
            return entries, True
        except Exception as exc:
            run.incomplete = "artifacts not listed"
            self._dead_artifact_roots[root] = 1
            self._warn(
                f"cannot list the artifacts of run {run.run_id} under {strip_secrets(uri)} ({one_line(exc, 160)}); "
                "artifacts_listed = false (other runs under the same artifact root are skipped)"
            )
            return None, False
        finally:
            if retries is not None:
                os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = retries

    # -- registry ---------------------------------------------------------------------------------------
    def _read_registry(self) -> None:
        if self.target.kind == FILE and not os.path.isdir(os.path.join(self.target.root or "", "models")):
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
                self._pages("search_model_versions", self.client.search_model_versions, max_results=MODEL_VERSIONS_PAGE)
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

            text: str = ModelVersionStatus.to_string(v)  # type: ignore[no-untyped-call]  # unannotated in mlflow
            return text
        except Exception:
            return str(v)
    return str(v)


def _id_sort_key(eid: str) -> tuple[int, int, str]:
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


def _walk_local(root: str, max_depth: int | None, limit: int | None = None) -> list[ArtifactEntry]:
    """Every file and directory under ``root`` (missing root: none), down to ``max_depth`` levels; at most
    ``limit`` + 1 entries (one more tells the caller there were more).

    A symbolic link is listed as an entry (no size) and never followed: the walk stays under ``root``.
    """
    out: list[ArtifactEntry] = []
    if not os.path.isdir(root):
        return out
    stop = None if limit is None else limit + 1

    def walk(path: str, rel: str, depth: int) -> bool:
        if max_depth is not None and depth > max_depth:
            return True
        with os.scandir(path) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in entries:
            if stop is not None and len(out) >= stop:
                return False
            child = f"{rel}{e.name}"
            if e.is_symlink():
                out.append(ArtifactEntry(child, False, None))
            elif e.is_dir(follow_symlinks=False):
                out.append(ArtifactEntry(child, True, None))
                if not walk(e.path, child + "/", depth + 1):
                    return False
            else:
                try:
                    size = e.stat(follow_symlinks=False).st_size
                except OSError:
                    size = None
                out.append(ArtifactEntry(child, False, size))
        return True

    walk(root, "", 1)
    return out


def _walk_repo(repo: Any, max_depth: int | None, limit: int | None = None) -> list[ArtifactEntry]:
    """Every entry of an artifact repository, listed one directory per request (at most ``limit`` + 1)."""
    out: list[ArtifactEntry] = []
    stop = None if limit is None else limit + 1

    def walk(path: str | None, depth: int) -> bool:
        if max_depth is not None and depth > max_depth:
            return True
        infos = sorted(repo.list_artifacts(path), key=lambda f: f.path)
        for f in infos:
            if stop is not None and len(out) >= stop:
                return False
            rel = f.path.strip("/")
            if f.is_dir:
                out.append(ArtifactEntry(rel, True, None))
                if not walk(rel, depth + 1):
                    return False
            else:
                size = f.file_size
                out.append(ArtifactEntry(rel, False, None if size is None else int(size)))
        return True

    walk(None, 1)
    return out


def _damaged_file(run_dir: str) -> str | None:
    """The first file of a file-store run folder MLflow cannot read (missing meta.yaml, a folder missing, text
    that is not UTF-8), as ``<run folder>/<path>``; None if none is found."""
    base = os.path.basename(run_dir)
    meta = os.path.join(run_dir, "meta.yaml")
    if not os.path.isfile(meta):
        return f"{base}/meta.yaml (missing)"
    candidates = [meta]
    for sub in ("params", "tags", "metrics"):
        for dirpath, _, files in os.walk(os.path.join(run_dir, sub)):
            candidates.extend(os.path.join(dirpath, f) for f in sorted(files))
    for path in candidates:
        try:
            with open(path, "rb") as fh:
                fh.read().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else (exc.strerror or "unreadable")
            return f"{base}/{os.path.relpath(path, run_dir)} ({reason})"
    if not os.path.isdir(os.path.join(run_dir, "artifacts")):
        return f"{base}/artifacts (missing)"
    return None


def _store_hint(exc: BaseException) -> str:
    """The fix to suggest for a failed store call (a database schema newer than this MLflow's, else reach)."""
    text = str(exc)
    if "out-of-date database schema" in text:
        import re

        m = re.search(r"found version (\w+)", text)
        if m and not _known_schema(m.group(1)):
            import mlflow

            return (f"the database was written by a newer MLflow than the installed {mlflow.__version__}; "
                    "upgrade mlflow (pip install -U mlflow), do not run 'mlflow db upgrade'")  # fmt: skip
        return "the database is older than the installed MLflow; run 'mlflow db upgrade' on a copy of it"
    return "check the tracking URI and that the store is reachable"


def _known_schema(revision: str) -> bool:
    """Whether the installed MLflow has a migration to database schema ``revision``."""
    try:
        import mlflow.store.db_migrations as migrations

        folder = os.path.join(os.path.dirname(migrations.__file__), "versions")
        return any(name.startswith(revision + "_") for name in os.listdir(folder))
    except (ImportError, OSError):
        return True


class _Waiting:
    """Names the call a read waits on: after :data:`NOTICE_AFTER` seconds without an answer, one line on
    stderr (once per call). One daemon thread per read of a server or database, stopped by :meth:`stop`."""

    def __init__(self, store: str, with_timeout: bool) -> None:
        self._store = store
        self._with_timeout = with_timeout
        self._call: tuple[str, float] | None = None
        self._told: tuple[str, float] | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="mlflow2prov-waiting", daemon=True)
        self._thread.start()

    def begin(self, what: str) -> None:
        self._call = (what, time.monotonic())

    def end(self) -> None:
        self._call = None

    def stop(self) -> None:
        self._done.set()
        self._thread.join(timeout=2)

    def _watch(self) -> None:
        while not self._done.wait(0.5):
            call = self._call
            if call is None or call is self._told:
                continue
            waited = time.monotonic() - call[1]
            stall = os.environ.get("MLFLOW_HTTP_REQUEST_TIMEOUT", "?") if self._with_timeout else ""
            if waited >= min(NOTICE_AFTER, _half(stall)):
                self._told = call
                limit = f"; timeout {stall} s" if stall else ""
                try:
                    sys.stderr.write(f"waiting for {call[0]} from {public_line(self._store)} "
                                     f"({waited:.0f} s{limit})\n")  # fmt: skip
                    sys.stderr.flush()
                except (OSError, ValueError):
                    pass


def _half(seconds: str) -> float:
    """Half a timeout in seconds (at least 1): a short timeout is announced before it ends."""
    try:
        return max(1.0, int(seconds) / 2)
    except ValueError:
        return float(NOTICE_AFTER)
