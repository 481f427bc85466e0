"""A store on any SPARQL 1.1 server: ``sparql+http(s)://host[:port]/path[?server=…&query=…&update=…&gsp=…]``.

Writes use the Graph Store HTTP Protocol (one ``PUT`` of N-Triples per new graph), reads the SPARQL
Query protocol (``SELECT ?g ?s ?p ?o`` over a batch of graphs, ``text/tab-separated-values``), the
catalogue switch one SPARQL Update request. Endpoints default to Oxigraph's layout under the path
(``/query``, ``/update``, ``/store``); ``server=`` names another server's layout (:data:`LAYOUTS`), and
``query=``/``update=``/``gsp=`` name single endpoints, relative to the path or absolute, e.g. Fuseki
``sparql+http://host:3030/ds?server=fuseki`` = ``…/ds?query=query&update=update&gsp=data``.

Virtuoso (``server=virtuoso``) speaks its own dialect of the same protocols, handled here: results are read
as JSON (its TSV is not SPARQL 1.1 TSV, its XML loses carriage returns), its ``nodeID://`` blank nodes made standard,
doubles read in full (its writers print 6 digits) and every value given the datatype and text the embedded
store gives it; graphs are listed with ``GROUP BY`` (``GRAPH ?g {}`` matches nothing there), its own graphs
left out; a query's trailing ``VALUES`` goes into its ``WHERE``; long updates are cut into operations its
SPARQL compiler accepts (still one request). docs/store.md lists what stays different.

Credentials (HTTP Basic or Digest, as the server's challenge asks: Virtuoso's ``/sparql-auth`` wants Digest)
come from ``MLFLOW2PROV_STORE_USER`` / ``MLFLOW2PROV_STORE_PASSWORD``, else from the netrc file (``$NETRC`` or
``~/.netrc``) entry of the host, else from the URL's userinfo. They are never part of the store's label, a
message or an error.
"""

from __future__ import annotations

import json
import netrc
import os
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterable
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

import pyoxigraph as ox

from ..core.namespaces import XSD
from .backends import StoreError, Triple

USER_ENV, PASSWORD_ENV = "MLFLOW2PROV_STORE_USER", "MLFLOW2PROV_STORE_PASSWORD"
_BATCH = 200  # graphs per read query
_TIMEOUT = 120

