"""A store on any SPARQL 1.1 server: ``sparql+http(s)://host[:port]/path[?query=…&update=…&gsp=…]``.

Writes use the Graph Store HTTP Protocol (one ``PUT`` of N-Triples per new graph), reads the SPARQL
Query protocol (``SELECT ?g ?s ?p ?o`` over a batch of graphs, ``text/tab-separated-values``), the
catalogue switch one SPARQL Update request. Endpoints default to Oxigraph's layout under the path
(``/query``, ``/update``, ``/store``); other servers name theirs in the URL's query, relative to the path
or absolute, e.g. Fuseki ``sparql+http://host:3030/ds?query=query&update=update&gsp=data``.

Credentials (HTTP Basic) come from ``MLFLOW2PROV_STORE_USER`` / ``MLFLOW2PROV_STORE_PASSWORD``, else from
the netrc file (``$NETRC`` or ``~/.netrc``) entry of the host, else from the URL's userinfo. They are
never part of the store's label, a message or an error.
"""

from __future__ import annotations

import netrc
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterable
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

import pyoxigraph as ox

from .backends import StoreError, Triple

USER_ENV, PASSWORD_ENV = "MLFLOW2PROV_STORE_USER", "MLFLOW2PROV_STORE_PASSWORD"
_BATCH = 200  # graphs per read query
_TIMEOUT = 120


def _credentials(host: str, userinfo: tuple[str | None, str | None]) -> tuple[str, str] | None:
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    if user:
        return user, password or ""
    path = os.environ.get("NETRC") or os.path.expanduser("~/.netrc")
    if os.path.isfile(path):
        try:
            entry = netrc.netrc(path).authenticators(host)
        except (netrc.NetrcParseError, OSError):
            raise StoreError(
                f"the netrc file {path} cannot be read: fix its syntax or set {USER_ENV}/{PASSWORD_ENV}"
            ) from None
        if entry:
            return entry[0], entry[2] or ""
    if userinfo[0]:
        return userinfo[0], userinfo[1] or ""
    return None


