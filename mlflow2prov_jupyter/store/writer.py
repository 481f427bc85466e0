"""One writer per project: ``push`` and ``sync`` of the same project never interleave.

* Embedded store: Oxigraph already lets one process at a time open the folder; a lock file beside it
  (``<store>.writer``, ``flock``) makes a second writer *wait* for the first instead of failing at once, and
  names the first (process id, host, what, since when) when the wait runs out.
* SPARQL server: a **lease** in the store's marker graph, ``<BASE lease/<project>>`` with ``m2p:lease_token``,
  ``m2p:lease_holder`` and ``m2p:lease_expires``, taken by one SPARQL Update that inserts it only when no live
  lease exists (expiry in epoch seconds of the writers' clocks), and deleted when the write ends. A writer killed
  holds the project until the lease expires (:data:`LEASE_SECONDS`; renewed while the writer lives), or, on
  the same host, until the next writer sees that its process is gone.

The second writer waits up to :data:`WAIT_SECONDS`, then fails with one line naming the other writer.
Within one process the lock is re-entrant (sync calls push).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Iterator

from ..core.ids import encode_segment
from ..core.namespaces import M2P, XSD
from .backends import Backend, StoreError, as_backend
from .catalogue import BASE, check_ours
from .provo import RDF_TYPE, _literal

WAIT_SECONDS = 10.0
LEASE_SECONDS = 120  # renewed every 40 s while the writer lives
_POLL = 0.2

_HELD: dict[tuple[str, str], int] = {}  # (store, project) -> depth, in this process
_GUARD = threading.Lock()


def _holder(project: str) -> str:
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    return f"pid {os.getpid()} on {socket.gethostname()}, writing project {project!r} since {now}"


def _embedded_path(store: Any) -> str | None:
    path = getattr(store, "path", None)
    if path is not None:
        return path
    if isinstance(store, (str, os.PathLike)):
        text = os.fspath(store).strip()
        if text.startswith(("sparql+http://", "sparql+https://")):
            return None
        if text.startswith("file://"):
            text = text[len("file://") :]
        return os.path.abspath(os.path.expanduser(text))
    return None


@contextmanager
def writer_lock(store: str | os.PathLike[str] | Backend, project: str, wait: float = WAIT_SECONDS) -> Iterator[None]:
    """Hold the writer lock of ``project`` in ``store`` (see the module doc) for the ``with`` block."""
    path = _embedded_path(store)
    key = (path or as_backend(store).label, project)
    with _GUARD:
        if _HELD.get(key):
            _HELD[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _GUARD:
                _HELD[key] -= 1
        return
    release = _lock_file(path, project, wait) if path is not None else _take_lease(store, project, wait)
    with _GUARD:
        _HELD[key] = 1
    try:
        yield
    finally:
        with _GUARD:
            _HELD.pop(key, None)
        release()


def _lock_file(path: str, project: str, wait: float) -> Any:
    import fcntl

    lock_path = path.rstrip("/") + ".writer"
    parent = os.path.dirname(lock_path) or "."
    if not os.path.isdir(parent):
        raise StoreError(f"store {path}: folder {parent} does not exist; create it first")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError:
            if time.monotonic() >= deadline:
                try:
                    other = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
                    other = json.loads(other).get("holder", "") if other else ""
                except (OSError, ValueError):
                    other = ""
                os.close(fd)
                raise StoreError(
                    f"store {path} is being written by another writer ({other or 'unknown'}); waited {wait:.0f} s: "
                    "run one push or sync of a store at a time"
                ) from None
            time.sleep(_POLL)
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps({"holder": _holder(project)}).encode("utf-8"), 0)

    def release() -> None:
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    return release


def _lease_iri(project: str) -> str:
    return f"{BASE}lease/{encode_segment(project)}"


def _alive_here(holder_host: str, pid_text: str) -> bool:
    """Whether a lease's writer could still be running: always, unless it ran on this host and its process is gone."""
    if holder_host != socket.gethostname():
        return True
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except (ValueError, PermissionError, OSError):
        return True
    return True


