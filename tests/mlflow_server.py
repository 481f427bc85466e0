"""A real ``mlflow server`` on 127.0.0.1 for tests: started on a free port, stopped by its own process group.

Usage::

    with MlflowServer("sqlite:///…/mlflow.db", tmp_path / "artifacts") as server:
        client = MlflowClient(tracking_uri=server.url)

The server runs in its own session (``start_new_session``), so :meth:`MlflowServer.stop` can end it and
every worker it spawned with one ``os.killpg`` on the server's own process id — never by name.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MlflowServer:
    """One ``mlflow server`` process serving ``backend_uri`` with proxied artifacts in ``artifacts_dir``."""

    def __init__(
        self,
        backend_uri: str,
        artifacts_dir: str | os.PathLike,
        *,
        log_path: str | os.PathLike | None = None,
        startup_timeout: float = 90.0,
    ) -> None:
        self.backend_uri = backend_uri
        self.artifacts_dir = Path(artifacts_dir)
        self.log_path = Path(log_path) if log_path else self.artifacts_dir.parent / "mlflow-server.log"
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The server's tracking URI, ``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "MlflowServer":
        """Start the server and wait until ``/health`` answers (raises RuntimeError with the log tail)."""
        self.artifacts_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        env = dict(os.environ)
        env["MLFLOW_ALLOW_FILE_STORE"] = "true"  # the server may serve a file store in tests
        env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"  # no job consumers: faster start, fewer processes
        env["MLFLOW_DISABLE_TELEMETRY"] = "true"
        env.pop("MLFLOW_TRACKING_URI", None)
        env.pop("MLFLOW_REGISTRY_URI", None)
        cmd = [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            self.backend_uri,
            "--serve-artifacts",
            "--artifacts-destination",
            str(self.artifacts_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            "1",
        ]
        self._log = open(self.log_path, "ab")
        # cwd = the artifacts' parent, so nothing the server might create lands in the test's cwd.
        self.proc = subprocess.Popen(
            cmd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=str(self.artifacts_dir.parent),
            env=env,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mlflow server exited early: {self._tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"mlflow server did not answer within {self.startup_timeout} s: {self._tail()}")

    def stop(self) -> None:
        """Stop the server's process group (SIGTERM, then SIGKILL after 10 s)."""
        proc = self.proc
        if proc is None:
            return
        self.proc = None
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)
        else:
            # The leader is gone; make sure no worker of its group survives.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self._log.close()

    def _tail(self, n: int = 2000) -> str:
        try:
            self._log.flush()
            return self.log_path.read_bytes()[-n:].decode("utf-8", "replace")
        except OSError:
            return "(no log)"

    def __enter__(self) -> "MlflowServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
