"""Benchmark suites: each ``run(ctx, …)`` returns a JSON-able dict of measurements."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable


@dataclass
class Context:
    """What every suite needs: where to write, where generated inputs are cached, how often to repeat."""

    out: Path
    cache: Path | None
    repeat: int
    profile: bool
    log: Callable[[str], None]
    workers: int = 2
    sqlite_mode: str = "migrate"

    def docs_dir(self) -> Path:
        d = self.out / "docs"
        d.mkdir(parents=True, exist_ok=True)
        return d


def median_of(rows: list[dict], key: str) -> float:
    """Median over repeats of ``row[key]`` (rows lacking the key count as 0)."""
    import statistics

    return statistics.median([r.get(key, 0.0) for r in rows]) if rows else 0.0