def _take_lease(store: Any, project: str, wait: float) -> Any:
    backend = as_backend(store)
    check_ours(backend)  # never write a lease into a store that is not ours
    lease = _lease_iri(project)
    token = uuid.uuid4().hex
    g = f"<{BASE}>"
    live = f"{{ GRAPH {g} {{ <{lease}> <{M2P}lease_expires> ?e FILTER(?e > ?now) }} }}"
    marker = f"<{BASE}> <{RDF_TYPE}> <{M2P}ProvenanceStore>"
    backend.update(f"INSERT DATA {{ GRAPH {g} {{ {marker} }} }}")  # push writes it too; the lease's anchor
    take = (
        f"DELETE {{ GRAPH {g} {{ <{lease}> ?p ?o }} }} WHERE {{ GRAPH {g} {{ <{lease}> <{M2P}lease_expires> ?e ; "
        f"?p ?o FILTER(?e <= ?now) }} }} ;\n"
        f"INSERT {{ GRAPH {g} {{ <{lease}> <{M2P}lease_token> {_literal(token)} ; <{M2P}lease_holder> "
        f"{_literal(_holder(project))} ; <{M2P}lease_host> {_literal(socket.gethostname())} ; <{M2P}lease_pid> "
        f'"{os.getpid()}" ; <{M2P}lease_expires> ?until }} }} '
        f"WHERE {{ GRAPH {g} {{ {marker} }} FILTER NOT EXISTS {live} }}"
        # (a WHERE of a FILTER alone has one solution in SPARQL; Virtuoso needs a pattern to hang it on)
    )  # ?now and ?until (epoch seconds: integers compare alike on every server) are written in per attempt

    def until() -> str:
        return f'"{int(time.time()) + LEASE_SECONDS}"^^<{XSD}integer>'

    deadline = time.monotonic() + wait
    while True:
        now = f'"{int(time.time())}"^^<{XSD}integer>'
        backend.update(take.replace("?until", until()).replace("?now", now))
        rows = backend.subject_triples(BASE, lease)
        found = {p.value[len(M2P) :]: o.value for _s, p, o in rows if p.value.startswith(M2P)}
        if found.get("lease_token") == token:
            break
        if found.get("lease_token") and not _alive_here(found.get("lease_host", ""), found.get("lease_pid", "")):
            backend.update(  # its writer died on this host (kill -9): the lease is void, whatever its expiry
                f"DELETE {{ GRAPH {g} {{ <{lease}> ?p ?o }} }} WHERE {{ GRAPH {g} {{ <{lease}> "
                f"<{M2P}lease_token> {_literal(found['lease_token'])} ; ?p ?o }} }}"
            )
            continue
        if time.monotonic() >= deadline:
            raise StoreError(
                f"project {project!r} in store {backend.label} is being written by another writer "
                f"({found.get('lease_holder', 'unknown')}); waited {wait:.0f} s: run one push or sync of a project at "
                f"a time (a writer that died elsewhere holds it at most {LEASE_SECONDS} s)"
            )
        time.sleep(_POLL * 2)

    stop = threading.Event()

    def renew() -> None:  # a long write keeps its lease: the expiry moves on while the writer lives
        while not stop.wait(LEASE_SECONDS / 3):
            try:
                backend.update(
                    f"DELETE {{ GRAPH {g} {{ <{lease}> <{M2P}lease_expires> ?e }} }} INSERT {{ GRAPH {g} {{ <{lease}> "
                    f"<{M2P}lease_expires> {until()} }} }} WHERE {{ GRAPH {g} {{ <{lease}> <{M2P}lease_token> "
                    f"{_literal(token)} ; <{M2P}lease_expires> ?e }} }}"
                )
            except Exception:  # noqa: BLE001 - the write itself reports an unreachable store
                pass

    renewer = threading.Thread(target=renew, name="mlflow2prov-lease", daemon=True)
    renewer.start()

    def release() -> None:
        stop.set()
        renewer.join(timeout=5)
        backend.update(
            f"DELETE {{ GRAPH {g} {{ <{lease}> ?p ?o }} }} WHERE {{ GRAPH {g} {{ <{lease}> "
            f"<{M2P}lease_token> {_literal(token)} ; ?p ?o }} }}"
        )

    return release
