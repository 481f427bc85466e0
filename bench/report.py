"""The report: performance targets checked against the results, a table on stdout, JSON and a PNG plot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# (id, description, limit) — compared with ``measured <= limit``.
TARGETS = (
    ("extract_s5_latest_wall", "S=5 file store, latest metrics, extract + save, wall incl. interpreter (s)", 5.0),
    ("extract_s5_latest_rss", "S=5 file store, latest metrics, extract + save, peak RSS (MB)", 400.0),
    ("extract_s5_all_vs_floor", "S=5 file store, full history, extract + save wall / floor wall", 1.5),
    ("extract_s25_vs_s5", "file store, latest metrics: wall at S=25 / wall at S=5", 5.5),
    (
        "git_10000x2000_vs_git_log",
        "git 10,000 commits × 2,000 files: read_git + build_git / git log --all --raw -z -M",
        3.0,
    ),
    ("merge_25k", "merge of two ~25,000-element documents (s, worst of disjoint/same)", 2.0),
    ("load_25k", "load of one ~25,000-element PROV-JSON document (s)", 1.5),
    ("save_25k", "save of one ~25,000-element document as PROV-JSON (s)", 1.5),
    (
        "view_first_paint",
        "graph view of a ~20,000-element document: offline page's first paint in headless Chromium (s)",
        1.0,
    ),
    ("view_payload", "PROV-JSON of that document sent to the view (MB)", 10.0),
)


def _row(results: dict[str, Any], scale: float, store: str, mode: str) -> dict[str, Any] | None:
    for r in results.get("extract", {}).get("rows", []):
        if r["scale"] == scale and r["store"] == store and r["metric_history"] == mode:
            return r
    return None


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with its measured value and whether it is met (None: not measured at that size)."""
    measured: dict[str, tuple[float | None, str]] = {}
    r5 = _row(results, 5, "file", "latest")
    if r5:
        measured["extract_s5_latest_wall"] = (r5["extract"]["wall"]["median"], "median")
        measured["extract_s5_latest_rss"] = (r5["extract"]["rss_mb"], "max over repeats")
    r5a = _row(results, 5, "file", "all")
    if r5a:
        measured["extract_s5_all_vs_floor"] = (r5a["ratios"]["total_wall"], "median of per-round ratios")
    for lin in results.get("extract", {}).get("linearity", []):
        if (lin["store"], lin["metric_history"], lin["from_scale"], lin["to_scale"]) == ("file", "latest", 5, 25):
            measured["extract_s25_vs_s5"] = (lin["wall_factor"], f"cpu factor {lin['cpu_factor']:.2f}")
    g = results.get("git")
    if g and g.get("commits") == 10000 and g.get("files", 0) >= 1900:
        measured["git_10000x2000_vs_git_log"] = (g["ratio"], "median of per-round ratios")
    ops = results.get("ops")
    if ops and ops.get("same", {}).get("sizes", {}).get("elements", 0) >= 24000:
        n = ops["same"]["sizes"]["elements"]
        merge = max(ops[v]["ops"]["merge"]["median"] for v in ("same", "disjoint"))
        measured["merge_25k"] = (merge, f"median, {n} + {n} elements")
        measured["load_25k"] = (ops["disjoint"]["ops"]["load"]["median"], f"median, {n} elements")
        measured["save_25k"] = (ops["disjoint"]["ops"]["save_json"]["median"], f"median, {n} elements")
    v = results.get("view")
    if v and v.get("elements", 0) >= 19000:
        if "first_paint_seconds" in v:
            measured["view_first_paint"] = (
                v["first_paint_seconds"],
                f"median since navigation start, {v['elements']} elements",
            )
        measured["view_payload"] = (
            v["payload_mb"],
            f"sendable() PROV-JSON, {v['elements']} elements → {v['nodes']} nodes drawn",
        )
    out = []
    for tid, desc, limit in TARGETS:
        value, how = measured.get(tid, (None, "not measured at the target size in this run"))
        out.append(
            {
                "id": tid,
                "target": desc,
                "limit": limit,
                "measured": value,
                "how": how,
                "met": None if value is None else value <= limit,
            }
        )
    return out


