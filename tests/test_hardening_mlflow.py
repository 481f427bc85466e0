"""Hostile and damaged MLflow stores (issue 13 items 2, 3, 6, 7 and 10): artifact listings never leave the
artifact root and are bounded, passwords never reach a message, a damaged run is read around (warning,
``m2p:incomplete``, exit code 4), a stalled server fails within the timeout naming the call, and bad URIs
get one line that names the problem."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from mlflowstore import StoreWriter

from mlflow2prov_jupyter import extract
from mlflow2prov_jupyter.cli import cli
from mlflow2prov_jupyter.core.errors import EXIT_INCOMPLETE, IncompleteWarning, SourceError
from mlflow2prov_jupyter.ops.save import save

SECRET = "S3cr3tPw"
TOKEN = "T0kenValue42"


def _cli(*args: str):
    return CliRunner().invoke(cli, list(args))


def _stderr_lines(result) -> list[str]:
    text = result.stderr if hasattr(result, "stderr") else result.output
    return [ln for ln in text.splitlines() if ln.strip()]


def _run_ids(doc) -> set[str]:
    return {el.id for el in doc.elements.values() if el.id.startswith("mlflow:run/") and el.id.count("/") == 1}


# ------------------------------------------------------------------------------------------ item 2
@pytest.fixture()
def linked_store(tmp_path):
    """A file store whose run's artifact folder holds links to /etc, to / and to a file outside."""
    store = StoreWriter.file(tmp_path)
    exp = store.experiment("e")
    rid = store.run(exp, params={"p": "1"})
    store.files(rid, {"model/MLmodel": "x", "data/a.csv": "1,2\n"})
    art = store.root / exp / rid / "artifacts"
    (art / "etc_link").symlink_to("/etc")
    (art / "root_link").symlink_to("/")
    (art / "data" / "loop").symlink_to(art)
    (tmp_path / "outside.txt").write_text("secret data\n")
    (art / "file_link").symlink_to(tmp_path / "outside.txt")
    return store, rid


def test_artifact_links_are_listed_not_followed(linked_store):
    store, rid = linked_store
    doc = extract(tracking_uri=store.uri)
    prefix = f"mlflow:run/{rid}/artifact/"
    paths = sorted(el.attrs["m2p:path"] for el in doc.elements.values() if el.id.startswith(prefix))
    assert paths == ["data", "data/a.csv", "data/loop", "etc_link", "file_link", "model", "model/MLmodel", "root_link"]
    for link in ("etc_link", "root_link", "data/loop", "file_link"):
        attrs = doc[prefix + link].attrs
        assert attrs["m2p:is_dir"] is False and "m2p:file_size" not in attrs  # the link itself, never its target


def test_artifact_listing_stops_at_max_artifacts_with_a_warning(tmp_path):
    store = StoreWriter.file(tmp_path)
    exp = store.experiment("e")
    big = store.run(exp)
    small = store.run(exp)
    store.files(big, {f"f{i:02d}.txt": "x" for i in range(25)})
    store.files(small, {"a.txt": "x"})
    with pytest.warns(IncompleteWarning, match=f"run {big}: artifact listing stopped after 10 entries"):
        doc = extract(tracking_uri=store.uri, max_artifacts=10)
    listed = [e for e in doc.elements if e.startswith(f"mlflow:run/{big}/artifact/")]
    assert len(listed) == 10
    assert "artifact listing stopped after 10 entries" in doc[f"mlflow:run/{big}"].attrs["m2p:incomplete"]
    assert "m2p:incomplete" not in doc[f"mlflow:run/{small}"].attrs
    result = _cli("extract", "--tracking-uri", store.uri, "--max-artifacts", "10", "statistics")
    assert result.exit_code == EXIT_INCOMPLETE
    warned = [ln for ln in _stderr_lines(result) if ln.startswith("Warning:")]
    assert len(warned) == 1 and big in warned[0] and "max_artifacts" in warned[0]


# ------------------------------------------------------------------------------------------ item 6
def _damaged_store(tmp_path: Path):
    store = StoreWriter.file(tmp_path)
    exp = store.experiment("e")
    runs = [store.run(exp, params={"p": str(i)}, metrics=[("m", 1.0, 0, 1_700_000_000_000)]) for i in range(4)]
    return store, exp, runs


