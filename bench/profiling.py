"""Reading cProfile output into the report: the top functions by own time, with file:line."""

from __future__ import annotations

import io
import pstats
from pathlib import Path
from typing import Any

from . import REPO_ROOT


def _where(func: tuple[str, int, str]) -> str:
    path, line, name = func
    try:
        path = str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        if "site-packages/" in path:
            path = path.split("site-packages/", 1)[1]
    return f"{path}:{line}({name})"


def top_functions(prof: Path | list[Path], n: int = 25, text_out: Path | None = None) -> dict[str, Any]:
    """Top ``n`` functions by own time and by cumulative time (project code only for the latter)."""
    files = [str(p) for p in (prof if isinstance(prof, list) else [prof]) if Path(p).exists()]
    if not files:
        return {}
    st = pstats.Stats(*files)
    total = st.total_tt
    rows = []
    for func, (_cc, nc, tt, ct, _callers) in st.stats.items():
        rows.append((tt, ct, nc, func))
    own = sorted(rows, key=lambda r: -r[0])[:n]
    ours = sorted((r for r in rows if "mlflow2prov_jupyter" in r[3][0]), key=lambda r: -r[1])[:n]
    if text_out is not None:
        buf = io.StringIO()
        pstats.Stats(*files, stream=buf).sort_stats("tottime").print_stats(60)
        pstats.Stats(*files, stream=buf).sort_stats("cumulative").print_stats("mlflow2prov_jupyter", 60)
        text_out.write_text(buf.getvalue())
    return {
        "total_seconds": total,
        "by_own_time": [
            {"where": _where(f), "own": round(tt, 4), "cum": round(ct, 4), "calls": nc} for tt, ct, nc, f in own
        ],
        "project_by_cumulative": [
            {"where": _where(f), "own": round(tt, 4), "cum": round(ct, 4), "calls": nc} for tt, ct, nc, f in ours
        ],
    }
