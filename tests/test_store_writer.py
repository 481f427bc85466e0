"""One writer per project: a second push of the same project waits, then fails with one line naming the first
writer; a writer killed with SIGKILL does not keep the project locked (two real processes, both backends)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from storecases import BACKENDS, env_without_tracking, store_uri_for

from mlflow2prov_jupyter.core.provdoc import ProvDoc
from mlflow2prov_jupyter.store.backends import close_store
from mlflow2prov_jupyter.store.push import load, push

_HOLDER = textwrap.dedent(
    """
    import sys, time
    from mlflow2prov_jupyter.store.writer import writer_lock
    with writer_lock(sys.argv[1], "demo"):
        print("held", flush=True)
        time.sleep(120)
    """
)


@pytest.fixture(params=BACKENDS)
def store_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_uri_for(request.param, tmp_path, request)


def test_a_second_writer_waits_then_names_the_first_and_a_killed_writer_frees_the_project(
    store_uri: str, tmp_path: Path, sample_doc: ProvDoc
) -> None:
    push(sample_doc, store_uri, "demo")
    if not store_uri.startswith("sparql+"):
        close_store(store_uri)  # the other processes open the folder themselves
    doc = tmp_path / "demo.json"
    doc.write_bytes(sample_doc.to_json_bytes())
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, store_uri], stdout=subprocess.PIPE, text=True, env=env_without_tracking()
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        cmd = [sys.executable, "-m", "mlflow2prov_jupyter", "load", str(doc), "push", "--store", store_uri]
        second = subprocess.run(
            [*cmd, "--project", "demo"], capture_output=True, text=True, env=env_without_tracking(), timeout=120
        )
        assert second.returncode != 0
        err = second.stderr.strip()
        assert len(err.splitlines()) == 1 and "Traceback" not in err, err
        assert "being written by another writer" in err and f"pid {holder.pid} " in err, err
        other = subprocess.run(  # another project of the same server is not held up
            [*cmd, "--project", "other"], capture_output=True, text=True, env=env_without_tracking(), timeout=120
        )
        if store_uri.startswith("sparql+"):
            assert other.returncode == 0, other.stderr
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        third = subprocess.run(
            [*cmd, "--project", "demo"], capture_output=True, text=True, env=env_without_tracking(), timeout=120
        )
        assert third.returncode == 0 and "demo: up to date" in third.stdout, third.stderr
    finally:
        holder.kill()
        holder.wait()
    assert load(store_uri, "demo")[0] == sample_doc
