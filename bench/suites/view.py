"""Graph view suite: what the view module costs on a ~20,000-element document — the PROV-JSON sent to the
browser (thinned when big, :func:`mlflow2prov_jupyter.notebook.viewdata.sendable`) and the time to first paint
of the offline page (``text/html`` output: the ``static/prov_view.js`` bundle drawing the gzipped data) in
headless Chromium, with the module's own breakdown (parse, fold, layout, vis-network set-up, draw)."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from ..measure import load_average, run_child
from . import Context


def run(ctx: Context, doc: Path, paint: bool = True) -> dict[str, Any]:
    ctx.log(f"view: sent data and first paint of {doc.name} × {ctx.repeat}")
    page = ctx.docs_dir() / f"{doc.stem}-graph.html"
    args = ["--doc", str(doc), "--repeat", str(ctx.repeat), "--page", str(page)]
    if paint:
        args.append("--paint")
    before = load_average()
    m = run_child("view", args)
    r = m.report
    p = r.get("paint") or {}
    facts = p.get("view") or [{}]
    out: dict[str, Any] = {
        "document": str(doc),
        "elements": r["elements"],
        "nodes": facts[-1].get("nodes"),
        "edges": facts[-1].get("edges"),
        "payload_seconds": statistics.median(r["payload_seconds"]),
        "payload_mb": round(r["payload_bytes"] / 1e6, 3),
        "omitted": r.get("omitted"),
        "page_mb": round(r.get("page_bytes", 0) / 1e6, 3),
        "bundle_kb": round(r["bundle_bytes"] / 1e3, 1),
        "bundle_gzip_kb": round(r["bundle_gzip_bytes"] / 1e3, 1),
        "child_rss_mb": m.rss_mb,
        "load_average": [before, load_average()],
    }
    if p.get("first_paint_seconds"):
        out["first_paint_seconds"] = statistics.median(p["first_paint_seconds"])
        out["goto_to_drawn_seconds"] = statistics.median(p["goto_to_drawn_seconds"])
        out["module_ms"] = statistics.median(f.get("module_ms", 0) for f in facts)
        out["module_timings_ms"] = facts[-1].get("timings")
        out["paint_errors"] = p.get("errors", [])
    else:
        out["first_paint_skipped"] = p.get("skipped", "not requested")
    return out