# Endpoint layouts (relative to the URL's path, or absolute from the host when starting with "/")
LAYOUTS: dict[str, dict[str, str]] = {
    "oxigraph": {"query": "query", "update": "update", "gsp": "store"},
    "fuseki": {"query": "query", "update": "update", "gsp": "data"},  # …/<dataset>
    "graphdb": {"query": "", "update": "statements", "gsp": "rdf-graphs/service"},  # …/repositories/<id>
    "virtuoso": {"query": "/sparql", "update": "/sparql", "gsp": "/sparql-graph-crud"},
}
# Graphs a fresh Virtuoso holds (besides its endpoint's service description): not data of anyone's
_VIRTUOSO_OWN = ("http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#")
_SD_SERVICE = "http://www.w3.org/ns/sparql-service-description#Service"
_NOT_VIRTUOSOS = (  # a filter on ?g: not one of Virtuoso's own graphs
    f"FILTER (?g NOT IN ({', '.join(f'<{g}>' for g in _VIRTUOSO_OWN)})) "
    f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?g a <{_SD_SERVICE}> }} }}"
)
_DOUBLE_TEXT = "m2p_double_text"  # Virtuoso: the full text of ?o when it is an xsd:double


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
        options = dict(parse_qsl(parts.query, keep_blank_values=True))
        server = options.get("server", "oxigraph").lower()
        if server not in LAYOUTS:
            raise StoreError(
                f"store {self.label}: unknown server={server}: give one of {', '.join(LAYOUTS)}, or name the "
                "endpoints with ?query=…&update=…&gsp=…"
            )
        self.virtuoso = server == "virtuoso"

        def endpoint(name: str) -> str:
            value = options.get(name, LAYOUTS[server][name])
            if "://" in value:
                return value
            if value.startswith("/"):
                return urlunsplit((parts.scheme, netloc, value, "", ""))
            return f"{base}/{value}" if value else base

        self.query_url = endpoint("query")
        self.update_url = endpoint("update")
        self.gsp_url = endpoint("gsp")
        self.session = requests.Session()
        creds = _credentials(parts.hostname, (parts.username, parts.password))
        if creds:
            self.session.auth = _ChallengedAuth(*creds)
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
                f"server's layout with ?server={'|'.join(LAYOUTS)} or the endpoints with ?query=…&update=…&gsp=…"
            )
        if resp.status_code == 400 and what == "the query":
            first = (resp.text or "").strip().splitlines()[:1]
            raise ValueError(first[0][:200] if first else "rejected by the server")
        if resp.status_code >= 300:
            if self.virtuoso and "SPARQL_UPDATE" in (resp.text or "") and what != "the query":
                raise StoreError(
                    f"store {self.label} does not let this user write (HTTP {resp.status_code}): grant it "
                    "SPARQL_UPDATE in Virtuoso, or use its /sparql-auth endpoints with credentials"
                )
            first = (resp.text or "").strip().splitlines()[:1] if what == "the query" else []
            said = f": {first[0][:200]}" if first and resp.status_code >= 500 else ""  # e.g. Virtuoso's error line
            raise StoreError(
                f"store {self.label} failed {what} (HTTP {resp.status_code}{said}): check the server's log"
            )
        return resp

    def _post_query(self, sparql: str, accept: str) -> Any:
        return self._call("POST", self.query_url, "the query", data={"query": sparql}, headers={"Accept": accept})

    def _select(self, sparql: str) -> Any:
        """The solutions of a SELECT: pyoxigraph ``QuerySolutions``, or on Virtuoso dicts of canonical terms."""
        if self.virtuoso:  # JSON: Virtuoso's TSV is not SPARQL 1.1 TSV, its XML loses "\r" and control characters
            resp = self._post_query(sparql, "application/sparql-results+json")
            return ox.parse_query_results(_virtuoso_json(resp.content, self.label), ox.QueryResultsFormat.JSON)
        resp = self._post_query(sparql, "text/tab-separated-values")
        ctype = resp.headers.get("Content-Type", "")
        if "tab-separated" not in ctype:
            raise StoreError(
                f"store {self.label} answered a query with {ctype or 'no content type'}, not SPARQL results: is "
                f"{self.query_url} a SPARQL endpoint?"
            )
        return ox.parse_query_results(resp.content, ox.QueryResultsFormat.TSV)

    def _triples_select(self, variables: str, where: str) -> str:
        """``SELECT variables ?o WHERE {where}``; on Virtuoso with ?o's full text when it is a number."""
        if not self.virtuoso:
            return f"SELECT {variables} ?o WHERE {{ {where} }}"
        full = f'(IF(isNumeric(?o), bif:sprintf("%.17g", bif:either(isNumeric(?o), ?o, 0e0)), "") AS ?{_DOUBLE_TEXT})'
        return f"SELECT {variables} ?o {full} WHERE {{ {where} }}"

    # -- the backend operations -----------------------------------------------------------------------
    def named_graphs(self) -> set[str]:
        """The graphs present; on Virtuoso without its own (schemas, the endpoint's service description)."""
        query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"  # Oxigraph lists its graphs without a scan
        if self.virtuoso:  # GRAPH ?g {} matches no graph there, and DISTINCT ?g over every quad runs for minutes
            graphs = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
            query = f"SELECT ?g WHERE {{ {{ {graphs} }} {_NOT_VIRTUOSOS} }}"
        return {sol["g"].value for sol in self._select(query) if isinstance(sol["g"], ox.NamedNode)}

    def is_empty(self) -> bool:
        if self.virtuoso:  # its own graphs are not data
            sols = self._select(f"SELECT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {_NOT_VIRTUOSOS} }} LIMIT 1")
            return next(iter(sols), None) is None
        resp = self._post_query(
            "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }", "application/sparql-results+json"
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
            for sol in self._select(self._triples_select("?p", f"GRAPH <{graph}> {{ <{subject}> ?p ?o }}"))
        ]

    def triples_of(self, graphs: Iterable[str]) -> list[Triple]:
        """Triples of several graphs; blank nodes kept apart per graph (labels are scoped per response)."""
        graphs = list(graphs)
        out: list[Triple] = []
        for i in range(0, len(graphs), _BATCH):
            fresh: dict[tuple[str, str], ox.BlankNode] = {}

            def own(term: Any, g: str) -> Any:
                if isinstance(term, ox.BlankNode):
                    key = (g, term.value)
                    node = fresh.get(key)  # noqa: B023 - called within this iteration
                    if node is None:
                        node = fresh[key] = ox.BlankNode()  # noqa: B023 - called within this iteration
                    return node
                return term

            for sol in self._graph_rows(graphs[i : i + _BATCH]):
                g = sol["g"].value
                out.append((own(sol["s"], g), sol["p"], own(sol["o"], g)))
        return out

    def _graph_rows(self, graphs: list[str]) -> list[Any]:
        """The ``?g ?s ?p ?o`` rows of ``graphs``. Virtuoso cuts every answer at its ``ResultSetMaxRows``
        (10,000 as shipped) without saying so: there the rows are counted, and a cut batch read in halves."""
        values = " ".join(f"<{g}>" for g in graphs)
        where = f"VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }}"
        rows = list(self._select(self._triples_select("?g ?s ?p", where)))
        if not self.virtuoso:
            return rows
        (count,) = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
        expected = int(count["n"].value)
        if len(rows) >= expected:
            return rows
        if len(graphs) == 1:
            raise StoreError(
                f"store {self.label} answered {len(rows)} of the {expected} triples of a graph (Virtuoso's "
                "[SPARQL] ResultSetMaxRows): raise that limit in its virtuoso.ini"
            )
        half = len(graphs) // 2
        return self._graph_rows(graphs[:half]) + self._graph_rows(graphs[half:])

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
        if self.virtuoso:
            sparql = _virtuoso_update(sparql)
        self._call(
            "POST",
            self.update_url,
            "an update",
            data=sparql.encode("utf-8", "surrogatepass"),
            headers={"Content-Type": "application/sparql-update; charset=utf-8"},
        )

    def query(self, sparql: str) -> Any:
        if self.virtuoso:  # it writes any query's answer in the first format asked for: ask for the right one
            sparql = _virtuoso_query(sparql)
            graph = _query_form(sparql) in ("CONSTRUCT", "DESCRIBE")
            accept = "application/n-triples" if graph else "application/sparql-results+json"
        else:
            accept = "text/tab-separated-values, application/n-triples;q=0.9, application/sparql-results+json;q=0.8"
        resp = self._post_query(sparql, accept)
        ctype = resp.headers.get("Content-Type", "")
        if "tab-separated" in ctype:
            return ox.parse_query_results(resp.content, ox.QueryResultsFormat.TSV)
        if "n-triples" in ctype:
            return ox.parse(resp.content, ox.RdfFormat.N_TRIPLES)
        if "sparql-results+json" in ctype:
            data = _virtuoso_json(resp.content, self.label) if self.virtuoso else resp.content
            return ox.parse_query_results(data, ox.QueryResultsFormat.JSON)
        raise StoreError(f"store {self.label} answered with {ctype or 'no content type'}, not SPARQL results")

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        graphs = list(graphs)
        for i in range(0, len(graphs), 500):
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs[i : i + 500]))

    def flush(self) -> None:
        pass


