"""Pausing Python's cyclic garbage collector around bulk work.

Building or encoding a document allocates hundreds of thousands of small acyclic containers (records, attribute
dicts, tuples); each 700 allocations the collector scans the young objects and, every few scans, the whole heap
— with MLflow imported that heap holds ~300k objects. Reference counting frees everything these loops make, so
pausing the collector for their duration loses nothing and saves 30–40 % of their time.
"""

from __future__ import annotations

import functools
import gc
from contextlib import contextmanager
from typing import Callable, Iterator, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the ``with`` block (nesting is fine; the outermost resumes it)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def without_gc(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator: run ``fn`` with the cyclic garbage collector paused."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kw: P.kwargs) -> R:
        with gc_paused():
            return fn(*args, **kw)

    return wrapper
