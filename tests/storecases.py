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

BACKENDS = ["embedded", "server", "virtuoso"]  # "server": an Oxigraph server; "virtuoso": Debian's Virtuoso 7


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


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail under CI, where a green run must mean every backend ran."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the store tests on Virtuoso (.ci/run installs it)", pytrace=False)
    pytest.skip(reason)


def _die_with_parent() -> None:
    """In the server's process: end it when the test process ends, even killed (Linux's parent-death signal)."""
    import ctypes
    import signal

    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


_VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{isql}
DisableUnixSocket = 1
DirsAllowed = {d}
NumberOfBuffers = 40000
MaxDirtyBuffers = 30000

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 8
MaxClientConnections = 8

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 120
"""


class VirtuosoServer:
    """A real Virtuoso Open Source 7 (Debian's ``virtuoso-opensource-7-bin``) on 127.0.0.1: ``virtuoso-t`` in the
    foreground with its own ini file and database in ``folder``, HTTP and ISQL ports chosen free.

    Its anonymous ``SPARQL`` user is granted ``SPARQL_UPDATE`` (through ``isql-vt``), so ``/sparql`` and
    ``/sparql-graph-crud`` write without credentials; ``/sparql-auth`` and ``/sparql-graph-crud-auth`` take the
    ``dba`` account with HTTP Digest.
    """

    # [SPARQL] ResultSetMaxRows as Virtuoso ships it: answers, and the rows an update's WHERE matches, are cut
    # there without a word; reads cope (counted, read in halves), updates of up to 500 units do (docs/store.md)
    MAX_ROWS = 10_000

    def __init__(self, folder: Path):
        binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
        if binary is None or isql is None:
            unavailable("Virtuoso is not installed: apt-get install virtuoso-opensource-7-bin")
        self.folder = folder
        self.port, self.isql_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        ini = folder / "virtuoso.ini"
        ini.write_text(_VIRTUOSO_INI.format(d=folder, isql=self.isql_port, http=self.port, max_rows=self.MAX_ROWS))
        self.log = open(folder / "stdout.log", "wb")
        self.proc = subprocess.Popen(
            [binary, "+foreground", "+configfile", str(ini)],
            cwd=folder,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        import requests

        deadline = time.monotonic() + 180  # a new database takes ~15 s on a busy 2-core machine
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if requests.get(self.url + "/sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        else:
            self.stop()
            pytest.fail(f"Virtuoso did not start: {self._log_tail()}")
        grant = subprocess.run(
            [isql, f"127.0.0.1:{self.isql_port}", "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if grant.returncode != 0:
            self.stop()
            pytest.fail(f"granting SPARQL_UPDATE failed: {grant.stdout[-300:]} {grant.stderr[-300:]}")
        self.own_graphs = self._graphs()  # Virtuoso's own graphs: never dropped

    def store_uri(self, endpoints: str = "") -> str:
        return f"sparql+{self.url}/?server=virtuoso{endpoints}"

    def _graphs(self) -> set[str]:
        import requests

        resp = requests.post(
            self.url + "/sparql",
            data={"query": "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"},  # DISTINCT: minutes
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
        resp.raise_for_status()
        return {row["g"]["value"] for row in resp.json()["results"]["bindings"]}

    def drop_test_graphs(self) -> None:
        """Drop every graph a test made, one update per 200 graphs; Virtuoso's own graphs stay (no CLEAR ALL)."""
        import requests

        left = sorted(self._graphs() - self.own_graphs)
        for i in range(0, len(left), 200):
            resp = requests.post(
                self.url + "/sparql",
                data=" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in left[i : i + 200]).encode(),
                headers={"Content-Type": "application/sparql-update"},
                timeout=300,
            )
            resp.raise_for_status()

    def _log_tail(self) -> str:
        logs = [self.folder / "virtuoso.log", self.folder / "stdout.log"]
        return " | ".join(p.read_text(errors="replace")[-400:] for p in logs if p.exists())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # Virtuoso checkpoints and shuts down on SIGTERM
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


_VIRTUOSO: list[VirtuosoServer] = []


def virtuoso(request: pytest.FixtureRequest) -> VirtuosoServer:
    """The session's Virtuoso: started by the first test that needs it (~15 s), stopped when the session ends."""
    if not _VIRTUOSO:
        folder = request.getfixturevalue("tmp_path_factory").mktemp("virtuoso")
        server = VirtuosoServer(folder)
        _VIRTUOSO.append(server)

        def stop() -> None:
            _VIRTUOSO.remove(server)
            server.stop()

        request.config.add_cleanup(stop)
    return _VIRTUOSO[0]


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
    """A fresh, empty store of kind ``backend``: an embedded folder, an Oxigraph server started for the test, or
    the session's Virtuoso (its graphs dropped after the test)."""
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
    if backend == "virtuoso":  # one server per session (it starts in ~15 s); each test gets its graphs dropped
        server = virtuoso(request)
        request.addfinalizer(server.drop_test_graphs)
        return server.store_uri()
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