def test_a_run_without_artifact_folder_is_read_around(tmp_path):
    store, exp, runs = _damaged_store(tmp_path)
    shutil.rmtree(store.root / exp / runs[1] / "artifacts")
    with pytest.warns(IncompleteWarning, match=f"run {runs[1]}: cannot read the history of metric 'm'"):
        doc = extract(tracking_uri=store.uri)
    assert _run_ids(doc) == {f"mlflow:run/{r}" for r in runs}
    damaged = doc[f"mlflow:run/{runs[1]}"]
    assert "metric 'm'" in damaged.attrs["m2p:incomplete"]
    assert f"mlflow:run/{runs[1]}/param/p" in doc and f"mlflow:run/{runs[1]}/metric/m/0" in doc  # the rest is read
    assert all("m2p:incomplete" not in doc[f"mlflow:run/{r}"].attrs for r in runs if r != runs[1])


def test_corrupt_files_are_named_and_the_other_runs_read(tmp_path):
    store, exp, runs = _damaged_store(tmp_path)
    (store.root / exp / runs[2] / "params" / "p").write_bytes(b"\xff\xfe not utf-8")
    (store.root / exp / runs[3] / "meta.yaml").unlink()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = extract(tracking_uri=store.uri)
    msgs = sorted(str(w.message) for w in caught if issubclass(w.category, IncompleteWarning))
    assert len(msgs) == 2
    assert f"{runs[2]}/params/p (not UTF-8 text)" in " ".join(msgs) and f"{runs[3]}/meta.yaml (missing)" in " ".join(
        msgs
    )
    for good in runs[:2]:  # read in full
        assert doc[f"mlflow:run/{good}/param/p"].attrs["m2p:value"] in ("0", "1")
        assert "m2p:incomplete" not in doc[f"mlflow:run/{good}"].attrs
    assert "params/p (not UTF-8 text)" in doc[f"mlflow:run/{runs[2]}"].attrs["m2p:incomplete"]
    # the CLI completes, one warning line per damaged run, and says so in its exit code
    out = tmp_path / "out"
    result = _cli("extract", "--tracking-uri", store.uri, "save", "-o", str(out))
    assert result.exit_code == EXIT_INCOMPLETE, result.output
    warned = [ln for ln in _stderr_lines(result) if ln.startswith("Warning:")]
    assert len(warned) == 2 and all("Traceback" not in w and ".py:" not in w for w in warned)
    assert (tmp_path / "out.json").is_file()


# ------------------------------------------------------------------------------------------ item 7
class _StallingServer:
    """A local HTTP server that answers the first request (one experiment) and then stalls, at most
    ``stall`` seconds per request; it stops by itself when the block ends."""

    def __init__(self, stall: float = 8.0):
        self.release = threading.Event()
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                outer.requests.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                if len(outer.requests) > 1:
                    outer.release.wait(stall)
                    return
                body = json.dumps({"experiments": [{
                    "experiment_id": "0", "name": "Default", "artifact_location": "mlflow-artifacts:/0",
                    "lifecycle_stage": "active", "creation_time": 1700000000000, "last_update_time": 1700000000000,
                }]}).encode()  # fmt: skip
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "_StallingServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_a_stalled_server_fails_within_the_timeout_naming_the_call(capfd):
    with _StallingServer() as server:
        started = time.monotonic()
        with pytest.raises(SourceError) as err:
            extract(tracking_uri=server.url, timeout=2)
        elapsed = time.monotonic() - started
    assert elapsed < 6, elapsed
    msg = str(err.value)
    assert "search_logged_models" in msg and "no answer within 2 s" in msg and "\n" not in msg
    assert "waiting for search_logged_models" in capfd.readouterr().err  # the wait was named while it lasted


@pytest.mark.parametrize("how", ["users-env", "option"])
def test_the_timeout_holds_end_to_end(monkeypatch, how):
    """Through the command line: the user's own MLFLOW_HTTP_REQUEST_TIMEOUT, or --timeout."""
    users = "2" if how == "users-env" else "120"  # --timeout 2 wins over the user's 120 s
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", users)
    args: tuple[str, ...] = () if how == "users-env" else ("--timeout", "2")
    with _StallingServer() as server:
        started = time.monotonic()
        result = _cli("extract", "--tracking-uri", server.url, *args)
        elapsed = time.monotonic() - started
    assert elapsed < 6, elapsed
    assert result.exit_code == 1
    errors = [ln for ln in _stderr_lines(result) if ln.startswith("Error:")]
    assert len(errors) == 1 and "search_logged_models" in errors[0] and "within 2 s" in errors[0]
    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == users  # restored as the user set it


