"""Continuous sync: keep a project's units in a store current while people keep committing and training.

One round lists the sources — Git refs; MLflow experiments, the runs started or ended since the catalogue's
watermark, running or deleted, logged models, registered models and versions: listings only, no params,
metrics or artifacts — and compares a fingerprint of that listing with the catalogue's. Unchanged: nothing is
read or written. Changed: an *incremental* round (:mod:`.incremental`) reads and replaces exactly the changed
units; where it cannot tell the result would be exact (something removed, a first round, a time window, …) the
round is *full*: the project is extracted and pushed, which replaces the units whose content changed. A run
still RUNNING is read again every round, so its new metrics arrive round by round. Edits no listing shows (a
tag set on a finished run) arrive with ``--full`` or ``--full-every N``.

One writer per project: the round holds the store's writer lock (:mod:`.writer`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Callable

from ..core.errors import OptionError
from .backends import Backend, as_backend
from .catalogue import check_ours, read_catalogue
from .push import PushResult, push


@dataclass
class SyncRound:
    """The outcome of one sync round: ``mode`` is ``none`` (nothing changed), ``incremental`` or ``full``."""

    project: str
    result: PushResult | None  # None: the listing saw no change, nothing was read or written
    seconds: float
    fingerprint: str
    mode: str = "full"
    what: str = ""  # incremental: the records re-read; full: why the round was full
    listing_seconds: float = 0.0

    def line(self) -> str:
        if self.result is None:
            what = f"{self.project}: no change in the sources"
        else:
            r = self.result
            counts = f"{len(r.added)} units added, {len(r.replaced)} replaced, {len(r.removed)} removed"
            if self.mode == "incremental":
                what = f"{self.project}: incremental ({self.what}); {counts} ({r.triples_written} triples written)"
            else:
                what = f"{self.project}: full ({self.what}); {counts}, {r.unchanged} unchanged"
        listing = f", listing {self.listing_seconds:.2f} s" if self.listing_seconds else ""
        return f"sync {what} [{self.seconds:.2f} s{listing}]"


def project_name(repo: Any, tracking_uri: Any, project: str | None) -> str:
    if project:
        return project
    if repo not in (None, ""):
        return os.path.basename(os.path.abspath(os.fspath(repo))) or "provenance"
    raise OptionError("sync without --repo needs --project NAME")


def sync_once(
    repo: Any,
    tracking_uri: Any,
    store: str | Backend,
    project: str | None = None,
    *,
    full: bool = False,
    progress: bool | None = None,
    **options: Any,
) -> SyncRound:
    """One sync round (see the module doc); ``full`` always extracts everything."""
    from ..core.extract import extract_with
    from ..core.options import ExtractOptions
    from .incremental import FullRound, SyncState, incremental_round, list_sources
    from .writer import writer_lock

    started = time.perf_counter()
    name = project_name(repo, tracking_uri, project)
    opts = ExtractOptions.from_kwargs(progress=progress, **options)
    if repo in (None, "") and tracking_uri in (None, ""):
        raise OptionError("sync needs a Git repository (--repo), an MLflow tracking URI (--tracking-uri), or both")
    with writer_lock(store, name):
        backend = as_backend(store)
        cat = read_catalogue(backend, name) if check_ours(backend) else None
        state = SyncState.of(cat)
        listing = list_sources(repo, tracking_uri, state, opts)
        fp = listing.fingerprint_next
        if not full and state is not None and cat is not None and cat.source_fingerprint == listing.fingerprint_now:
            return SyncRound(name, None, time.perf_counter() - started, fp, "none", "", listing.seconds)
        if full:
            reason = "asked for"
        elif cat is None:
            reason = "first sync of the project"
        elif state is None:
            reason = "no sync watermark in the store yet"
        else:
            try:
                inc = incremental_round(repo, tracking_uri, backend, name, cat, state, listing, opts)
                seconds = time.perf_counter() - started
                return SyncRound(name, inc.result, seconds, fp, "incremental", inc.what(), listing.seconds)
            except FullRound as exc:
                reason = str(exc)
        doc = extract_with(repo or None, tracking_uri or None, opts)
        result = push(
            doc,
            backend,
            name,
            repository_url=repo,
            tracking_uri=tracking_uri,
            source_fingerprint=fp,
            sync_state=listing.next_state.fields(),
        )
        return SyncRound(name, result, time.perf_counter() - started, fp, "full", reason, listing.seconds)


def watch(
    repo: Any,
    tracking_uri: Any,
    store: str | Backend,
    project: str | None = None,
    *,
    interval: float = 60.0,
    rounds: int | None = None,
    echo: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
    full_every: int | None = None,
    **options: Any,
) -> list[SyncRound]:
    """Sync every ``interval`` seconds, one progress line per round, until Ctrl-C (or ``rounds`` rounds);
    every ``full_every``-th round is full (edits no listing shows: tags set on finished runs)."""
    if interval <= 0:
        raise OptionError("--interval must be a positive number of seconds")
    if full_every is not None and full_every <= 0:
        raise OptionError("--full-every must be a positive number of rounds")
    full = bool(options.pop("full", False))
    done: list[SyncRound] = []
    try:
        while rounds is None or len(done) < rounds:
            nth = len(done) + 1
            every = full_every is not None and nth % full_every == 0
            r = sync_once(repo, tracking_uri, store, project, full=full or every, **options)
            done.append(r)
            echo(f"round {len(done)}: {r.line()}")
            if rounds is not None and len(done) >= rounds:
                break
            sleep(interval)
    except KeyboardInterrupt:
        echo(f"sync stopped after {len(done)} rounds; the store holds the last completed round")
    return done
