"""Graph view suite: build time and size of the view payload (collapsed default) and the time to first
paint of the self-contained graph page (:mod:`mlflow2prov_jupyter.notebook.page`) in headless Chromium."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from ..measure import load_average, run_child
from . import Context


def run(ctx: Context, doc: Path, paint: bool = True) -> dict[str, Any]:
    ctx.log(f"view: payload and first paint of {doc.name} × {ctx.repeat}")
    page = ctx.docs_dir() / f"{doc.stem}-graph.html"
    args = ["--doc", str(doc), "--repeat", str(ctx.repeat), "--page", str(page)]
    if paint:
        args.append("--paint")
    before = load_average()
    m = run_child("view", args)
    r = m.report
    out: dict[str, Any] = {
        "document": str(doc),
        "elements": r["elements"],
        "nodes": r["nodes"],
        "edges": r["edges"],
        "payload_seconds": statistics.median(r["payload_seconds"]),
        "payload_mb": round(r["payload_bytes"] / 1e6, 3),
        "widget_payload_mb": round(r["widget_payload_bytes"] / 1e6, 3),
        "page_mb": round(r["page_bytes"] / 1e6, 3),
        "info": r.get("info"),
        "child_rss_mb": m.rss_mb,
        "load_average": [before, load_average()],
    }
    p = r.get("paint") or {}
    if p.get("first_paint_seconds"):
        out["first_paint_seconds"] = statistics.median(p["first_paint_seconds"])
        out["goto_to_drawn_seconds"] = statistics.median(p["goto_to_drawn_seconds"])
        out["paint_errors"] = p.get("errors", [])
    else:
        out["first_paint_skipped"] = p.get("skipped", "not requested")
    return out
