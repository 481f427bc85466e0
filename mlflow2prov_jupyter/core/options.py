"""Extraction options (docs/prov-model.md#extraction-options), validated once and passed to readers and builders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from .errors import OptionError
from .values import parse_iso

DEFAULT_GIT_REFS: tuple[str, ...] = ("refs/heads/*", "refs/tags/*", "refs/remotes/*", "HEAD")


class MetricHistory(str, Enum):
    """Which metric points of a run are read and modelled (docs/prov-model.md#extraction-options)."""

    ALL = "all"  # every logged point: one Metric per (key, step)
    LATEST = "latest"  # only MLflow's latest point per key (a subset of ALL's document, same ids)

    @classmethod
    def parse(cls, value: Any) -> "MetricHistory":
        """The member named ``value`` ("all"/"latest" or a member); anything else → one-line :class:`OptionError`."""
        try:
            return cls(value)
        except ValueError:
            choices = " or ".join(repr(m.value) for m in cls)
            raise OptionError(f"metric_history must be {choices}, not {value!r}") from None


@dataclass(frozen=True)
class ExtractOptions:
    """Options of one extraction. Build with :meth:`from_kwargs` to get one-line errors on bad values."""

    metric_history: MetricHistory = MetricHistory.ALL
    include_deleted: bool = True
    git_history: bool = True
    include_refs: bool = True
    include_artifacts: bool = True
    artifact_max_depth: int | None = None  # None = unlimited
    since: datetime | None = None
    until: datetime | None = None
    experiment_ids: tuple[str, ...] | None = None
    store_key: str | None = None
    git_refs: tuple[str, ...] = DEFAULT_GIT_REFS
    user_map: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    max_text_length: int = 0
    max_artifacts: int = 10000  # artifact entries listed per run; more → a warning, the run marked incomplete
    timeout: int | None = None  # seconds a server may stall; None = $MLFLOW_HTTP_REQUEST_TIMEOUT, else 30
    progress: bool | None = None  # None = only on a TTY

    def __post_init__(self) -> None:
        # The one check of metric_history, whichever way the options are built ("latest" or a member).
        object.__setattr__(self, "metric_history", MetricHistory.parse(self.metric_history))

    def in_window(self, when: datetime | None) -> bool:
        """Whether an owner with time ``when`` lies in [since, until); unknown time is in every window."""
        if when is None:
            return True
        if self.since is not None and when < self.since:
            return False
        if self.until is not None and when >= self.until:
            return False
        return True

    @property
    def latest_metrics_only(self) -> bool:
        """Whether only MLflow's latest point per metric key is read (``metric_history="latest"``)."""
        return self.metric_history is MetricHistory.LATEST

    @property
    def windowed(self) -> bool:
        return self.since is not None or self.until is not None

    @classmethod
    def from_kwargs(cls, **kw: Any) -> "ExtractOptions":
        """Validate user-given option values (from Python, CLI or YAML) into options."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(kw) - known)
        if unknown:
            raise OptionError(f"unknown extraction option {unknown[0]!r}; known options: {', '.join(sorted(known))}")
        kw = {k: v for k, v in kw.items() if v is not None}
        for name in ("since", "until"):
            if name in kw:
                try:
                    kw[name] = parse_iso(kw[name])
                except (TypeError, ValueError):
                    raise OptionError(
                        f"{name} must be an ISO date or datetime such as 2025-01-31T12:00:00Z, not {kw[name]!r}"
                    ) from None
        if "since" in kw and "until" in kw and kw["since"] >= kw["until"]:
            raise OptionError("since must be earlier than until")
        depth = kw.get("artifact_max_depth")
        if depth is not None:
            try:
                depth = int(depth)
            except (TypeError, ValueError):
                raise OptionError(f"artifact_max_depth must be a whole number, not {depth!r}") from None
            if depth < 0:
                raise OptionError("artifact_max_depth must be 0 or more")
            kw["artifact_max_depth"] = depth
        text_limit = kw.get("max_text_length", 0)
        try:
            text_limit = int(text_limit)
        except (TypeError, ValueError):
            raise OptionError(f"max_text_length must be a whole number, not {text_limit!r}") from None
        if text_limit < 0:
            raise OptionError("max_text_length must be 0 (off) or more")
        kw["max_text_length"] = text_limit
        for name in ("max_artifacts", "timeout"):  # whole numbers of at least 1
            if name in kw:
                try:
                    kw[name] = int(kw[name])
                except (TypeError, ValueError):
                    raise OptionError(f"{name} must be a whole number, not {kw[name]!r}") from None
                if kw[name] < 1:
                    raise OptionError(f"{name} must be 1 or more")
        if "experiment_ids" in kw:
            ids = kw["experiment_ids"]
            if isinstance(ids, (str, int)):
                ids = [ids]
            kw["experiment_ids"] = tuple(str(i).strip() for i in ids)
        if "git_refs" in kw:
            refs = kw["git_refs"]
            if isinstance(refs, str):
                refs = [refs]
            kw["git_refs"] = tuple(refs) or DEFAULT_GIT_REFS
        if "user_map" in kw:
            from .usermap import load_user_map

            kw["user_map"] = load_user_map(kw["user_map"])
        if kw.get("store_key") == "":
            kw.pop("store_key")
        return cls(**kw)