class _ChallengedAuth:
    """Credentials sent the way the server's challenge asks: HTTP Basic, or Digest (Virtuoso's ``-auth``
    endpoints, which refuse Basic without saying so). The first request goes without; once a server has
    challenged, every later request carries the answer at once."""

    def __init__(self, user: str, password: str):
        from requests.auth import HTTPBasicAuth, HTTPDigestAuth

        self.basic, self.digest = HTTPBasicAuth(user, password), HTTPDigestAuth(user, password)
        self.scheme: str | None = None

    def __call__(self, request: Any) -> Any:
        if self.scheme == "digest":
            return self.digest(request)
        if self.scheme == "basic":
            return self.basic(request)
        request.register_hook("response", self._on_challenge)
        return request

    def _on_challenge(self, resp: Any, **kw: Any) -> Any:
        challenge = resp.headers.get("WWW-Authenticate", "").lower()
        if resp.status_code != 401 or "Authorization" in resp.request.headers:
            return resp
        if "digest" in challenge:
            self.scheme = "digest"
            self.digest(resp.request.copy())  # the handler's per-thread state, then its answer to this challenge
            return self.digest.handle_401(resp, **kw)
        if "basic" in challenge:
            self.scheme = "basic"
            resp.content  # noqa: B018 - read the body so the connection can be reused
            resp.close()
            retry = self.basic(resp.request.copy())
            answer = resp.connection.send(retry, **kw)
            answer.history.append(resp)
            return answer
        return resp


