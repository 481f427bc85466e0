"""The SPARQL server backend: same answers as the embedded store, credentials, and bad servers in one line."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from storecases import BasicAuthProxy, OxigraphServer, all_quads, free_port, store_uri_for, virtuoso
from test_ops_load_save import rich_doc

from mlflow2prov_jupyter.core.provdoc import ProvDoc
from mlflow2prov_jupyter.store.backends import StoreError, open_store
from mlflow2prov_jupyter.store.links import linked_document
from mlflow2prov_jupyter.store.push import load, push
from mlflow2prov_jupyter.store.query import ready_queries, run_query


@pytest.mark.parametrize("server", ["server", "virtuoso"])
def test_embedded_and_server_give_the_same_answers(
    tmp_path: Path, request: pytest.FixtureRequest, sample_doc: ProvDoc, sample_manifest, server: str
) -> None:
    stores = [
        store_uri_for(kind, tmp_path / kind, request)
        for kind in ("embedded", server)
        if (tmp_path / kind).mkdir() is None
    ]
    for uri in stores:
        push(sample_doc, uri, "demo")
        push(rich_doc(), uri, "rich")
    emb, srv = stores

    def quads(uri: str) -> set[str]:  # each push records its own time (a slower server's is a second later)
        return {q for q in all_quads(uri) if "/vocab#synced_at>" not in q}

    assert quads(emb) == quads(srv)
    assert load(emb) == load(srv)
    digest = sample_manifest.datasets[0].digest
    params = {
        "models-trained-on-dataset": {"digest": digest},
        "downstream-of-commit": {"sha": sample_manifest.trained_commit},
    }
    for name in ready_queries():
        a, b = run_query(emb, name, params.get(name)), run_query(srv, name, params.get(name))
        assert a.columns == b.columns and sorted(map(repr, a.rows)) == sorted(map(repr, b.rows)), name
    assert linked_document(emb) == linked_document(srv)


def _one_line_error(call, *words: str) -> str:
    with pytest.raises(StoreError) as info:
        call()
    text = str(info.value)
    assert "\n" not in text and all(w in text for w in words), text
    return text


def test_credentials_from_the_environment_or_netrc_never_in_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "srv").mkdir()
    server = OxigraphServer(tmp_path / "srv")
    proxy = BasicAuthProxy(server.url, "team", "s3cret-pw")
    try:
        uri = "sparql+" + proxy.url + "/"
        monkeypatch.setenv("NETRC", str(tmp_path / "none"))
        monkeypatch.delenv("MLFLOW2PROV_STORE_USER", raising=False)
        text = _one_line_error(lambda: push(rich_doc(), uri, "r"), "refused the credentials", "MLFLOW2PROV_STORE_USER")
        monkeypatch.setenv("MLFLOW2PROV_STORE_USER", "team")
        monkeypatch.setenv("MLFLOW2PROV_STORE_PASSWORD", "wrong-pw")
        text += _one_line_error(lambda: push(rich_doc(), uri, "r"), "refused the credentials", "HTTP 401")
        monkeypatch.setenv("MLFLOW2PROV_STORE_PASSWORD", "s3cret-pw")
        assert push(rich_doc(), uri, "r").added
        monkeypatch.delenv("MLFLOW2PROV_STORE_USER")
        monkeypatch.delenv("MLFLOW2PROV_STORE_PASSWORD")
        netrc = tmp_path / "netrc"
        netrc.write_text("machine 127.0.0.1 login team password s3cret-pw\n")
        netrc.chmod(0o600)
        monkeypatch.setenv("NETRC", str(netrc))
        assert load(uri, "r")[0] == rich_doc()
        # credentials in the URL work too, and never reach the store's label
        monkeypatch.setenv("NETRC", str(tmp_path / "none"))
        with_userinfo = uri.replace("127.0.0.1", "team:s3cret-pw@127.0.0.1")
        backend = open_store(with_userinfo)
        assert "s3cret" not in backend.label and load(backend, "r")[0] == rich_doc()
        assert "s3cret" not in text and "wrong-pw" not in text
    finally:
        proxy.stop()
        server.stop()


def test_virtuoso_digest_credentials_on_its_auth_endpoints(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Virtuoso's /sparql-auth endpoints take HTTP Digest (and refuse Basic without a challenge)."""
    server = virtuoso(request)
    request.addfinalizer(server.drop_test_graphs)
    uri = server.store_uri("&query=/sparql-auth&update=/sparql-auth&gsp=/sparql-graph-crud-auth")
    monkeypatch.setenv("NETRC", str(tmp_path / "none"))
    monkeypatch.delenv("MLFLOW2PROV_STORE_USER", raising=False)
    text = _one_line_error(lambda: push(rich_doc(), uri, "r"), "refused the credentials", "HTTP 401")
    monkeypatch.setenv("MLFLOW2PROV_STORE_USER", "dba")
    monkeypatch.setenv("MLFLOW2PROV_STORE_PASSWORD", "wrong-pw")
    text += _one_line_error(lambda: push(rich_doc(), uri, "r"), "refused the credentials", "HTTP 401")
    monkeypatch.setenv("MLFLOW2PROV_STORE_PASSWORD", "dba")
    assert push(rich_doc(), uri, "r").added
    monkeypatch.delenv("MLFLOW2PROV_STORE_USER")
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login dba password dba\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    assert load(uri, "r")[0] == rich_doc()
    assert "wrong-pw" not in text


def test_virtuoso_foreign_data_and_wrong_endpoints(request: pytest.FixtureRequest) -> None:
    server = virtuoso(request)
    request.addfinalizer(server.drop_test_graphs)
    backend = open_store(server.store_uri())
    assert backend.is_empty()  # Virtuoso's own graphs are not data
    backend.update('INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> <http://example.org/b> "c" } }')
    _one_line_error(lambda: push(rich_doc(), backend, "r"), "not a provenance store made by push")
    _one_line_error(
        lambda: push(rich_doc(), f"sparql+{server.url}/", "r"), "no SPARQL endpoint", "HTTP 404", "?server="
    )
    _one_line_error(lambda: open_store(f"sparql+{server.url}/?server=nope"), "unknown server=nope")


def test_unreachable_and_foreign_servers(tmp_path: Path) -> None:
    _one_line_error(
        lambda: push(rich_doc(), f"sparql+http://127.0.0.1:{free_port()}/", "r"),
        "is unreachable",
        "start the SPARQL server",
    )

    (tmp_path / "srv").mkdir()
    server = OxigraphServer(tmp_path / "srv")
    try:
        backend = open_store("sparql+" + server.url + "/")
        backend.update(
            'INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> <http://example.org/b> "c" } }'
        )
        _one_line_error(lambda: push(rich_doc(), backend, "r"), "not a provenance store made by push")
        _one_line_error(
            lambda: push(rich_doc(), "sparql+" + server.url + "/?query=nope&update=nope", "r"),
            "no SPARQL endpoint",
            "HTTP 404",
        )
    finally:
        server.stop()

    class NotSparql(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = b"<html>hello</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotSparql)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    try:
        _one_line_error(
            lambda: push(rich_doc(), f"sparql+http://127.0.0.1:{web.server_address[1]}/", "r"), "not SPARQL results"
        )
    finally:
        web.shutdown()
        web.server_close()


def test_missing_virtuoso_fails_under_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    from storecases import unavailable

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the store tests on Virtuoso"):
        unavailable("Virtuoso is not installed")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="Virtuoso is not installed"):
        unavailable("Virtuoso is not installed")
