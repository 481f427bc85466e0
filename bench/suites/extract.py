"""Extraction suite: ``extract()`` + save PROV-JSON as a child process, per phase, against the floor.

For every scale, store kind and metric-history mode the extraction child and the floor child run
``repeat`` times, alternately (order flipped every round), so both see the same contention; ratios are
taken per round (extraction round k / floor round k) and their median is reported.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
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
        out["mlflow_build"] = p.get("mlflow_build", 0.0)
        out["link"] = p.get("link", 0.0)
        out["save"] = p.get("save", 0.0)
    return out


def _ratio(a: float, b: float) -> float | None:
    return a / b if b > 0 else None


def _med(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


@dataclass(frozen=True)
class Config:
    scale: float
    store: str
    mode: str
    uri: str
    repo: str
    runs: int


def _args(ctx: Context, c: Config) -> tuple[list[str], list[str]]:
    out_stem = ctx.docs_dir() / f"extract-s{scale_key(c.scale)}-{c.store}-{c.mode}"
    ext = ["--repo", c.repo, "--uri", c.uri, "--metric-history", c.mode, "--out", str(out_stem)]
    flo = ["--repo", c.repo, "--uri", c.uri, "--metric-history", c.mode]
    return ext, flo


def _summarise(ctx: Context, c: Config, ext: list[Measured], flo: list[Measured], load: list[float]) -> dict[str, Any]:
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
        "scale": c.scale,
        "store": c.store,
        "metric_history": c.mode,
        "runs": c.runs,
        "elements": first.get("elements"),
        "relations": first.get("relations"),
        "json_mb": round(first.get("json_bytes", 0) / 1e6, 3),
        "output": first.get("output", []),
        "extract": {
            "wall": summary([m.wall for m in ext]),
            "cpu": summary([m.cpu for m in ext]),
            "rss_mb": max(m.rss_mb for m in ext),
            "phases": {k: statistics.median([p[k] for p in ep]) for k in ep[0]},
            "rounds_wall": [m.wall for m in ext],
            "rounds_cpu": [m.cpu for m in ext],
        },
        "floor": {
            "wall": summary([m.wall for m in flo]),
            "cpu": summary([m.cpu for m in flo]),
            "rss_mb": max(m.rss_mb for m in flo),
            "phases": {k: statistics.median([p[k] for p in fp]) for k in fp[0]},
            "counts": flo[0].report.get("counts", {}),
            "rounds_wall": [m.wall for m in flo],
        },
        "ratios": ratios,
        "load_average": load,
    }
    if ctx.profile:
        prof = ctx.out / "profiles" / f"extract-s{scale_key(c.scale)}-{c.store}-{c.mode}.prof"
        prof.parent.mkdir(parents=True, exist_ok=True)
        ctx.log(f"extract: profiling S={c.scale:g} {c.store} {c.mode}")
        run_child("extract", _args(ctx, c)[0] + ["--profile", str(prof)])
        row["profile"] = top_functions(prof, text_out=prof.with_suffix(".txt"))
    return row


def run(
    ctx: Context,
    scales: list[float],
    stores: list[str],
    modes: list[str],
    all_history_scales: list[float] | None = None,
) -> dict[str, Any]:
    """The extraction suite over every scale × store × mode (full history only at ``all_history_scales``).

    Round-robin: round k runs every configuration once (extraction and floor back to back, order
    alternating), so every configuration sees the same mix of contention and the ratios between
    configurations (growth with scale) can be taken per round too.
    """
    configs: list[Config] = []
    for scale in scales:
        info = ensure_store(
            scale, tuple(stores), ctx.cache, workers=ctx.workers, sqlite_mode=ctx.sqlite_mode, log=ctx.log
        )
        for store in stores:
            for mode in modes:
                if mode == "all" and all_history_scales is not None and scale not in all_history_scales:
                    continue
                configs.append(Config(scale, store, mode, info.uri(store), info.repo, info.counts["runs"]))
    ext: dict[Config, list[Measured]] = {c: [] for c in configs}
    flo: dict[Config, list[Measured]] = {c: [] for c in configs}
    load: dict[Config, list[float]] = {c: [] for c in configs}
    for k in range(ctx.repeat):
        for i, c in enumerate(configs[k % len(configs) :] + configs[: k % len(configs)]):
            ctx.log(f"extract: round {k + 1}/{ctx.repeat}: S={c.scale:g} {c.store} store, metric_history={c.mode}")
            e_args, f_args = _args(ctx, c)
            load[c].append(load_average())
            for which in ("e", "f") if (k + i) % 2 == 0 else ("f", "e"):
                if which == "e":
                    ext[c].append(run_child("extract", e_args))
                else:
                    flo[c].append(run_child("floor", f_args))
    rows = [_summarise(ctx, c, ext[c], flo[c], load[c]) for c in configs]
    return {"rows": rows, "linearity": linearity(rows)}


def linearity(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Wall and CPU time of each scale relative to the smallest one, per store and mode: the median of
    the per-round ratios (rounds are interleaved, so both scales of a round saw similar contention)."""
    out = []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["store"], r["metric_history"]), []).append(r)
    for (store, mode), rs in groups.items():
        rs = sorted(rs, key=lambda r: r["scale"])
        base = rs[0]
        for r in rs[1:]:
            out.append(
                {
                    "store": store,
                    "metric_history": mode,
                    "from_scale": base["scale"],
                    "to_scale": r["scale"],
                    "scale_factor": r["scale"] / base["scale"],
                    "wall_factor": _per_round(r["extract"]["rounds_wall"], base["extract"]["rounds_wall"]),
                    "cpu_factor": _per_round(r["extract"]["rounds_cpu"], base["extract"]["rounds_cpu"]),
                    "floor_wall_factor": _per_round(r["floor"]["rounds_wall"], base["floor"]["rounds_wall"]),
                    "wall_factor_of_medians": r["extract"]["wall"]["median"] / base["extract"]["wall"]["median"],
                }
            )
    return out


def _per_round(a: list[float], b: list[float]) -> float | None:
    return _med([_ratio(x, y) for x, y in zip(a, b)])


def output_of(result: dict[str, Any], scale: float, store: str, mode: str) -> Path | None:
    """The PROV-JSON the suite saved for (scale, store, mode), if any."""
    for r in result.get("rows", []):
        if r["scale"] == scale and r["store"] == store and r["metric_history"] == mode and r["output"]:
            return Path(r["output"][0])
    return None