_PROLOGUE_AND_FORM = re.compile(
    r"(?:\s+|#[^\n]*|BASE\s*<[^>]*>|PREFIX\s+[^:\s]*:\s*<[^>]*>)*(SELECT|CONSTRUCT|DESCRIBE|ASK)\b", re.I
)
_TRAILING_VALUES = re.compile(r"\s*(VALUES \((?:\?\w+ ?)+\) \{ \(.*\) \})\s*$", re.S)


def _query_form(sparql: str) -> str | None:
    """SELECT, CONSTRUCT, DESCRIBE or ASK: the keyword after the query's prologue."""
    found = _PROLOGUE_AND_FORM.match(sparql)
    return found.group(1).upper() if found else None


def _virtuoso_query(sparql: str) -> str:
    """A query's parameters (a trailing ``VALUES`` block) moved into its ``WHERE``: Virtuoso joins a trailing
    block after projecting, so a parameter that is not a result column is unknown to it ("No column …")."""
    found = _TRAILING_VALUES.search(sparql)
    if not found:
        return sparql
    body = sparql[: found.start()]
    end = body.rfind("}")  # the WHERE group's end: solution modifiers hold no braces
    if end < 0:
        return sparql
    return f"{body[:end]} {found.group(1)}\n{body[end:]}"


_OPERATIONS = " ;\n"  # how the store joins the operations of one update (no literal or IRI holds a raw newline)
_DROP = re.compile(r"DROP SILENT GRAPH <([^<>\s]*)>")
_LONG_VALUES = re.compile(r"^(.*? VALUES \?\w+ \{ )((?:<[^<>\s]*> )+)(\}.*)$", re.S)
_VIRTUOSO_MAX = 1000  # triples per INSERT DATA, graphs per DELETE, values per VALUES: below Virtuoso's limits
_VIRTUOSO_DROPS = 500  # DROP GRAPHs one request may hold (3,000 are "too large"); more become DELETEs


def _virtuoso_update(sparql: str) -> str:
    """The same update in operations Virtuoso's SPARQL compiler accepts, still one request.

    Its compiler runs out of memory on an ``INSERT DATA`` of ~5,000 triples, refuses a ``VALUES`` of ~8,000
    terms and a request of ~3,000 ``DROP GRAPH`` operations ("query too large"): long data blocks are split,
    long ``VALUES`` lists become several operations, and a run of more than 500 drops one ``DELETE`` per 1,000
    graphs.
    """
    out: list[str] = []
    drops: list[str] = []

    def flush_drops() -> None:
        if len(drops) <= _VIRTUOSO_DROPS:  # DROP GRAPH is not cut at ResultSetMaxRows, a DELETE's WHERE is
            out.extend(f"DROP SILENT GRAPH <{g}>" for g in drops)
            drops.clear()
            return
        for i in range(0, len(drops), _VIRTUOSO_MAX):
            values = " ".join(f"<{g}>" for g in drops[i : i + _VIRTUOSO_MAX])
            out.append(
                f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
            )
        drops.clear()

    for op in sparql.split(_OPERATIONS):
        drop = _DROP.fullmatch(op.strip())
        if drop:
            drops.append(drop.group(1))
            continue
        flush_drops()
        out.extend(_split_insert_data(op) if op.lstrip().startswith("INSERT DATA") else _split_values(op))
    flush_drops()
    return _OPERATIONS.join(out)


def _split_values(op: str) -> list[str]:
    found = _LONG_VALUES.match(op)
    if not found:
        return [op]
    head, terms, tail = found.group(1), found.group(2).split(), found.group(3)
    if len(terms) <= _VIRTUOSO_MAX:
        return [op]
    return [head + " ".join(terms[i : i + _VIRTUOSO_MAX]) + " " + tail for i in range(0, len(terms), _VIRTUOSO_MAX)]


