"""Git suite: the extraction's Git side (read_git + build_git) against ``git log --all --raw -z -M``
on a generated repository, alternated ``repeat`` times inside one child process."""

from __future__ import annotations

import statistics
from typing import Any

from ..cache import ensure_repo
from ..measure import load_average, run_child
from ..profiling import top_functions
from . import Context

MIN_ROUNDS = 5  # rounds are cheap (seconds) and single rounds noisy on a shared machine


def run(ctx: Context, commits: int, files: int) -> dict[str, Any]:
    repo = ensure_repo(commits, files, ctx.cache, log=ctx.log)
    rounds_wanted = max(ctx.repeat, MIN_ROUNDS)
    ctx.log(f"git: {repo.commits} commits × {repo.files} files × {rounds_wanted}")
    args = ["--repo", repo.path, "--repeat", str(rounds_wanted)]
    prof = None
    if ctx.profile:
        prof = ctx.out / "profiles" / f"git-{commits}x{files}.prof"
        prof.parent.mkdir(parents=True, exist_ok=True)
        args += ["--profile", str(prof)]
    before = load_average()
    m = run_child("git", args)
    rounds = m.report["rounds"]
    ratio = [(r["git_read"] + r["git_build"]) / r["floor"] for r in rounds if r["floor"] > 0]
    out: dict[str, Any] = {
        "commits": repo.commits,
        "files": repo.files,
        "merges": repo.merges,
        "renames": repo.renames,
        "elements": m.report.get("elements"),
        "floor_seconds": statistics.median(r["floor"] for r in rounds),
        "git_read_seconds": statistics.median(r["git_read"] for r in rounds),
        "git_build_seconds": statistics.median(r["git_build"] for r in rounds),
        "ratio": statistics.median(ratio) if ratio else None,
        "ratio_min": min(ratio) if ratio else None,
        "rounds": rounds,
        "child_rss_mb": m.rss_mb,
        "child_wall": m.wall,
        "load_average": [before, load_average()],
    }
    if prof is not None:
        paths = [prof.with_name(prof.name + ".read"), prof.with_name(prof.name + ".build")]
        out["profile"] = top_functions(paths, text_out=prof.with_suffix(".txt"))
    return out