# ------------------------------------------------------------------------------------------ item 3
class _EchoingServer(_StallingServer):
    """A server that answers every request with an MLflow error whose text carries credentials."""

    def __init__(self):
        super().__init__()

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                body = json.dumps({
                    "error_code": "PERMISSION_DENIED",
                    "message": f"denied for http://admin:{SECRET}@127.0.0.1/x?token={TOKEN} password={SECRET}",
                }).encode()  # fmt: skip
                self.send_response(403)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self.server.server_close()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://admin:{SECRET}@127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.mark.parametrize(
    "uri",
    [
        f"ftp://u:{SECRET}@127.0.0.1/x",
        f"http://u:{SECRET}@127.0.0.1:9/?token={TOKEN}",
        f"postgresql://u:{SECRET}@127.0.0.1:9/db?password={SECRET}",
    ],
)
def test_no_password_in_error_lines(uri):
    with pytest.raises(SourceError) as err:
        extract(tracking_uri=uri)
    assert SECRET not in str(err.value) and TOKEN not in str(err.value)
    result = _cli("extract", "--tracking-uri", uri)
    assert result.exit_code != 0 and SECRET not in result.output and TOKEN not in result.output
    assert len(_stderr_lines(result)) == 1


def test_no_password_in_a_servers_own_error_message():
    with _EchoingServer() as server:
        with pytest.raises(SourceError) as err:
            extract(tracking_uri=server.url)
        result = _cli("extract", "--tracking-uri", server.url)
    assert "denied for" in str(err.value)
    for text in (str(err.value), result.output):
        assert SECRET not in text and TOKEN not in text
    assert len(_stderr_lines(result)) == 1


def test_no_password_in_warnings_or_saved_documents(tmp_path):
    store = StoreWriter.file(tmp_path)
    exp = store.client.create_experiment("remote", artifact_location=f"ftp://u:{SECRET}@127.0.0.1:9/art?token={TOKEN}")
    store.run(exp, user="alice")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = extract(tracking_uri=store.uri)
    texts = [str(w.message) for w in caught]
    assert any("cannot list the artifacts" in t for t in texts)
    assert not any(SECRET in t or TOKEN in t for t in texts)
    paths = save(doc, tmp_path / "doc", formats=("json", "xml", "rdf", "provn", "jsonld"))
    for p in paths:
        data = p.read_text(encoding="utf-8")
        assert SECRET not in data and TOKEN not in data, p
    result = _cli("extract", "--tracking-uri", store.uri, "statistics")
    assert SECRET not in result.output and TOKEN not in result.output
    assert result.exit_code == EXIT_INCOMPLETE


# ------------------------------------------------------------------------------------------ item 10
@pytest.mark.parametrize("uri, fragment", [
    ("databricks", "tracking URI 'databricks' (a Databricks workspace) is not supported"),
    ("databricks://profile", "tracking URI scheme 'databricks:' is not supported"),
    ("uc", "is not supported"),
])  # fmt: skip
def test_unsupported_schemes_are_named(tmp_path, monkeypatch, uri, fragment):
    monkeypatch.chdir(tmp_path)
    result = _cli("extract", "--tracking-uri", uri)
    lines = _stderr_lines(result)
    assert result.exit_code == 1 and len(lines) == 1 and fragment in lines[0], lines


def test_control_characters_in_echoed_values_are_escaped():
    result = _cli("extract", "--tracking-uri", "/no/such/store\nError: fake second line\x1b[31m")
    lines = _stderr_lines(result)
    assert (
        len(lines) == 1 and lines[0].startswith("Error: ") and "\\nError: fake" in lines[0] and "\x1b" not in lines[0]
    )


def test_sqlite_uri_is_shown_as_given():
    from mlflow2prov_jupyter.core.values import strip_secrets

    assert strip_secrets("sqlite:////abs/path?x=y") == "sqlite:////abs/path?x=y"
    assert strip_secrets(f"sqlite:////abs/path?x=y&token={TOKEN}") == "sqlite:////abs/path?x=y"


def test_a_database_newer_than_mlflow_says_so(tmp_path):
    from mlflowstore import sqlite_template

    db = tmp_path / "newer.db"  # a path no MLflow store object of this process has opened (they are cached)
    shutil.copyfile(sqlite_template(), db)
    con = sqlite3.connect(db)
    con.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    con.commit()
    con.close()
    with pytest.raises(SourceError) as err:
        extract(tracking_uri=f"sqlite:///{db}")
    msg = str(err.value)
    assert "newer MLflow" in msg and "upgrade mlflow" in msg and "mlflow db upgrade'" in msg  # do not run it