def _split_insert_data(op: str) -> list[str]:
    """``INSERT DATA { GRAPH <g> { … } … }`` as several, of at most 1,000 triples each (none with blank nodes)."""
    body = op.strip()[len("INSERT DATA") :].strip()
    try:
        quads = list(ox.parse(body[1:-1].encode("utf-8", "surrogatepass"), ox.RdfFormat.TRIG))
    except (SyntaxError, ValueError):
        return [op]  # not ours to split: let the server say what is wrong
    if len(quads) <= _VIRTUOSO_MAX or any(
        isinstance(t, (ox.BlankNode, ox.DefaultGraph)) for q in quads for t in (q.subject, q.object, q.graph_name)
    ):
        return [op]
    out = []
    for i in range(0, len(quads), _VIRTUOSO_MAX):
        by_graph: dict[str, list[str]] = {}
        for q in quads[i : i + _VIRTUOSO_MAX]:
            by_graph.setdefault(str(q.graph_name), []).append(f"{q.subject} {q.predicate} {q.object} .")
        out.append("INSERT DATA { " + " ".join(f"GRAPH {g} {{ {' '.join(t)} }}" for g, t in by_graph.items()) + " }")
    return out


def _virtuoso_json(data: bytes, label: str) -> bytes:
    """Virtuoso's SPARQL JSON results made standard, with each value in the text Oxigraph gives it."""
    try:
        doc = json.loads(data)
    except ValueError:
        raise StoreError(f"store {label} did not answer with SPARQL JSON results: is it a Virtuoso endpoint?") from None
    head = doc.get("head", {})
    if "boolean" in doc:
        return data
    if head.get("vars") == ["__ASK_RETVAL"]:  # Virtuoso answers some ASK queries with a one-cell table
        rows = doc.get("results", {}).get("bindings", [])
        answer = bool(rows) and rows[0].get("__ASK_RETVAL", {}).get("value") not in (None, "0")
        return json.dumps({"head": {}, "boolean": answer}).encode("utf-8")
    head["vars"] = [v for v in head.get("vars", []) if v != _DOUBLE_TEXT]
    typed: list[dict[str, str]] = []
    for row in doc.get("results", {}).get("bindings", []):
        number = row.pop(_DOUBLE_TEXT, {}).get("value")  # ?o printed with 17 digits (the store's own reads)
        for name, term in row.items():
            kind = term.get("type")
            if kind == "bnode":
                term["value"] = term["value"].removeprefix("nodeID://")
            elif kind in ("typed-literal", "literal"):
                term["type"] = "literal"
                if "datatype" in term and term["datatype"] != XSD + "string":
                    term["datatype"], term["value"] = _virtuoso_value(
                        term["datatype"], term["value"], number if name == "o" else None
                    )
                    typed.append(term)
    canonical = _oxigraph_forms({(t["datatype"], t["value"]) for t in typed})
    for term in typed:
        term["datatype"], term["value"] = canonical[term["datatype"], term["value"]]
    return json.dumps(doc).encode("utf-8")


def _virtuoso_value(dt: str, text: str, number_text: str | None) -> tuple[str, str]:
    """Virtuoso's datatype and text of a value → a datatype and text of the value the store wrote.

    ``number_text`` is the number printed with 17 digits: Virtuoso's result writers print doubles with 6.
    """
    if dt == XSD + "double" and number_text and text not in ("NaN", "INF", "-INF"):
        return dt, number_text
    if dt == XSD + "decimal" and text.lstrip("-").isdigit():
        return XSD + "integer", text  # an xsd:integer beyond 64 bits: Virtuoso keeps it as a decimal
    return dt, text


def _oxigraph_forms(values: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
    """Each typed value's datatype and text as Oxigraph stores it (``1.0E-5`` → ``0.00001``, ``1`` → ``true``,
    ``+00:00`` → ``Z``, ``xsd:int`` → ``xsd:integer``): Virtuoso keeps values, not texts, and a store's
    answers are the embedded store's."""
    order = sorted(values)
    scratch = ox.Store()
    p = ox.NamedNode("urn:v")
    scratch.extend(
        ox.Quad(ox.NamedNode(f"urn:{i}"), p, ox.Literal(t, datatype=ox.NamedNode(dt)))
        for i, (dt, t) in enumerate(order)
    )
    forms: dict[tuple[str, str], tuple[str, str]] = {}
    for q in scratch.quads_for_pattern(None, p, None):
        subject, literal = q.subject, q.object
        assert isinstance(subject, ox.NamedNode) and isinstance(literal, ox.Literal)  # as written just above
        forms[order[int(subject.value[4:])]] = (literal.datatype.value, literal.value)
    return forms
