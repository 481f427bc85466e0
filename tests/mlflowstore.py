"""Write real MLflow tracking stores in tests without touching the process's global MLflow state.

* :class:`StoreWriter` logs through an ``MlflowClient(tracking_uri=…, registry_uri=…)`` of one store;
  every call runs with the global tracking URI pointed at the store and ``MLFLOW_ALLOW_FILE_STORE=true``
  set, both only for that call (MLflow's registries resolve logged models through the global URI).
* :meth:`StoreWriter.fluent` is for the few APIs that need the fluent layer (``mlflow.pyfunc.log_model``):
  it points the process tracking and registry URIs at the store and restores them — and every
  environment variable it touched — afterwards.
* New SQLite stores are copies of one migrated template database per test process (MLflow needs
  ~10 s to create and migrate a database; copying takes milliseconds).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.entities import Dataset, DatasetInput, InputTag, LoggedModelInput, LoggedModelOutput, Metric

T0 = 1_700_000_000_000  # 2023-11-14T22:13:20Z in MLflow milliseconds
_ENV_KEYS = ("MLFLOW_ALLOW_FILE_STORE", "MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")
_template: Path | None = None


@contextmanager
def saved_env(keys: tuple[str, ...] = _ENV_KEYS) -> Iterator[None]:
    """Restore the given environment variables to their values on entry."""
    before = {k: os.environ.get(k) for k in keys}
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def file_store_allowed() -> Iterator[None]:
    """``MLFLOW_ALLOW_FILE_STORE=true`` for the duration of the block only."""
    with saved_env(("MLFLOW_ALLOW_FILE_STORE",)):
        os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
        yield


def global_uris() -> tuple[str | None, str | None]:
    """The process's explicitly set tracking and registry URIs (None when unset)."""
    from mlflow.tracking._model_registry import utils as registry_utils
    from mlflow.tracking._tracking_service import utils as tracking_utils

    return getattr(tracking_utils, "_tracking_uri", None), getattr(registry_utils, "_registry_uri", None)


@contextmanager
def store_scope(uri: str) -> Iterator[None]:
    """Point the process tracking and registry URIs at ``uri`` (file stores allowed) for the block.

    MLflow's registries look logged models up through the *global* tracking URI (else they create
    ``./mlflow.db``); URIs and environment are restored exactly afterwards.
    """
    old_tracking, old_registry = global_uris()
    with saved_env():
        os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
        try:
            yield
        finally:
            mlflow.set_tracking_uri(old_tracking)
            mlflow.set_registry_uri(old_registry)


@contextmanager
def fluent_uri(uri: str) -> Iterator[None]:
    """:func:`store_scope` for the fluent API; runs left active in the block are ended."""
    with store_scope(uri):
        try:
            yield
        finally:
            while mlflow.active_run() is not None:
                mlflow.end_run()


def sqlite_template() -> Path:
    """A migrated, empty MLflow SQLite database, created once per test process."""
    global _template
    if _template is not None and _template.exists():
        return _template
    d = Path(tempfile.mkdtemp(prefix="m2p-sqlite-template-"))
    atexit.register(shutil.rmtree, d, True)
    db = d / "mlflow.db"
    old = os.getcwd()
    os.chdir(d)  # the default experiment's artifact location is derived from the cwd
    try:
        MlflowClient(tracking_uri=f"sqlite:///{db}", registry_uri=f"sqlite:///{db}").search_experiments()
        MlflowClient(tracking_uri=f"sqlite:///{db}", registry_uri=f"sqlite:///{db}").search_registered_models()
    finally:
        os.chdir(old)
    _template = db
    return db


class _Client:
    """An ``MlflowClient`` whose every call runs in :func:`store_scope` of its store (only during the call)."""

    def __init__(self, client: MlflowClient, uri: str) -> None:
        self._client = client
        self._uri = uri

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kw: Any) -> Any:
            if global_uris()[0] == self._uri:  # already inside a scope of this store (fluent block)
                return attr(*args, **kw)
            with store_scope(self._uri):
                return attr(*args, **kw)

        return call


