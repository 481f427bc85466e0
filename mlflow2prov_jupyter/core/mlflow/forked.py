"""Run a CPU-bound read on several cores in forked worker processes (POSIX only).

Reading a local MLflow file store is pure Python and needs the whole of ``import mlflow`` (~1.6 s): a fresh
worker process (spawn) would spend longer importing than reading. A forked child starts in milliseconds
with everything already imported. Forking is only safe in a process with a single thread (another thread
may hold a lock the child would then wait on forever), so :func:`can_fork` refuses in a Jupyter kernel or
any threaded program, and callers fall back to doing the work in this process.

The pool is the standard library's (:class:`~concurrent.futures.ProcessPoolExecutor` with the ``fork``
start method); this module decides when forking is safe and keeps this process busy with the first task.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Set to False to keep every read in the calling process (tests compare both paths).
ENABLED = True
#: Environment variable capping the reading processes (``1``: never fork).
PROCESSES_ENV = "MLFLOW2PROV_READ_PROCESSES"


def usable_cores() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def max_processes() -> int:
    """How many processes a read may use: ``$MLFLOW2PROV_READ_PROCESSES``, else twice the usable cores (a few
    more processes than cores evens out groups of unequal size)."""
    text = os.environ.get(PROCESSES_ENV, "").strip()
    if text:
        try:
            return max(1, int(text))
        except ValueError:
            pass  # not a number: the default
    return 2 * usable_cores()


def can_fork() -> bool:
    """Whether forking workers is possible and safe here (POSIX fork, one thread, more than one core)."""
    return (
        ENABLED
        and max_processes() > 1
        and hasattr(os, "fork")
        and sys.platform != "darwin"  # macOS frameworks are not fork-safe even with one Python thread
        and threading.active_count() == 1
        and usable_cores() > 1
    )


def map_forked(fn: Callable[[T], R], tasks: Sequence[T], on_done: Callable[[], Any] | None = None) -> list[R]:
    """``[fn(t) for t in tasks]`` with ``tasks[1:]`` in forked worker processes; the first task runs here.

    ``on_done()`` is called as each task's result arrives, in task order (for a progress bar). An exception
    raised by ``fn`` in a worker is raised here (the first in task order); the tasks left without a result
    when a worker died (killed, out of memory: the pool is then broken) are redone here. ``fn`` reaches the
    workers by the fork itself, so it need not pickle (a closure is fine); tasks and results are pickled.
    Callers check :func:`can_fork` first.
    """
    done = on_done or (lambda: None)
    if len(tasks) <= 1:
        out: list[R] = []
        for t in tasks:
            out.append(fn(t))
            done()
        return out
    fork = multiprocessing.get_context("fork")
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(len(tasks) - 1, mp_context=fork, initializer=_install, initargs=(fn,))
    finished = False
    try:
        futures = [pool.submit(_run_installed, task) for task in tasks[1:]]  # the fork: every worker starts now
        results: list[R] = [fn(tasks[0])]
        done()
        for task, future in zip(tasks[1:], futures):
            try:
                results.append(future.result())
            except BrokenProcessPool:
                results.append(fn(task))
            done()
        finished = True
    finally:
        if not finished:  # this process failed or a task raised: stop the workers still reading
            for child in set(multiprocessing.active_children()) - before:
                child.kill()
        pool.shutdown(wait=True, cancel_futures=True)
    return results


_installed: Callable[[Any], Any] | None = None  # a worker's fn, set by the fork


def _install(fn: Callable[[Any], Any]) -> None:
    global _installed
    _installed = fn


def _run_installed(task: Any) -> Any:
    assert _installed is not None
    return _installed(task)
