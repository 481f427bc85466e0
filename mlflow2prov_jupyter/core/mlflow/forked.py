"""Run a CPU-bound read on several cores by forking the current process (POSIX only).

Reading a local MLflow file store is pure Python and needs the whole of ``import mlflow`` (~1.6 s): a fresh
worker process (spawn) would spend longer importing than reading. A forked child starts in milliseconds
with everything already imported. Forking is only safe in a process with a single thread (another thread
may hold a lock the child would then wait on forever), so :func:`can_fork` refuses in a Jupyter kernel or
any threaded program, and callers fall back to doing the work in this process.

Each child runs ``fn(task)``, pickles the result (or the exception it raised) into a pipe and leaves with
``os._exit``; the parent runs the first task itself, then collects the children's results in task order.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
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
    """``[fn(t) for t in tasks]`` with ``tasks[1:]`` in forked children; the first task runs here.

    ``on_done()`` is called as each task's result arrives (for a progress bar).
    An exception raised by ``fn`` in a child is raised here (the first in task order); the task of a child
    that died without a result (killed, out of memory) is redone here. Callers check :func:`can_fork` first.
    """
    done = on_done or (lambda: None)
    if len(tasks) <= 1:
        out = []
        for t in tasks:
            out.append(fn(t))
            done()
        return out
    children: list[tuple[int, int, T]] = []  # (pid, read end, task), not yet collected
    try:
        for task in tasks[1:]:
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # child: never returns
                os.close(r)
                _child(fn, task, w)
            os.close(w)
            children.append((pid, r, task))
        results: list[Any] = [fn(tasks[0])]
        done()
        while children:
            pid, r, task = children.pop(0)
            res = _collect(pid, r)
            results.append(fn(task) if res is _NOTHING else res)
            done()
    finally:
        for pid, r, _ in children:  # this process failed: stop the children still running
            try:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            except OSError:
                pass
            os.close(r)
    for res in results[1:]:
        if isinstance(res, _Raised):
            raise res.exc
    return results


_NOTHING = object()


class _Raised:
    def __init__(self, exc: BaseException):
        self.exc = exc


def _child(fn: Callable[[Any], Any], task: Any, w: int) -> None:
    code = 0
    try:
        try:
            payload = pickle.dumps(fn(task), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # report it to the parent, which raises it
            try:
                payload = pickle.dumps(_Raised(exc), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                payload = pickle.dumps(_Raised(RuntimeError(f"{type(exc).__name__}: {exc}")))
        with os.fdopen(w, "wb") as fh:
            fh.write(payload)
    except BaseException:
        code = 1
    finally:
        os._exit(code)  # no atexit handlers, no flushing of the parent's buffers


def _collect(pid: int, r: int) -> Any:
    """The child's result, or ``_NOTHING`` if it ended without one."""
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    if not data or os.waitstatus_to_exitcode(status) != 0:
        return _NOTHING
    try:
        return pickle.loads(data)
    except Exception:
        return _NOTHING
