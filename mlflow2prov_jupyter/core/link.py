"""Links between the Git and MLflow sides (docs/prov-model.md#relations #32, #45, #46, #47).

The MLflow builder collects what needs linking as the records below; :func:`link` (written with the
Git reader, which answers the questions about commits and paths) adds the relations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:  # imported lazily: the record types stay importable on their own
    from .git.reader import GitHistory
    from .mlflow.records import MlflowSnapshot
    from .options import ExtractOptions
    from .provdoc import ProvDoc


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


def entry_points_of(snap: "MlflowSnapshot") -> dict[str, set[str]]:
    """The (commit → entry point names) pairs the runs of ``snap`` name, for :func:`~.git.reader.read_git` to
    resolve while it walks (tags ``mlflow.source.git.commit`` and ``mlflow.source.name``, as :func:`link` reads)."""
    out: dict[str, set[str]] = {}
    for r in snap.runs:
        sha, name = r.tags.get("mlflow.source.git.commit"), r.tags.get("mlflow.source.name")
        if sha and name:
            out.setdefault(sha, set()).add(name)
    return out


def link(
    doc: "ProvDoc",
    history: "GitHistory | None",
    runs: Iterable[RunSource],
    models: Iterable[ModelSource],
    mlflow_users: Iterable[MlflowUserAgent],
    options: "ExtractOptions",
) -> None:
    """Add the Git↔MLflow relations: #45 RC → C, #46 RC → Rev ("EntryPoint"), #32 LM → C, #47 MlflowUser → GitUser.

    The caller passes the runs, models and MLflow users it put into ``doc`` (those in its scope and window);
    a linked commit or revision outside the time window is still named (docs/prov-model.md#time-windows). Without
    ``history`` nothing is linked. GitUser agents a delegation names are added when the document lacks them.
    """
    if history is None:
        return
    from .git.build import add_git_user

    seen: set[tuple[str, str, str]] = set()

    def add(kind: str, source: str, target: str, **kw: Any) -> None:
        key = (kind, source, target)
        if key not in seen:
            seen.add(key)
            doc.add_relation(kind, source, target, **kw)

    for run in runs:
        sha = history.resolve_commit(run.source_git_commit)
        if sha is None:
            continue
        add("wasInformedBy", run.run_creation_id, f"git:commit/{sha}")  # 45
        if options.git_history and run.source_name:
            rev = history.entry_point_revision(sha, run.source_name)
            if rev is not None:
                add("used", run.run_creation_id, rev, time=run.start_time, role="EntryPoint")  # 46
    for model in models:
        sha = history.resolve_commit(model.source_git_commit)
        if sha is not None:
            add("wasInfluencedBy", model.model_id, f"git:commit/{sha}")  # 32
    entries = options.user_map
    if not entries:
        return
    from .usermap import match_entries

    git_matches: dict[int, list[str]] = {}
    for uid in sorted(history.users):
        user = history.users[uid]
        values = [*user.names, user.email]
        for i in match_entries(values, entries):
            git_matches.setdefault(i, []).append(uid)
    for agent in mlflow_users:
        targets: list[str] = []
        for i in match_entries([agent.username], entries):
            for uid in git_matches.get(i, ()):
                if uid not in targets:
                    targets.append(uid)
        for uid in targets:
            add_git_user(doc, history.users[uid])
            add("actedOnBehalfOf", agent.agent_id, uid)  # 47