# ------------------------------------------------------------------------------------------- table
def _f(v: Any, nd: int = 2) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [headers] + [[_f(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_table(results: dict[str, Any]) -> str:
    parts = []
    ex = results.get("extract")
    if ex:
        rows = []
        for r in ex["rows"]:
            e, f, p = r["extract"], r["floor"], r["extract"]["phases"]
            rows.append(
                [
                    f"{r['scale']:g}",
                    r["store"],
                    r["metric_history"],
                    r["runs"],
                    r["elements"],
                    e["wall"]["median"],
                    e["cpu"]["median"],
                    round(e["rss_mb"]),
                    f["wall"]["median"],
                    r["ratios"]["total_wall"],
                    p["startup"],
                    p["imports"],
                    p["git"],
                    p["mlflow_read"],
                    p["build"],
                    p["save"],
                    r["ratios"]["git"],
                    r["ratios"]["mlflow_read"],
                ]
            )
        parts.append(
            "Extraction (extract + save PROV-JSON, child process; seconds, medians)\n"
            + _table(
                [
                    "S",
                    "store",
                    "metrics",
                    "runs",
                    "elements",
                    "wall",
                    "cpu",
                    "RSS MB",
                    "floor",
                    "×floor",
                    "startup",
                    "imports",
                    "git",
                    "mlf read",
                    "build",
                    "save",
                    "git×fl",
                    "read×fl",
                ],
                rows,
            )
        )
        if ex.get("linearity"):
            parts.append(
                "Growth with scale\n"
                + _table(
                    ["store", "metrics", "S from", "S to", "×scale", "×wall", "×cpu", "×floor wall"],
                    [
                        [
                            x["store"],
                            x["metric_history"],
                            f"{x['from_scale']:g}",
                            f"{x['to_scale']:g}",
                            x["scale_factor"],
                            x["wall_factor"],
                            x["cpu_factor"],
                            x["floor_wall_factor"],
                        ]
                        for x in ex["linearity"]
                    ],
                )
            )
    g = results.get("git")
    if g:
        parts.append(
            "Git walk (seconds, medians)\n"
            + _table(
                [
                    "commits",
                    "files",
                    "merges",
                    "renames",
                    "elements",
                    "git log",
                    "read_git",
                    "build_git",
                    "×git log",
                    "RSS MB",
                ],
                [
                    [
                        g["commits"],
                        g["files"],
                        g["merges"],
                        g["renames"],
                        g["elements"],
                        g["floor_seconds"],
                        g["git_read_seconds"],
                        g["git_build_seconds"],
                        g["ratio"],
                        round(g["child_rss_mb"]),
                    ]
                ],
            )
        )
    o = results.get("ops")
    if o:
        names = list(o["disjoint"]["ops"])
        parts.append(
            f"Operations on documents of {o['disjoint']['sizes']['elements']} + "
            f"{o['disjoint']['sizes']['other_elements']} "
            f"elements ({o['json_mb']} MB PROV-JSON; seconds, medians)\n"
            + _table(
                ["operation", "A + B (disjoint MLflow)", "A + A (same)"],
                [[n, o["disjoint"]["ops"][n]["median"], o["same"]["ops"][n]["median"]] for n in names],
            )
        )
    v = results.get("view")
    if v:
        parts.append(
            "Graph view (backbone, offline page)\n"
            + _table(
                ["elements", "nodes", "edges", "sent MB", "page MB", "bundle kB (gz)", "first paint s", "module ms"],
                [
                    [
                        v["elements"],
                        v["nodes"],
                        v["edges"],
                        v["payload_mb"],
                        v["page_mb"],
                        f"{v.get('bundle_kb')} ({v.get('bundle_gzip_kb')})",
                        v.get("first_paint_seconds", v.get("first_paint_skipped")),
                        v.get("module_ms"),
                    ]
                ],
            )
        )
    t = results.get("targets")
    if t:
        parts.append(
            "Targets\n"
            + _table(
                ["met", "measured", "limit", "target"],
                [
                    [
                        "yes" if x["met"] else ("NO" if x["met"] is False else "n/a"),
                        x["measured"],
                        x["limit"],
                        x["target"],
                    ]
                    for x in t
                ],
            )
        )
    meta = results.get("meta", {})
    if meta:
        parts.append(
            f"load average {meta.get('load_start')} → {meta.get('load_end')} on {meta.get('cpus')} CPUs "
            f"(other processes share the machine: compare ratios, not absolute times)"
        )
    return "\n\n".join(parts)


# -------------------------------------------------------------------------------------------- files
def write_json(results: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(results, indent=1, default=str))


def plot(results: dict[str, Any], path: Path) -> bool:
    """Time and peak memory of extraction (and its floor) against scale; False if nothing to plot."""
    rows = results.get("extract", {}).get("rows", [])
    if not rows:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["store"], r["metric_history"]), []).append(r)
    for (store, mode), rs in sorted(groups.items()):
        rs = sorted(rs, key=lambda r: r["scale"])
        xs = [r["scale"] for r in rs]
        (line,) = ax1.plot(xs, [r["extract"]["wall"]["median"] for r in rs], "o-", label=f"{store}, {mode}")
        ax1.plot(
            xs,
            [r["floor"]["wall"]["median"] for r in rs],
            "s--",
            color=line.get_color(),
            alpha=0.6,
            label=f"floor {store}, {mode}",
        )
        ax2.plot(xs, [r["extract"]["rss_mb"] for r in rs], "o-", color=line.get_color(), label=f"{store}, {mode}")
        ax2.plot(xs, [r["floor"]["rss_mb"] for r in rs], "s--", color=line.get_color(), alpha=0.6)
    ax1.set(
        xlabel="scale S (200·S runs)",
        ylabel="wall seconds (median, incl. interpreter)",
        title="extract + save PROV-JSON",
    )
    ax2.set(xlabel="scale S (200·S runs)", ylabel="peak RSS (MB)", title="memory (dashed: floor)")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    ax1.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