class SparqlHttpStore:
    """A SPARQL 1.1 server reached over HTTP(S)."""

    def __init__(self, uri: str):
        import requests

        parts = urlsplit(uri[len("sparql+") :])
        if not parts.hostname:
            raise StoreError("a SPARQL store URL needs a host: sparql+http://host:port/path")
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        base = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
        self.label = "sparql+" + base
        options = dict(parse_qsl(parts.query))

        def endpoint(name: str, default: str) -> str:
            value = options.get(name, default)
            if "://" in value:
                return value
            if value.startswith("/"):
                return urlunsplit((parts.scheme, netloc, value, "", ""))
            return f"{base}/{value}"

        self.query_url = endpoint("query", "query")
        self.update_url = endpoint("update", "update")
        self.gsp_url = endpoint("gsp", "store")
        self.session = requests.Session()
        creds = _credentials(parts.hostname, (parts.username, parts.password))
        if creds:
            self.session.auth = creds
        self._requests = requests

    # -- HTTP -----------------------------------------------------------------------------------------
    def _call(self, method: str, url: str, what: str, **kw: Any) -> Any:
        try:
            resp = self.session.request(method, url, timeout=_TIMEOUT, **kw)
        except self._requests.ConnectionError:
            raise StoreError(
                f"store {self.label} is unreachable: start the SPARQL server or check the host and port"
            ) from None
        except self._requests.Timeout:
            raise StoreError(
                f"store {self.label} did not answer {what} within {_TIMEOUT} s: check the server"
            ) from None
        except self._requests.RequestException as exc:
            raise StoreError(f"store {self.label}: {what} failed ({type(exc).__name__})") from None
        if resp.status_code in (401, 403):
            raise StoreError(
                f"store {self.label} refused the credentials for {what} (HTTP {resp.status_code}): "
                f"set {USER_ENV} and {PASSWORD_ENV}, or a netrc entry for the host"
            )
        if resp.status_code == 404:
            raise StoreError(
                f"store {self.label} has no SPARQL endpoint for {what} at {urlsplit(url).path} (HTTP 404): name the "
                "endpoints with ?query=…&update=…&gsp=…"
            )
        if resp.status_code == 400 and what == "the query":
            first = (resp.text or "").strip().splitlines()[:1]
            raise ValueError(first[0][:200] if first else "rejected by the server")
        if resp.status_code >= 300:
            raise StoreError(f"store {self.label} failed {what} (HTTP {resp.status_code}): check the server's log")
        return resp

    def _select_tsv(self, sparql: str) -> ox.QuerySolutions:
        resp = self._call(
            "POST", self.query_url, "the query", data={"query": sparql}, headers={"Accept": "text/tab-separated-values"}
        )
        ctype = resp.headers.get("Content-Type", "")
        if "tab-separated" not in ctype:
            raise StoreError(
                f"store {self.label} answered a query with {ctype or 'no content type'}, not SPARQL results: is "
                f"{self.query_url} a SPARQL endpoint?"
            )
        return ox.parse_query_results(resp.content, ox.QueryResultsFormat.TSV)

    # -- the backend operations -----------------------------------------------------------------------
    def named_graphs(self) -> set[str]:
        return {
            sol["g"].value
            for sol in self._select_tsv("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
            if isinstance(sol["g"], ox.NamedNode)
        }

    def is_empty(self) -> bool:
        resp = self._call(
            "POST",
            self.query_url,
            "the query",
            data={"query": "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"},
            headers={"Accept": "application/sparql-results+json"},
        )
        try:
            return not bool(resp.json().get("boolean"))
        except ValueError:
            raise StoreError(
                f"store {self.label} did not answer an ASK query with SPARQL results: is {self.query_url} a SPARQL "
                "endpoint?"
            ) from None

    def triples(self, graph: str) -> list[Triple]:
        return self.triples_of([graph])

    def subject_triples(self, graph: str, subject: str) -> list[Triple]:
        s = ox.NamedNode(subject)
        return [
            (s, sol["p"], sol["o"])
            for sol in self._select_tsv(f"SELECT ?p ?o WHERE {{ GRAPH <{graph}> {{ <{subject}> ?p ?o }} }}")
        ]

    def triples_of(self, graphs: Iterable[str]) -> list[Triple]:
        """Triples of several graphs; blank nodes kept apart per graph (labels are scoped per response)."""
        graphs = list(graphs)
        out: list[Triple] = []
        for i in range(0, len(graphs), _BATCH):
            values = " ".join(f"<{g}>" for g in graphs[i : i + _BATCH])
            fresh: dict[tuple[str, str], ox.BlankNode] = {}

            def own(term: Any, g: str) -> Any:
                if isinstance(term, ox.BlankNode):
                    key = (g, term.value)
                    node = fresh.get(key)  # noqa: B023 - called within this iteration
                    if node is None:
                        node = fresh[key] = ox.BlankNode()  # noqa: B023 - called within this iteration
                    return node
                return term

            for sol in self._select_tsv(
                f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
            ):
                g = sol["g"].value
                out.append((own(sol["s"], g), sol["p"], own(sol["o"], g)))
        return out

    def load_quads(self, nquads: bytes) -> None:
        by_graph: dict[str, list[str]] = {}
        for line in nquads.decode("utf-8", "surrogatepass").splitlines():
            if not line:
                continue
            body, _, gpart = line[:-2].rpartition(" <")
            by_graph.setdefault(gpart[:-1], []).append(body + " .")

        def put(item: tuple[str, list[str]]) -> None:
            g, lines = item
            self._call(
                "PUT",
                f"{self.gsp_url}?graph={quote(g, safe='')}",
                "a graph write",
                data=("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"),
                headers={"Content-Type": "application/n-triples"},
            )

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(put, by_graph.items()))

    def update(self, sparql: str) -> None:
        self._call(
            "POST",
            self.update_url,
            "an update",
            data=sparql.encode("utf-8", "surrogatepass"),
            headers={"Content-Type": "application/sparql-update; charset=utf-8"},
        )

    def query(self, sparql: str) -> Any:
        resp = self._call(
            "POST",
            self.query_url,
            "the query",
            data={"query": sparql},
            headers={
                "Accept": "text/tab-separated-values, application/n-triples;q=0.9, "
                "application/sparql-results+json;q=0.8"
            },
        )
        ctype = resp.headers.get("Content-Type", "")
        if "tab-separated" in ctype:
            return ox.parse_query_results(resp.content, ox.QueryResultsFormat.TSV)
        if "n-triples" in ctype:
            return ox.parse(resp.content, ox.RdfFormat.N_TRIPLES)
        if "sparql-results+json" in ctype:
            return ox.parse_query_results(resp.content, ox.QueryResultsFormat.JSON)
        raise StoreError(f"store {self.label} answered with {ctype or 'no content type'}, not SPARQL results")

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        graphs = list(graphs)
        for i in range(0, len(graphs), 500):
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs[i : i + 500]))

    def flush(self) -> None:
        pass
