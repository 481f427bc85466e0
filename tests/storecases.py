"""Shared pieces of the store tests: the store backends every store test runs against, and small documents."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName
from mlflow2prov_jupyter.store.backends import close_store, open_store

BACKENDS = ["embedded", "server"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OxigraphServer:
    """A real Oxigraph SPARQL 1.1 server (the ``oxigraph`` binary from PyPI) on 127.0.0.1, its data in a folder."""

    def __init__(self, folder: Path):
        import sysconfig

        binary = shutil.which("oxigraph", path=sysconfig.get_path("scripts")) or shutil.which("oxigraph")
        if binary is None:
            pytest.fail("the oxigraph server binary is missing: pip install -e '.[test]' installs it")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(folder / "oxigraph.log", "wb")
        self.proc = subprocess.Popen(
            [
                binary,
                "serve",
                "--location",
                str(folder / "data"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--union-default-graph",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        pytest.fail(f"the oxigraph server did not start: {(folder / 'oxigraph.log').read_text()[-500:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class BasicAuthProxy:
    """A real HTTP server on 127.0.0.1 that demands Basic credentials and forwards to a SPARQL server: how
    a team puts a store behind a login (a reverse proxy in front of the database)."""

    def __init__(self, target: str, user: str, password: str):
        import base64
        import http.server
        import threading
        import urllib.error
        import urllib.request

        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def _forward(self) -> None:
                if self.headers.get("Authorization") != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="store"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
                req = urllib.request.Request(
                    target + self.path, data=body or None, headers=headers, method=self.command
                )
                try:
                    with urllib.request.urlopen(req, timeout=60) as resp:
                        status, rh, data = resp.status, resp.headers, resp.read()
                except urllib.error.HTTPError as err:
                    status, rh, data = err.code, err.headers, err.read()
                self.send_response(status)
                if rh.get("Content-Type"):
                    self.send_header("Content-Type", rh["Content-Type"])
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def store_uri_for(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, empty store of kind ``backend``: an embedded folder, or a SPARQL server started for the test."""
    if backend == "embedded":
        path = str(tmp_path / "store")
        request.addfinalizer(lambda: close_store(path))
        return path
    if backend == "server":
        folder = tmp_path / "server"
        folder.mkdir()
        server = OxigraphServer(folder)
        request.addfinalizer(server.stop)
        return "sparql+" + server.url + "/"
    raise AssertionError(backend)


def all_quads(uri: str) -> set[str]:
    """Every quad of a store as text (blank nodes labelled canonically per graph, so two reads compare)."""
    backend = open_store(uri)
    out = set()
    for g in sorted(backend.named_graphs()):
        ds = ox.Dataset(ox.Quad(s, p, o, ox.NamedNode(g)) for s, p, o in backend.triples(g))
        ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        out.update(str(q) for q in ds)
    return out


def with_run_status(doc: ProvDoc, run_prefix: str, status: str) -> ProvDoc:
    """A copy of ``doc`` whose runs with ids starting with ``run_prefix`` have a new status."""
    out = ProvDoc.from_json(doc.to_json(), name=doc.name)
    for el in out.elements.values():
        if QName("m2p:Run") in el.types and el.id.startswith(run_prefix):
            el.attrs["m2p:status"] = status
    return out


def env_without_tracking() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MLFLOW_TRACKING_URI", None)
    return env
