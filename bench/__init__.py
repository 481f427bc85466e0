"""Benchmark harness of mlflow2prov-jupyter: ``python -m bench --help``.

Generators for MLflow stores and Git repositories at a scale S, suites measuring extraction (per phase,
against a floor of the same raw reads), operations on big documents, the git walk and the graph view,
and a report (table, JSON, PNG). Generated inputs are cached under ``bench/.cache/``.
"""

from __future__ import annotations

from pathlib import Path

# Bump when a generator's output changes, so cached stores and repositories are regenerated.
GEN_VERSION = 1

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
CACHE_DIR = BENCH_DIR / ".cache"
DEFAULT_OUT = BENCH_DIR / "results"
