"""Measuring child processes (wall, CPU, peak RSS of exactly that child) and summarising repeats."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import child_env


@dataclass
class Measured:
    """One child process: wall seconds (incl. interpreter start), CPU seconds, peak RSS in MB, and
    whatever the child reported about itself (``report``: phase timings, counts…)."""

    wall: float
    cpu: float
    rss_mb: float
    report: dict[str, Any] = field(default_factory=dict)


class ChildFailed(RuntimeError):
    pass


def run_child(task: str, args: list[str], *, cwd: str | Path | None = None, timeout: float = 3600) -> Measured:
    """Run ``python -m bench.child <task> args…`` and measure it.

    Peak RSS and CPU come from ``os.wait4`` on that child (Linux includes the child's own waited-for
    children, e.g. git). The child writes its self-report to the JSON file given by ``--report``.
    """
    with tempfile.TemporaryDirectory(prefix="bench-child-") as tmp:
        report = Path(tmp) / "report.json"
        argv = [sys.executable, "-m", "bench.child", task, *args, "--report", str(report)]
        err_path = Path(tmp) / "stderr"
        with open(err_path, "wb") as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(argv, cwd=cwd or tmp, env=child_env(), stdout=subprocess.DEVNULL, stderr=err)
            deadline = t0 + timeout
            while True:
                pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    proc.kill()
                    pid, status, ru = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.005)
            wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            tail = err_path.read_text(errors="replace")[-4000:]
            raise ChildFailed(f"bench child {task} failed (exit {proc.returncode}):\n{tail}")
        data = json.loads(report.read_text()) if report.exists() else {}
    return Measured(wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0, data)


def summary(values: list[float]) -> dict[str, float]:
    """Median, min and max of repeated measurements."""
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def load_average() -> float:
    """1-minute load average (contention indicator: the machine has 2 cores)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def timed(fn, *args, **kw) -> tuple[Any, float, float]:
    """Call ``fn`` and return (result, wall seconds, process CPU seconds)."""
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args, **kw)
    return out, time.perf_counter() - w, time.process_time() - c
