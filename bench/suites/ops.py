"""Operations suite: load, save JSON, merge of two, dedupe, pseudonymize and statistics on big documents.

The documents are real extractions (latest metrics) of the generated store at ``ops_scale``: A as is and
B with ``store_key="b"`` (its MLflow side is disjoint from A's, its Git side and agents shared), plus A
merged with a fresh load of itself (every element collides: the unification worst case).
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from ..cache import ensure_store, scale_key
from ..measure import load_average, run_child
from . import Context


def document_a(ctx: Context, scale: float, reuse: Path | None = None) -> Path:
    """PROV-JSON of document A at ``scale`` (reused from the extract suite if given)."""
    return documents(ctx, scale, reuse, names=("a",))[0]


def documents(ctx: Context, scale: float, reuse: Path | None = None, names: tuple[str, ...] = ("a", "b")) -> list[Path]:
    """PROV-JSON files of documents A and B at ``scale`` (A reused from the extract suite if given)."""
    info = ensure_store(scale, ("file",), ctx.cache, workers=ctx.workers, sqlite_mode=ctx.sqlite_mode, log=ctx.log)
    d = ctx.docs_dir()
    out = {}
    for name, key in (("a", ""), ("b", "b")):
        if name not in names:
            continue
        if name == "a" and reuse is not None and reuse.exists():
            out[name] = reuse
            continue
        stem = d / f"ops-s{scale_key(scale)}-{name}"
        m = run_child(
            "extract",
            [
                "--repo",
                info.repo,
                "--uri",
                info.uri("file"),
                "--metric-history",
                "latest",
                "--out",
                str(stem),
                "--store-key",
                key,
            ],
        )
        out[name] = Path(m.report["output"][0])
    return [out[n] for n in names]


def run(ctx: Context, scale: float, reuse: Path | None = None) -> dict[str, Any]:
    a, b = documents(ctx, scale, reuse)
    ctx.log(f"ops: documents of S={scale:g} × {ctx.repeat}")
    before = load_average()
    res: dict[str, Any] = {"scale": scale, "documents": [str(a), str(b)]}
    for variant, second in (("disjoint", b), ("same", a)):
        m = run_child("ops", ["--doc", str(a), "--doc2", str(second), "--repeat", str(ctx.repeat)])
        ops = {k: {"median": statistics.median(v), "min": min(v), "n": len(v)} for k, v in m.report["ops"].items()}
        res[variant] = {"ops": ops, "sizes": m.report["sizes"], "child_rss_mb": m.rss_mb}
    res["json_mb"] = round(a.stat().st_size / 1e6, 3)
    res["load_average"] = [before, load_average()]
    return res
