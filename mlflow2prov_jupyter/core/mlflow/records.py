"""Intermediate model of an MLflow tracking store as read by :mod:`.reader` (docs/prov-model.md).

Plain dataclasses of plain values: strings as MLflow returned them (optional fields ``""`` → None), times
in MLflow milliseconds (int, None when unknown), no MLflow entity objects. The builder
(:mod:`.build`) turns a :class:`MlflowSnapshot` into PROV; tests may construct one by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DELETED_INTERNAL_STAGE = "Deleted_Internal"  # stage of a deleted version, if a backend returns one


@dataclass
class MetricPoint:
    """One logged metric value (a history point, or the latest one of a key)."""

    key: str
    value: float
    step: int
    timestamp: int | None
    run_id: str | None = None
    model_id: str | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None


@dataclass
class ArtifactEntry:
    """A file or directory under a run's artifact root; ``path`` is relative, ``/``-separated."""

    path: str
    is_dir: bool
    file_size: int | None = None


@dataclass
class DatasetRecord:
    """A dataset as logged with ``log_input`` (identity: name + digest)."""

    name: str
    digest: str
    source_type: str | None = None
    source: str | None = None
    schema: str | None = None
    profile: str | None = None


@dataclass
class DatasetUse:
    """One dataset input of a run; ``context`` is its input tag ``mlflow.data.context``."""

    name: str
    digest: str
    context: str | None = None


@dataclass
class ModelOutput:
    """A logged model a run names as its output, at ``step``."""

    model_id: str
    step: int | None = None


@dataclass
class ExperimentRecord:
    experiment_id: str
    name: str | None = None
    artifact_location: str | None = None
    lifecycle_stage: str | None = None
    creation_time: int | None = None
    last_update_time: int | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class RunRecord:
    """A run with everything read about it.

    ``metrics`` holds every history point (``metric_history="all"``) or the latest point per key
    (``"latest"``); ``artifacts`` is None when artifacts were not listed (option off), and
    ``artifacts_listed`` is False when listing was attempted and failed; ``incomplete`` says which part of
    a damaged run could not be read (the rest was).
    """

    run_id: str
    experiment_id: str
    name: str | None = None
    status: str | None = None
    lifecycle_stage: str | None = None
    artifact_uri: str | None = None
    user_id: str | None = None
    start_time: int | None = None
    end_time: int | None = None
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    metrics: list[MetricPoint] = field(default_factory=list)
    dataset_inputs: list[DatasetUse] = field(default_factory=list)
    model_inputs: list[str] = field(default_factory=list)
    model_outputs: list[ModelOutput] = field(default_factory=list)
    artifacts: list[ArtifactEntry] | None = None
    artifacts_listed: bool = True
    incomplete: str | None = None  # why part of the run could not be read (→ m2p:incomplete)


@dataclass
class LoggedModelRecord:
    model_id: str
    experiment_id: str | None = None
    name: str | None = None
    source_run_id: str | None = None
    model_type: str | None = None
    status: str | None = None
    status_message: str | None = None
    artifact_location: str | None = None
    creation_timestamp: int | None = None
    last_updated_timestamp: int | None = None
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    metrics: list[MetricPoint] = field(default_factory=list)


@dataclass
class ModelVersionRecord:
    name: str
    version: int
    description: str | None = None
    stage: str | None = None
    status: str | None = None
    status_message: str | None = None
    source: str | None = None
    run_id: str | None = None
    run_link: str | None = None
    user_id: str | None = None
    creation_timestamp: int | None = None
    last_updated_timestamp: int | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class RegisteredModelRecord:
    """A registered model; ``aliases`` maps alias → version (normalised to int)."""

    name: str
    description: str | None = None
    creation_timestamp: int | None = None
    last_updated_timestamp: int | None = None
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)
    versions: list[ModelVersionRecord] = field(default_factory=list)


@dataclass
class MlflowSnapshot:
    """Everything read from one tracking store in the extraction scope (docs/prov-model.md#mlflow-elements)."""

    experiments: list[ExperimentRecord] = field(default_factory=list)
    runs: list[RunRecord] = field(default_factory=list)
    logged_models: list[LoggedModelRecord] = field(default_factory=list)
    datasets: list[DatasetRecord] = field(default_factory=list)
    registered_models: list[RegisteredModelRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def model_versions(self) -> list[ModelVersionRecord]:
        """All versions of all registered models."""
        return [v for rm in self.registered_models for v in rm.versions]

    @property
    def users(self) -> list[str]:
        """Every username the snapshot names (docs/prov-model.md#users), stripped, sorted, without empties."""
        names: set[str] = set()
        for e in self.experiments:
            names.add(tag_user(e.tags) or "")
        for r in self.runs:
            names.add(run_user(r) or "")
        for m in self.logged_models:
            names.add(tag_user(m.tags) or "")
        for rm in self.registered_models:
            names.add(tag_user(rm.tags) or "")
            for v in rm.versions:
                names.add(clean_user(v.user_id) or "")
        names.discard("")
        return sorted(names)


USER_TAG = "mlflow.user"
# What MLflow records when getpass cannot tell the user (mlflow.tracking.context.default_context): no user.
PLACEHOLDER_USER = "unknown"


def clean_user(name: str | None) -> str | None:
    """A username as identity key: stripped; empty or MLflow's placeholder ``unknown`` → None (no user agent,
    no relation, no error; the tag itself stays), docs/prov-model.md#users."""
    if name is None:
        return None
    name = str(name).strip()
    return None if not name or name == PLACEHOLDER_USER else name


def tag_user(tags: dict[str, str]) -> str | None:
    """The user of an experiment, logged model or registered model: its tag ``mlflow.user``."""
    return clean_user(tags.get(USER_TAG))


def run_user(run: RunRecord) -> str | None:
    """The user of a run: tag ``mlflow.user``, else ``info.user_id``."""
    return tag_user(run.tags) or clean_user(run.user_id)
