"""Extraction suite: ``extract()`` + save PROV-JSON as a child process, per phase, against the floor.

For every scale, store kind and metric-history mode the extraction child and the floor child run
``repeat`` times, alternately (order flipped every round), so both see the same contention; ratios are
taken per round (extraction round k / floor round k) and their median is reported.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from ..cache import ensure_store, scale_key
from ..measure import Measured, load_average, run_child, summary
from ..profiling import top_functions
from . import Context

# extraction phase -> the floor phase it is compared with
PHASE_FLOORS = {"imports": "imports", "git": "git_walk", "mlflow_read": "mlflow_reads"}


def _phases(m: Measured) -> dict[str, float]:
    p = m.report.get("phases", {})
    out = {
        "startup": max(0.0, m.wall - m.report.get("in_process", 0.0)),
        "imports": p.get("import_package", 0.0) + p.get("import_mlflow", 0.0),
    }
    if "git_walk" in p or "mlflow_reads" in p:  # floor
        out["git_walk"] = p.get("git_walk", 0.0)
        out["mlflow_reads"] = p.get("mlflow_reads", 0.0)
    else:
        out["git"] = p.get("git_read", 0.0) + p.get("git_build", 0.0)
        out["git_read"] = p.get("git_read", 0.0)
        out["git_build"] = p.get("git_build", 0.0)
        out["mlflow_read"] = p.get("mlflow_read", 0.0)
        out["build"] = p.get("mlflow_build", 0.0) + p.get("link", 0.0) + p.get("extract_other", 0.0)
        out["save"] = p.get("save", 0.0)
    return out


def _ratio(a: float, b: float) -> float | None:
    return a / b if b > 0 else None


def _med(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def measure_one(ctx: Context, scale: float, store: str, uri: str, repo: str, mode: str, runs: int) -> dict[str, Any]:
    """Extraction and floor of one (scale, store, mode), repeated and summarised."""
    out_stem = ctx.docs_dir() / f"extract-s{scale_key(scale)}-{store}-{mode}"
    ext_args = ["--repo", repo, "--uri", uri, "--metric-history", mode, "--out", str(out_stem)]
    floor_args = ["--repo", repo, "--uri", uri, "--metric-history", mode]
    ext: list[Measured] = []
    flo: list[Measured] = []
    load = [load_average()]
    for k in range(ctx.repeat):
        order = (("e", "f") if k % 2 == 0 else ("f", "e"))
        for which in order:
            if which == "e":
                ext.append(run_child("extract", ext_args))
            else:
                flo.append(run_child("floor", floor_args))
        load.append(load_average())
    ep = [_phases(m) for m in ext]
    fp = [_phases(m) for m in flo]
    ratios: dict[str, float | None] = {
        "total_wall": _med([_ratio(e.wall, f.wall) for e, f in zip(ext, flo)]),
        "total_cpu": _med([_ratio(e.cpu, f.cpu) for e, f in zip(ext, flo)]),
    }
    for phase, floor_phase in PHASE_FLOORS.items():
        ratios[phase] = _med([_ratio(e[phase], f[floor_phase]) for e, f in zip(ep, fp)])
    first = ext[0].report
    row: dict[str, Any] = {
        "scale": scale,
        "store": store,
        "metric_history": mode,
        "runs": runs,
        "elements": first.get("elements"),
        "relations": first.get("relations"),
        "json_mb": round(first.get("json_bytes", 0) / 1e6, 3),
        "output": first.get("output", []),
        "extract": {
            "wall": summary([m.wall for m in ext]),
            "cpu": summary([m.cpu for m in ext]),
            "rss_mb": max(m.rss_mb for m in ext),
            "phases": {k: statistics.median([p[k] for p in ep]) for k in ep[0]},
        },
        "floor": {
            "wall": summary([m.wall for m in flo]),
            "cpu": summary([m.cpu for m in flo]),
            "rss_mb": max(m.rss_mb for m in flo),
            "phases": {k: statistics.median([p[k] for p in fp]) for k in fp[0]},
            "counts": flo[0].report.get("counts", {}),
        },
        "ratios": ratios,
        "load_average": load,
    }
    if ctx.profile:
        prof = ctx.out / "profiles" / f"extract-s{scale_key(scale)}-{store}-{mode}.prof"
        prof.parent.mkdir(parents=True, exist_ok=True)
        run_child("extract", ext_args + ["--profile", str(prof)])
        row["profile"] = top_functions(prof, text_out=prof.with_suffix(".txt"))
    return row


def run(ctx: Context, scales: list[float], stores: list[str], modes: list[str]) -> dict[str, Any]:
    """The extraction suite over every scale × store × mode."""
    rows = []
    for scale in scales:
        info = ensure_store(scale, tuple(stores), ctx.cache, workers=ctx.workers, sqlite_mode=ctx.sqlite_mode, log=ctx.log)
        for store in stores:
            for mode in modes:
                ctx.log(f"extract: S={scale:g} {store} store, metric_history={mode} × {ctx.repeat}")
                row = measure_one(ctx, scale, store, info.uri(store), info.repo, mode, info.counts["runs"])
                row["generation_seconds"] = info.gen_seconds
                rows.append(row)
    return {"rows": rows, "linearity": linearity(rows)}


def linearity(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Wall and CPU time of each scale relative to the smallest one, per store and mode."""
    out = []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["store"], r["metric_history"]), []).append(r)
    for (store, mode), rs in groups.items():
        rs = sorted(rs, key=lambda r: r["scale"])
        base = rs[0]
        for r in rs[1:]:
            out.append({
                "store": store,
                "metric_history": mode,
                "from_scale": base["scale"],
                "to_scale": r["scale"],
                "scale_factor": r["scale"] / base["scale"],
                "wall_factor": r["extract"]["wall"]["median"] / base["extract"]["wall"]["median"],
                "cpu_factor": r["extract"]["cpu"]["median"] / base["extract"]["cpu"]["median"],
                "floor_wall_factor": r["floor"]["wall"]["median"] / base["floor"]["wall"]["median"],
            })
    return out


def output_of(result: dict[str, Any], scale: float, store: str, mode: str) -> Path | None:
    """The PROV-JSON the suite saved for (scale, store, mode), if any."""
    for r in result.get("rows", []):
        if r["scale"] == scale and r["store"] == store and r["metric_history"] == mode and r["output"]:
            return Path(r["output"][0])
    return None
