"""Links between the Git and MLflow sides (spec §4 #32, #45, #46, #47).

The MLflow builder collects what needs linking as the records below; :func:`link` (written with the
Git reader, which answers the questions about commits and paths) adds the relations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RunSource:
    """A run that may name a commit (#45) and an entry point file (#46)."""

    run_creation_id: str  # e.g. "mlflow:run/<run_id>/creation"
    start_time: datetime | None  # the run's start (time of the #46 usage)
    source_git_commit: str | None  # tag mlflow.source.git.commit, verbatim
    source_name: str | None  # tag mlflow.source.name, verbatim


@dataclass(frozen=True)
class ModelSource:
    """A logged model without source run whose tag mlflow.source.git.commit may name a commit (#32)."""

    model_id: str  # e.g. "mlflow:model/<id>"
    source_git_commit: str


@dataclass(frozen=True)
class MlflowUserAgent:
    """An MlflowUser agent, for the user_map delegation #47."""

    agent_id: str  # "user:mlflow/<enc username>"
    username: str
