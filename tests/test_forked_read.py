"""Reading a file store's runs on several cores (core/mlflow/forked.py): same snapshot, same bytes, same errors."""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import subprocess
import sys
import textwrap
import time
import warnings

import pytest
from mlflowstore import T0, StoreWriter

from mlflow2prov_jupyter.core.errors import SourceError
from mlflow2prov_jupyter.core.mlflow import forked

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork only")


def _square(x: int) -> int:
    return x * x


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise SourceError("cannot read experiment 3; check the store")
    return x


def _die_in_child(parent: int):
    def fn(x: int) -> tuple[int, int]:
        if os.getpid() != parent:
            os.kill(os.getpid(), 9)  # the child vanishes without a result
        return x, os.getpid()

    return fn


def test_map_forked_keeps_task_order_and_uses_children():
    assert forked.map_forked(_square, list(range(6))) == [0, 1, 4, 9, 16, 25]
    pids = forked.map_forked(lambda _: os.getpid(), [0, 1, 2])
    assert pids[0] == os.getpid() and os.getpid() not in pids[1:]  # the first task here, the others in workers


def test_map_forked_raises_a_childs_error_here():
    with pytest.raises(SourceError, match="cannot read experiment 3"):
        forked.map_forked(_fail_on_three, [1, 2, 3, 4])


def _fail_fast_or_stall(x: int) -> int:
    if x == 3:
        raise SourceError("cannot read experiment 3; check the store")
    if x == 4:
        time.sleep(120)  # a long read the failure must not wait for
    return x


def test_a_failing_task_stops_the_other_workers_and_none_is_left():
    started = time.monotonic()
    with pytest.raises(SourceError, match="cannot read experiment 3"):
        forked.map_forked(_fail_fast_or_stall, [1, 3, 4])
    assert time.monotonic() - started < 60
    assert multiprocessing.active_children() == []
    assert forked.map_forked(_square, [1, 2, 3]) == [1, 4, 9]
    assert multiprocessing.active_children() == []


def test_map_forked_redoes_the_task_of_a_killed_child():
    parent = os.getpid()
    out = forked.map_forked(_die_in_child(parent), [10, 11])
    assert out == [(10, parent), (11, parent)]


def test_read_processes_can_be_capped(monkeypatch):
    monkeypatch.setenv(forked.PROCESSES_ENV, "1")
    assert forked.max_processes() == 1 and not forked.can_fork()
    monkeypatch.setenv(forked.PROCESSES_ENV, "3")
    assert forked.max_processes() == 3
    monkeypatch.setenv(forked.PROCESSES_ENV, "many")
    assert forked.max_processes() == 2 * forked.usable_cores()


def test_can_fork_refuses_with_threads():
    import threading

    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert not forked.can_fork()
    finally:
        stop.set()
        t.join()


@pytest.fixture(scope="module")
def file_store(tmp_path_factory):
    """Four experiments of unequal size (one empty), params, metrics, tags, artifacts, a deleted run."""
    store = StoreWriter.file(tmp_path_factory.mktemp("forked"))
    for e, n in (("small", 2), ("big", 9), ("mid", 5), ("empty", 0)):
        exp = store.experiment(e)
        for i in range(n):
            rid = store.run(
                exp,
                user=("alice", "bob")[i % 2],
                name=f"{e}-{i}",
                start=T0 + i * 1000,
                end=T0 + i * 1000 + 500,
                params={"lr": str(0.1 * (i + 1)), "exp": e},
                tags={"mlflow.source.git.commit": "0" * 40, "note": f"<b>{e}</b>"},
                metrics=[("loss", 1.0 / (s + 1 + i), s, T0 + i * 1000 + s) for s in range(4)],
            )
            if i % 3 == 0:
                store.files(rid, {"model/weights.txt": f"{e}{i}", "report.txt": "ok"})
            if i == 1:
                store.client.delete_run(rid)
    # an artifact root nobody answers at: listing fails in whichever process reads it, with a warning
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    remote = store.client.create_experiment("remote", artifact_location=f"http://127.0.0.1:{dead}/art")
    for i in range(3):
        store.run(remote, name=f"remote-{i}", start=T0 + i, end=T0 + i + 1, params={"p": str(i)})
    return store


def _extract_json(uri: str, **opts) -> tuple[str, list[str]]:
    from mlflow2prov_jupyter import extract

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        text = extract(None, uri, progress=False, **opts).to_json()
    return text, sorted(str(w.message) for w in caught if issubclass(w.category, UserWarning))


@pytest.mark.parametrize("deleted", [False, True])
def test_forked_and_serial_reads_write_the_same_bytes(file_store, tmp_path, deleted):
    """A fresh single-threaded process (as the CLI runs) reads on several cores; this one reads serially."""
    forked.ENABLED, saved = False, forked.ENABLED
    try:
        serial, serial_warnings = _extract_json(file_store.uri, include_deleted=deleted)
    finally:
        forked.ENABLED = saved
    script = textwrap.dedent(
        f"""
        import json, sys, warnings
        from mlflow2prov_jupyter.core.mlflow import forked
        calls = []
        real = forked.map_forked
        def spy(fn, tasks, **kw):
            calls.append(len(tasks))
            return real(fn, tasks, **kw)
        forked.map_forked = spy
        from mlflow2prov_jupyter import extract
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            text = extract(None, {file_store.uri!r}, progress=False, include_deleted={deleted!r}).to_json()
        found = sorted(str(w.message) for w in caught if issubclass(w.category, UserWarning))
        sys.stdout.write(json.dumps({{"calls": calls, "doc": text, "warnings": found}}))
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    if forked.usable_cores() > 1:
        assert out["calls"] == [4], "four experiments with runs: read by four processes"
    assert out["doc"] == serial
    # the warnings a child raised reach the caller, once each
    assert out["warnings"] == serial_warnings
    assert sum("artifacts_listed = false" in w for w in serial_warnings) == 1
    assert json.loads(serial)["entity"]  # a real document, not an empty one
