"""``python -m bench``: generate (or reuse) inputs, run the suites, print a table, write JSON and a PNG."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from . import CACHE_DIR, DEFAULT_OUT, GEN_VERSION, REPO_ROOT
from .measure import load_average
from .report import evaluate, plot, render_table, write_json
from .suites import Context

SUITES = ("extract", "ops", "git", "view", "store")
QUICK = {
    "scale": [0.05],
    "stores": ["file", "sqlite"],
    "git_size": [200, 50],
    "ops_scale": 0.05,
    "view_scale": 0.05,
    "repeat": 1,
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks of mlflow2prov-jupyter (targets: bench/RESULTS.md): extraction per phase vs. its "
        "floor, the git walk, operations on big documents and the graph view.",
    )
    p.add_argument(
        "--scale",
        type=float,
        nargs="+",
        default=[5.0, 25.0],
        help="store scales S (200·S runs, 40·S commits); default: 5 25",
    )
    p.add_argument("--suite", nargs="+", choices=SUITES, default=list(SUITES), help="suites to run (default: all)")
    p.add_argument(
        "--quick",
        action="store_true",
        help="tiny scale, every suite, both stores, one repeat: seconds (for CI; no targets apply)",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    p.add_argument("--repeat", type=int, default=3, help="repeats of every measurement (default 3)")
    p.add_argument(
        "--stores",
        nargs="+",
        choices=("file", "sqlite"),
        default=["file"],
        help="store kinds for the extract suite (default: file)",
    )
    p.add_argument(
        "--metric-history",
        nargs="+",
        choices=("latest", "all"),
        default=["latest", "all"],
        help="metric history modes for the extract suite (default: both)",
    )
    p.add_argument(
        "--all-history-scales",
        type=float,
        nargs="+",
        default=None,
        metavar="S",
        help="measure metric_history=all only at these scales (default: at every --scale)",
    )
    p.add_argument(
        "--git-size",
        type=int,
        nargs=2,
        metavar=("COMMITS", "FILES"),
        default=[10000, 2000],
        help="repository of the git suite (default: 10000 2000)",
    )
    p.add_argument(
        "--ops-scale",
        type=float,
        default=5.3,
        help="store scale whose extraction the ops and view suites use (default 5.3: ~25,000 elements)",
    )
    p.add_argument(
        "--view-scale",
        type=float,
        default=4.3,
        help="store scale whose extraction the view suite draws (default 4.3: ~20,000 elements)",
    )
    p.add_argument(
        "--profile", action="store_true", help="also profile each extraction once (cProfile) and report hotspots"
    )
    p.add_argument("--no-paint", action="store_true", help="skip the headless Chromium first-paint measurement")
    p.add_argument("--cache", type=Path, default=CACHE_DIR, help=f"cache of generated inputs (default: {CACHE_DIR})")
    p.add_argument("--workers", type=int, default=2, help="parallel writers when generating a file store (default 2)")
    p.add_argument(
        "--sqlite-mode",
        choices=("migrate", "client"),
        default="migrate",
        help="SQLite store from the file store by `mlflow migrate-filestore` (default) or via MlflowClient",
    )
    a = p.parse_args(argv)
    if a.quick:
        a.scale = QUICK["scale"]
        a.stores = QUICK["stores"]
        a.git_size = QUICK["git_size"]
        a.ops_scale = QUICK["ops_scale"]
        a.view_scale = QUICK["view_scale"]
        a.repeat = QUICK["repeat"]
        a.workers = 1
    if a.repeat < 1:
        p.error("--repeat must be 1 or more")
    if any(s <= 0 for s in a.scale) or a.ops_scale <= 0 or a.view_scale <= 0:
        p.error("scales must be positive")
    return a


def _meta(a: argparse.Namespace) -> dict[str, Any]:
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = ""
    try:
        from importlib.metadata import version

        mlflow_version = version("mlflow")
    except Exception:
        mlflow_version = "?"
    return {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "commit": commit,
        "python": platform.python_version(),
        "mlflow": mlflow_version,
        "cpus": os.cpu_count(),
        "generator_version": GEN_VERSION,
        "quick": a.quick,
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(a).items()},
        "load_start": round(load_average(), 2),
    }


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    a.out = a.out.resolve()  # children run in their own temporary folders
    a.cache = a.cache.resolve()
    a.out.mkdir(parents=True, exist_ok=True)

    def log(msg: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    ctx = Context(
        out=a.out,
        cache=a.cache,
        repeat=a.repeat,
        profile=a.profile,
        log=log,
        workers=a.workers,
        sqlite_mode=a.sqlite_mode,
    )
    results: dict[str, Any] = {"meta": _meta(a)}
    t0 = time.perf_counter()
    if "extract" in a.suite:
        from .suites import extract

        results["extract"] = extract.run(ctx, sorted(set(a.scale)), a.stores, a.metric_history, a.all_history_scales)
    if "git" in a.suite:
        from .suites import git

        results["git"] = git.run(ctx, *a.git_size)
    if "ops" in a.suite or "view" in a.suite:
        from .suites import extract as ex
        from .suites import ops

        if "ops" in a.suite:
            reuse = ex.output_of(results.get("extract", {}), a.ops_scale, "file", "latest")
            results["ops"] = ops.run(ctx, a.ops_scale, reuse)
        if "view" in a.suite:
            from .suites import view

            reuse = ex.output_of(results.get("extract", {}), a.view_scale, "file", "latest")
            if reuse is None and "ops" in results and a.view_scale == a.ops_scale:
                reuse = Path(results["ops"]["documents"][0])
            results["view"] = view.run(ctx, ops.document_a(ctx, a.view_scale, reuse), paint=not a.no_paint)
    if "store" in a.suite:
        from .suites import store

        results["store"] = store.run(ctx, sorted(set(a.scale)), lineage_scale=min(1.0, min(a.scale)))
    results["meta"]["seconds"] = round(time.perf_counter() - t0, 1)
    results["meta"]["load_end"] = round(load_average(), 2)
    results["targets"] = evaluate(results)
    json_path = a.out / "bench.json"
    write_json(results, json_path)
    png = a.out / "bench.png"
    plotted = plot(results, png)
    print(render_table(results))
    if "store" in results:
        from .suites import store

        print("\n" + store.render(results["store"]))
    print(f"\nwrote {json_path}" + (f" and {png}" if plotted else ""))
    return 0