class StoreWriter:
    """A tracking store under a test directory: ``kind`` "sqlite" or "file", its ``uri`` and a client."""

    def __init__(self, kind: str, uri: str, root: Path, artifact_root: Path) -> None:
        self.kind = kind
        self.uri = uri
        self.root = root
        self.artifact_root = artifact_root
        with file_store_allowed():
            self.client: Any = _Client(MlflowClient(tracking_uri=uri, registry_uri=uri), uri)
        self._tmp = root.parent / f".{root.name}-staging"

    # -- creation ----------------------------------------------------------------------------------------------
    @classmethod
    def sqlite(cls, directory: str | os.PathLike, name: str = "mlflow.db") -> "StoreWriter":
        """A fresh SQLite store ``directory/<name>`` with artifacts under ``directory/artifacts``."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        db = d / name
        shutil.copyfile(sqlite_template(), db)
        return cls("sqlite", f"sqlite:///{db}", db, d / "artifacts")

    @classmethod
    def file(cls, directory: str | os.PathLike, name: str = "mlruns") -> "StoreWriter":
        """A fresh file store ``directory/<name>`` (artifacts inside it, MLflow's default)."""
        root = Path(directory) / name
        store = cls("file", root.as_uri(), root, root)
        store.client.search_experiments()  # creates the store with its default experiment
        return store

    @contextmanager
    def fluent(self) -> Iterator[None]:
        """The fluent API (``mlflow.*``) pointed at this store for the block."""
        with fluent_uri(self.uri):
            yield

    # -- logging -------------------------------------------------------------------------------------------------
    def experiment(self, name: str, tags: dict[str, str] | None = None) -> str:
        """Create an experiment; on SQLite its artifacts go to ``artifact_root/<name>``, never the cwd."""
        location = None
        if self.kind == "sqlite":
            location = str(self.artifact_root / name.replace("/", "_"))
        return self.client.create_experiment(name, artifact_location=location, tags=tags)

    def run(
        self,
        experiment_id: str,
        *,
        user: str | None = "alice",
        name: str | None = None,
        start: int | None = None,
        end: int | None = None,
        status: str = "FINISHED",
        params: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
        metrics: list[tuple] | None = None,
        parent: str | None = None,
    ) -> str:
        """Create a run (user via tag ``mlflow.user``; None: no tag) and log the given data.

        ``metrics`` are tuples ``(key, value, step, timestamp)``; ``status`` "RUNNING" leaves it open.
        """
        all_tags = dict(tags or {})
        if user is not None:
            all_tags["mlflow.user"] = user
        if parent:
            all_tags["mlflow.parentRunId"] = parent
        r = self.client.create_run(experiment_id, start_time=start, tags=all_tags, run_name=name)
        rid = r.info.run_id
        if params or metrics:
            self.client.log_batch(
                rid,
                metrics=[Metric(k, float(v), int(ts), int(s)) for k, v, s, ts in (metrics or [])],
                params=[mlflow.entities.Param(k, str(v)) for k, v in (params or {}).items()],
            )
        if status != "RUNNING":
            self.client.set_terminated(rid, status=status, end_time=end)
        return rid

    def files(self, run_id: str, files: dict[str, str | bytes]) -> None:
        """Log artifacts: ``{relative path: content}`` written to a staging folder, then ``log_artifacts``."""
        staging = Path(tempfile.mkdtemp(prefix="art-", dir=self.root.parent))
        try:
            for rel, content in files.items():
                p = staging / rel
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(content.encode() if isinstance(content, str) else content)
            self.client.log_artifacts(run_id, str(staging))
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def datasets(self, run_id: str, inputs: list[tuple[str, str, str | None]], **fields: str) -> None:
        """Log dataset inputs ``(name, digest, context)`` with a local source and a small schema."""
        di = []
        for name, digest, context in inputs:
            ds = Dataset(
                name=name,
                digest=digest,
                source_type=fields.get("source_type", "local"),
                source=fields.get("source", f'{{"uri": "/data/{name}.csv"}}'),
                schema=fields.get("schema", '{"mlflow_colspec": [{"type": "double", "name": "x"}]}'),
                profile=fields.get("profile", '{"num_rows": 3}'),
            )
            tags = [InputTag("mlflow.data.context", context)] if context is not None else []
            di.append(DatasetInput(ds, tags=tags))
        self.client.log_inputs(run_id, datasets=di)

    def logged_model(
        self,
        experiment_id: str,
        name: str,
        *,
        source_run_id: str | None = None,
        params: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
        step: int | None = None,
    ) -> str:
        """A logged model created by the client (no artifacts); ``step`` also logs it as the run's output."""
        m = self.client.create_logged_model(
            experiment_id, name=name, source_run_id=source_run_id, params=params, tags=tags
        )
        if source_run_id and step is not None:
            self.client.log_outputs(source_run_id, [LoggedModelOutput(m.model_id, step)])
        return m.model_id

    def model_input(self, run_id: str, model_id: str) -> None:
        self.client.log_inputs(run_id, models=[LoggedModelInput(model_id)])

    def checksum(self) -> str:
        """A digest over every path, file content and directory of the store (file stores)."""
        h = hashlib.sha256()
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames.sort()
            rel = os.path.relpath(dirpath, self.root)
            h.update(f"D {rel}\n".encode())
            for f in sorted(filenames):
                p = os.path.join(dirpath, f)
                h.update(f"F {rel}/{f}\n".encode())
                with open(p, "rb") as fh:
                    h.update(fh.read())
        return h.hexdigest()


# ---------------------------------------------------------------------------------------------- reading
def mlflow_doc(uri: str, **options: Any):
    """Read ``uri`` and build the MLflow side only: ``(ProvDoc, snapshot, link inputs)``."""
    from mlflow2prov_jupyter.core.mlflow.build import build_mlflow
    from mlflow2prov_jupyter.core.mlflow.reader import read_mlflow
    from mlflow2prov_jupyter.core.options import ExtractOptions
    from mlflow2prov_jupyter.core.provdoc import ProvDoc

    opts = ExtractOptions.from_kwargs(**options)
    snap = read_mlflow(uri, opts, progress=False)
    doc = ProvDoc()
    inputs = build_mlflow(doc, snap, opts)
    return doc, snap, inputs


def rels(doc: Any, kind: str, source: str | None = None, target: str | None = None, role: str | None = None) -> list:
    """Relations of ``kind`` (optionally from ``source``, to ``target``, with prov:role ``role``)."""
    out = []
    for r in doc.relations:
        if r.kind != kind:
            continue
        if source is not None and r.source != source:
            continue
        if target is not None and r.target != target:
            continue
        if role is not None and role not in r.roles:
            continue
        out.append(r)
    return out


def touching(doc: Any, element_id: str) -> list:
    """Relations with ``element_id`` as either endpoint."""
    return [r for r in doc.relations if element_id in (r.source, r.target)]


def ms(dt: Any) -> int:
    """An aware datetime back to MLflow milliseconds."""
    return round(dt.timestamp() * 1000)


_CWD_STORES = ("mlflow.db", "mlruns", "mlartifacts")


def _cwd_stores() -> dict[str, bool]:
    return {n: os.path.exists(n) for n in _CWD_STORES}


@pytest.fixture(autouse=True, scope="module")
def no_store_in_cwd():
    """Fail a module that leaves an MLflow store (mlflow.db, mlruns, mlartifacts) in the cwd."""
    before = _cwd_stores()
    yield
    assert _cwd_stores() == before, "an MLflow store was created in the current directory"
