"""Rich display of ProvDoc and the graph view: mime bundle, escaping of hostile text, no network, collapse,
filter, search, focus, layout, and speed on a 20,000-element document."""

from __future__ import annotations

import html
import json
import os
import re
import time
from datetime import datetime, timedelta, timezone

import pytest

from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName
from mlflow2prov_jupyter.notebook import display, graph
from mlflow2prov_jupyter.notebook.page import network_html, safe_json, vis_js

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
JSLINK = 'see [docs](javascript:alert(1)) and <a href="javascript:alert(2)">here</a>'


def _t(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def small_doc(runs: int = 2, steps: int = 3) -> ProvDoc:
    """Commits, a file with two revisions, an experiment, runs with a param, a tag and a metric series."""
    d = ProvDoc(name="small")
    d.agent("user:git/ann%40x.org", {"prov:type": (QName("m2p:GitUser"), QName("prov:Person")), "prov:label": "Ann", "m2p:email": "ann@x.org"})
    d.agent("user:mlflow/alice", {"prov:type": (QName("m2p:MlflowUser"), QName("prov:Person")), "prov:label": "alice"})
    for i, c in enumerate(("c0", "c1")):
        d.activity(f"git:commit/{c}", _t(i), _t(i), {"prov:type": QName("m2p:Commit"), "prov:label": f"{c} commit {i}", "m2p:sha": c})
        d.add_relation("wasAssociatedWith", f"git:commit/{c}", "user:git/ann%40x.org", role=("CommitAuthor", "Committer"))
    d.add_relation("wasInformedBy", "git:commit/c1", "git:commit/c0")
    d.entity("git:file/c0/a.py", {"prov:type": QName("m2p:File"), "prov:label": "a.py", "m2p:path": "a.py"})
    for i, c in enumerate(("c0", "c1")):
        rev = f"git:revision/{c}/a.py"
        d.entity(rev, {"prov:type": QName("m2p:FileRevision"), "prov:label": f"a.py@{c}", "m2p:path": "a.py"})
        d.add_relation("specializationOf", rev, "git:file/c0/a.py")
        d.add_relation("wasGeneratedBy", rev, f"git:commit/{c}", time=_t(i), role="AddedRevision" if i == 0 else "ModifiedRevision")
    d.add_relation("wasDerivedFrom", "git:revision/c1/a.py", "git:revision/c0/a.py")
    d.entity("mlflow:experiment/1", {"prov:type": (QName("m2p:Experiment"), QName("prov:Collection")), "prov:label": "exp one"})
    for r in range(runs):
        run = f"mlflow:run/r{r}"
        rc = run + "/creation"
        d.entity(run, {"prov:type": (QName("m2p:Run"), QName("prov:Collection")), "prov:label": f"run {r}", "m2p:name": f"run {r}"})
        d.activity(rc, _t(2 + r), _t(3 + r), {"prov:type": QName("m2p:RunCreation"), "prov:label": f"run {r} creation"})
        d.add_relation("wasGeneratedBy", run, rc, time=_t(2 + r), role="AddedRun")
        d.add_relation("hadMember", "mlflow:experiment/1", run)
        d.add_relation("wasAssociatedWith", rc, "user:mlflow/alice", role="RunAuthor")
        d.add_relation("wasAttributedTo", run, "user:mlflow/alice")
        d.add_relation("wasInformedBy", rc, "git:commit/c1")
        d.add_relation("used", rc, "git:revision/c1/a.py")
        members = [(f"{run}/param/lr", "m2p:Param", {"m2p:key": "lr", "m2p:value": "0.1"}), (f"{run}/tag/note", "m2p:RunTag", {"m2p:key": "note", "m2p:value": "x"})]
        for s in range(steps):
            members.append((f"{run}/metric/loss/{s}", "m2p:Metric", {"m2p:key": "loss", "m2p:step": s, "m2p:value": 1.0 / (s + 1), "m2p:timestamp": _t(2 + r) + timedelta(minutes=s)}))
        for mid, mtype, attrs in members:
            d.entity(mid, {"prov:type": QName(mtype), "prov:label": mid.rsplit("/", 2)[-2], **attrs})
            d.add_relation("hadMember", run, mid)
            d.add_relation("wasGeneratedBy", mid, rc, role="Added" + mtype.split(":")[1])
    return d


def hostile_doc() -> ProvDoc:
    """Untrusted text from runs, tags and commits in labels, attributes and ids' neighbours."""
    d = small_doc(runs=1, steps=1)
    d["mlflow:run/r0"].attrs["prov:label"] = IMG
    d["mlflow:run/r0"].attrs["m2p:name"] = IMG
    d["mlflow:run/r0/tag/note"].attrs["m2p:value"] = SCRIPT
    d["mlflow:run/r0/tag/note"].attrs["prov:label"] = SCRIPT
    d["git:commit/c1"].attrs["m2p:message"] = JSLINK
    d["git:commit/c1"].attrs["prov:label"] = "c1 " + JSLINK
    d.entity("mlflow:run/r0/tag/" + "%3Cimg%3E", {"prov:type": QName("m2p:RunTag"), "m2p:key": IMG, "m2p:value": IMG})
    d.add_relation("hadMember", "mlflow:run/r0", "mlflow:run/r0/tag/%3Cimg%3E")
    return d


def big_doc(runs: int = 40, keys: int = 4, steps: int = 100, commits: int = 400, files: int = 50) -> ProvDoc:
    """About 18,000 elements and 36,000 relations shaped like an extraction (runs with metric series)."""
    d = ProvDoc(name="big")
    d.agent("user:git/ann%40x.org", {"prov:type": (QName("m2p:GitUser"), QName("prov:Person")), "prov:label": "Ann"})
    d.agent("user:mlflow/ann", {"prov:type": (QName("m2p:MlflowUser"), QName("prov:Person")), "prov:label": "ann"})
    for f in range(files):
        d.entity(f"git:file/c0/f{f}.py", {"prov:type": QName("m2p:File"), "prov:label": f"f{f}.py"})
    for c in range(commits):
        t = _t(c)
        d.activity(f"git:commit/c{c}", t, t, {"prov:type": QName("m2p:Commit"), "prov:label": f"c{c} change"})
        d.add_relation("wasAssociatedWith", f"git:commit/c{c}", "user:git/ann%40x.org", role=("CommitAuthor", "Committer"))
        if c:
            d.add_relation("wasInformedBy", f"git:commit/c{c}", f"git:commit/c{c - 1}")
        for k in range(4):
            f = (c * 4 + k) % files
            rev = f"git:revision/c{c}/f{f}.py"
            d.entity(rev, {"prov:type": QName("m2p:FileRevision"), "prov:label": f"f{f}.py@c{c}"})
            d.add_relation("specializationOf", rev, f"git:file/c0/f{f}.py")
            d.add_relation("wasGeneratedBy", rev, f"git:commit/c{c}", time=t, role="ModifiedRevision")
    for r in range(runs):
        run, t = f"mlflow:run/r{r}", _t(commits + r)
        d.entity(run, {"prov:type": (QName("m2p:Run"), QName("prov:Collection")), "prov:label": f"run {r}"})
        d.activity(run + "/creation", t, t + timedelta(minutes=30), {"prov:type": QName("m2p:RunCreation"), "prov:label": f"run {r}"})
        d.add_relation("wasGeneratedBy", run, run + "/creation", time=t, role="AddedRun")
        d.add_relation("wasAssociatedWith", run + "/creation", "user:mlflow/ann", role="RunAuthor")
        d.add_relation("wasInformedBy", run + "/creation", f"git:commit/c{commits - 1}")
        for k in range(keys):
            for s in range(steps):
                m, ts = f"{run}/metric/k{k}/{s}", t + timedelta(seconds=s)
                d.entity(m, {"prov:type": QName("m2p:Metric"), "prov:label": f"k{k}[{s}]", "m2p:key": f"k{k}", "m2p:step": s, "m2p:value": 1.0 / (s + 1), "m2p:timestamp": ts})
                d.add_relation("hadMember", run, m)
                d.add_relation("wasGeneratedBy", m, run + "/creation", time=ts, role="AddedMetric")
    return d


def srcdoc_of(fragment: str) -> str:
    m = re.search(r'<iframe[^>]*\ssrcdoc="([^"]*)"', fragment)
    assert m, "no iframe with srcdoc"
    return html.unescape(m.group(1))


# ------------------------------------------------------------------------------------------- bundle
def test_mimebundle_has_prov_json_html_and_text():
    doc = small_doc()
    b = display.mimebundle(doc)
    assert set(b) == {"application/vnd.prov+json", "text/html", "text/plain"}
    assert b["application/vnd.prov+json"] == json.loads(doc.to_json())
    assert ProvDoc.from_json(b["application/vnd.prov+json"]) == doc
    assert b["text/plain"].splitlines()[0] == repr(doc)
    assert "  m2p:Run: 2" in b["text/plain"].splitlines()
    page = srcdoc_of(b["text/html"])
    data = json.loads(re.search(r'<script type="application/json" id="m2p-data">(.*?)</script>', page, re.S).group(1))
    assert {n["id"] for n in data["nodes"]} == set(doc.elements)
    assert len(data["edges"]) == len({(r.source, r.target, r.kind) for r in doc.relations})


def test_repr_mimebundle_protocol_and_include_exclude():
    doc = small_doc()
    b = doc._repr_mimebundle_(include=None, exclude=None)
    assert set(b) == {"application/vnd.prov+json", "text/html", "text/plain"}
    only = doc._repr_mimebundle_(include={"text/plain"})
    assert set(only) == {"text/plain"}
    without = display.mimebundle(doc, exclude={"text/html"})
    assert set(without) == {"application/vnd.prov+json", "text/plain"}


def test_summary_counts_per_kind_and_type():
    doc = small_doc()
    text = display.summary_html(doc)
    counts = doc.counts()
    for kind in ("entity", "activity", "agent"):
        assert f">{kind.capitalize()}</td><td style=\"text-align:right\">{counts[kind]}<" in text
    assert f">Relations</td><td style=\"text-align:right\">{len(doc.relations)}<" in text
    for t, n in graph.type_counts(doc).items():
        assert f"<code>{html.escape(t)}</code><span>{n}</span>" in text
    assert graph.type_counts(doc)["m2p:Metric"] == 6


def test_empty_document_displays_without_graph():
    b = display.mimebundle(ProvDoc())
    assert "<iframe" not in b["text/html"]
    assert "0 elements" in b["text/html"]


# ------------------------------------------------------------------------------------------ hostile
def test_hostile_labels_and_tooltips_are_escaped():
    doc = hostile_doc()
    fragment = display.mimebundle(doc)["text/html"]
    page = srcdoc_of(fragment)
    for text in (fragment, page):
        low = text.lower()
        assert "<img" not in low
        assert "<script>alert" not in low
        assert 'href="javascript:' not in low
        assert "<a " not in low
    # exactly the page's own three scripts: vis-network, the JSON data block, the drawing code
    assert len(re.findall(r"<script", page.replace(vis_js(), ""))) == 3
    # the hostile strings do reach the graph as data (labels, escaped tooltips), HTML-safe
    data = json.loads(re.search(r'id="m2p-data">(.*?)</script>', page, re.S).group(1))
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    assert labels["mlflow:run/r0"] == IMG  # drawn on the canvas as text
    title = next(n["title"] for n in data["nodes"] if n["id"] == "mlflow:run/r0/tag/note")
    assert html.escape(SCRIPT) in title and "<" not in title
    commit = next(n["title"] for n in data["nodes"] if n["id"] == "git:commit/c1")
    assert "javascript:alert(2)" in html.unescape(commit) and "<a" not in commit
    # the summary escapes types and names as well
    assert html.escape(doc.name or "") in display.summary_html(doc)


def test_safe_json_cannot_close_a_script():
    text = safe_json({"x": SCRIPT + IMG + "&\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"x": SCRIPT + IMG + "&\u2028"}


def test_pages_make_no_network_request():
    doc = hostile_doc()
    fragment = display.mimebundle(doc)["text/html"]
    page = srcdoc_of(fragment)
    for text in (fragment, page):
        assert not re.search(r"""<script[^>]*\ssrc\s*=""", text, re.I)
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text, re.I)
        assert "<link" not in text.lower()
        assert "@import" not in text
    assert re.search(r'<iframe[^>]*\ssandbox="allow-scripts"', fragment)
    assert "allow-same-origin" not in fragment
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "vis.Network" in page and len(page) > 400_000  # vis-network inlined


def test_pyvis_network_html_is_the_same_page():
    doc = small_doc()
    net = graph.to_network(doc)
    assert type(net).__module__ == "pyvis.network"
    assert net.directed and net.cdn_resources == "in_line"
    assert {n["id"] for n in net.nodes} == set(doc.elements) and net.node_ids == [n["id"] for n in net.nodes]
    page = network_html(net)
    assert "vis.Network" in page and '"m2p-data"' in page


# -------------------------------------------------------------------------------------------- graph
def test_shapes_and_colours_follow_the_prov_convention():
    p = graph.graph_payload(small_doc())
    nodes = {n["id"]: n for n in p["nodes"]}
    ent, act, ag = nodes["mlflow:run/r0"], nodes["git:commit/c0"], nodes["user:mlflow/alice"]
    assert (ent["shape"], ent["color"]["background"]) == ("ellipse", "#FFFC87")
    assert (act["shape"], act["color"]["background"]) == ("box", "#9FB1FC")
    assert (ag["color"]["background"], ag["m2p_shape"]) == ("#FED37F", "house")
    assert ag["shape"] == "triangle"  # closest built-in vis shape; the pages draw a house
    assert ent["types"] == ["m2p:Run", "prov:Collection"] and ent["kind"] == "entity"
    assert nodes["git:commit/c0"]["color"]["border"] != nodes["mlflow:run/r0/creation"]["color"]["border"]
    edges = {(e["from"], e["to"]): e for e in p["edges"]}
    assert edges[("git:commit/c1", "git:commit/c0")]["label"] == "wasInformedBy"
    e = edges[("git:revision/c1/a.py", "git:commit/c1")]
    assert e["label"] == "wasGeneratedBy" and "title" not in e  # the pages build edge tooltips from the parts
    assert p["options"]["edges"]["arrows"]["to"]["enabled"]
    tip = graph.edge_tooltip(e)
    assert tip.startswith("wasGeneratedBy: git:revision/c1/a.py → git:commit/c1\n")
    assert "role: ModifiedRevision" in tip and "time: 2025-01-01T01:00:00+00:00" in tip
    assert "m2p:sha = c0" in nodes["git:commit/c0"]["title"]


def test_collapse_metric_series_into_one_node_per_run_and_key():
    doc = small_doc(runs=2, steps=3)
    view = graph.build_view(doc, collapse=["metrics"])
    groups = [n for n in view.nodes.values() if n.id.startswith("group:")]
    assert len(groups) == 2
    g = view.nodes["group:metric-series/mlflow:run/r0/loss"]
    assert g.members == [f"mlflow:run/r0/metric/loss/{s}" for s in range(3)]
    assert g.label == "loss ×3" and g.types == ("m2p:MetricSeries",)
    assert not any("/metric/" in k for k in view.nodes if not k.startswith("group:"))
    edges = {(e["from"], e["to"], e["kind"]): e for e in view.edges}
    assert edges[("mlflow:run/r0", "group:metric-series/mlflow:run/r0/loss", "hadMember")]["count"] == 3
    assert edges[("group:metric-series/mlflow:run/r0/loss", "mlflow:run/r0/creation", "wasGeneratedBy")]["count"] == 3
    assert view.rep["mlflow:run/r0/metric/loss/1"] == "group:metric-series/mlflow:run/r0/loss"
    p = graph.graph_payload(doc, collapse=["metrics"])
    label = {(e["from"], e["to"]): e["label"] for e in p["edges"]}
    assert label[("mlflow:run/r0", "group:metric-series/mlflow:run/r0/loss")] == "hadMember ×3"


def test_collapse_run_members_and_file_revisions():
    doc = small_doc(runs=2, steps=3)
    view = graph.build_view(doc, collapse=["members", "revisions"])
    assert sorted(view.nodes["mlflow:run/r0"].members) == sorted(
        ["mlflow:run/r0/param/lr", "mlflow:run/r0/tag/note"] + [f"mlflow:run/r0/metric/loss/{s}" for s in range(3)]
    )
    assert view.nodes["git:file/c0/a.py"].members == ["git:revision/c0/a.py", "git:revision/c1/a.py"]
    assert not any(k.startswith("git:revision/") or "/param/" in k for k in view.nodes)
    kinds = {(e["from"], e["to"], e["kind"]) for e in view.edges}
    assert ("mlflow:run/r0/creation", "git:file/c0/a.py", "used") in kinds  # rerouted to the file
    assert ("git:file/c0/a.py", "git:commit/c1", "wasGeneratedBy") in kinds
    assert all(e["from"] != e["to"] for e in view.edges)  # member → own run relations vanish
    assert len(view.nodes) == len(doc.elements) - 2 * 5 - 2


def test_auto_collapse_by_size():
    assert graph.auto_collapse(small_doc()) == frozenset()
    assert graph.auto_collapse(small_doc(runs=3, steps=150)) == frozenset({"metrics", "revisions"})
    big = big_doc(runs=4, commits=40)
    assert len(big.elements) > graph.AUTO_COLLAPSE_LIMIT
    assert graph.GraphOptions.make(big).collapse == frozenset({"metrics", "revisions"})


def test_type_filter_keeps_only_chosen_types():
    doc = small_doc()
    view = graph.build_view(doc, types=["m2p:Run", "m2p:RunCreation"])
    assert set(view.nodes) == {"mlflow:run/r0", "mlflow:run/r1", "mlflow:run/r0/creation", "mlflow:run/r1/creation"}
    assert {(e["from"], e["to"]) for e in view.edges} == {("mlflow:run/r0", "mlflow:run/r0/creation"), ("mlflow:run/r1", "mlflow:run/r1/creation")}
    assert graph.build_view(doc, types=[]).nodes == {}


def test_search_highlights_matching_nodes():
    doc = small_doc()
    p = graph.graph_payload(doc, search="ALICE")
    assert p["highlight"] == ["user:mlflow/alice"]
    node = next(n for n in p["nodes"] if n["id"] == "user:mlflow/alice")
    assert node["borderWidth"] == 4
    by_value = graph.build_view(doc, search="0.1").matches
    assert set(by_value) == {"mlflow:run/r0/param/lr", "mlflow:run/r1/param/lr"}
    grouped = graph.build_view(doc, collapse=["members"], search="loss").matches
    assert set(grouped) == {"mlflow:run/r0", "mlflow:run/r1"}  # found inside the collapsed members
    assert graph.build_view(doc, search="   ").matches == []


def test_focus_upstream_downstream_both_and_depth():
    doc = small_doc()
    up1 = set(graph.build_view(doc, focus="git:revision/c1/a.py", direction="upstream", depth=1).nodes)
    assert up1 == {"git:revision/c1/a.py", "git:file/c0/a.py", "git:commit/c1", "git:revision/c0/a.py"}
    down1 = set(graph.build_view(doc, focus="git:revision/c1/a.py", direction="downstream", depth=1).nodes)
    assert down1 == {"git:revision/c1/a.py", "mlflow:run/r0/creation", "mlflow:run/r1/creation"}
    both = set(graph.build_view(doc, focus="git:revision/c1/a.py", direction="both", depth=1).nodes)
    assert both == up1 | down1
    up2 = set(graph.build_view(doc, focus="git:revision/c1/a.py", direction="upstream", depth=2).nodes)
    assert up2 > up1 and "git:commit/c0" in up2 and "user:git/ann%40x.org" in up2
    assert set(graph.build_view(doc, focus="git:revision/c1/a.py", depth=0).nodes) == {"git:revision/c1/a.py"}
    # a collapsed element is focused through its group
    grouped = graph.build_view(doc, collapse=["metrics"], focus="mlflow:run/r0/metric/loss/2", direction="upstream", depth=1)
    assert "group:metric-series/mlflow:run/r0/loss" in grouped.nodes
    with pytest.raises(ValueError, match="not in the graph"):
        graph.build_view(doc, focus="git:nope")
    with pytest.raises(ValueError, match="direction"):
        graph.GraphOptions.make(doc, direction="sideways")
    with pytest.raises(ValueError, match="collapse"):
        graph.GraphOptions.make(doc, collapse=["everything"])


def test_layout_puts_time_on_x_and_kinds_in_lanes():
    p = graph.graph_payload(small_doc(runs=3), physics=False)
    pos = {n["id"]: (n["x"], n["y"]) for n in p["nodes"]}
    assert pos["git:commit/c0"][0] < pos["git:commit/c1"][0] < pos["mlflow:run/r0/creation"][0] < pos["mlflow:run/r2/creation"][0]
    lane = {n["id"]: n["lane"] for n in p["nodes"]}
    assert lane["user:git/ann%40x.org"] == "agents" and lane["git:commit/c0"] == "commits" and lane["mlflow:run/r0"] == "runs"
    assert pos["user:git/ann%40x.org"][1] < pos["git:commit/c0"][1] < pos["mlflow:run/r0"][1] < pos["mlflow:run/r0/param/lr"][1]
    assert len(set(pos.values())) == len(pos)  # no two nodes on one spot
    assert all(n["physics"] is False for n in p["nodes"])


def test_physics_only_for_small_graphs():
    small = graph.graph_payload(small_doc(runs=1, steps=1))
    assert len(small["nodes"]) <= graph.PHYSICS_DEFAULT_LIMIT and small["options"]["physics"]["enabled"]
    medium = graph.graph_payload(small_doc(runs=8))
    assert not medium["options"]["physics"]["enabled"]
    assert graph.graph_payload(small_doc(runs=8), physics=True)["options"]["physics"]["enabled"]
    big = graph.graph_payload(big_doc(runs=2, commits=120), collapse=False, physics=True)
    assert len(big["nodes"]) > graph.PHYSICS_LIMIT
    assert not big["options"]["physics"]["enabled"] and big["options"]["edges"]["smooth"]["enabled"] is False
    assert big["options"]["layout"]["improvedLayout"] is False


def test_widget_payload_has_plain_tooltips_and_house_agents():
    p = graph.for_widget(graph.graph_payload(hostile_doc()))
    node = next(n for n in p["nodes"] if n["id"] == "mlflow:run/r0/tag/note")
    assert "title" not in node and SCRIPT in node["tooltip"]
    agent = next(n for n in p["nodes"] if n["kind"] == "agent")
    assert agent["shape"] == "house"
    assert all("title" not in e and "tooltip" not in e and e["from"] and e["kind"] for e in p["edges"])


def test_unknown_endpoints_become_grey_nodes():
    doc = small_doc(runs=1, steps=1)
    doc.add_relation("wasDerivedFrom", "git:revision/c0/a.py", "git:elsewhere")
    nodes = {n["id"]: n for n in graph.graph_payload(doc)["nodes"]}
    assert nodes["git:elsewhere"]["kind"] == "unknown" and nodes["git:elsewhere"]["color"]["background"] == graph.UNKNOWN_COLOR


# ------------------------------------------------------------------------------------------- speed
@pytest.fixture(scope="module")
def big() -> ProvDoc:
    return big_doc()


def test_big_document_is_collapsed_by_default_and_fast(big):
    assert 17_000 < len(big.elements) and len(big) > 50_000
    t0 = time.perf_counter()
    p = graph.graph_payload(big)
    elapsed = time.perf_counter() - t0
    assert p["info"]["collapse"] == ["members", "metrics", "revisions"]
    assert p["info"]["nodes"] < 1000
    assert not p["options"]["physics"]["enabled"]
    assert elapsed < 10, f"payload of {len(big.elements)} elements took {elapsed:.1f} s"


def test_static_view_refuses_to_embed_huge_graphs(big):
    text = display.graph_iframe(big, collapse=False)
    assert "<iframe" not in text and "Graph not embedded" in text and "%mlflow2prov show" in text
    small = display.graph_iframe(big)  # collapsed by default: embedded
    assert "<iframe" in small


# ----------------------------------------------------------------------------------------- browser
def _browser():
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("Debian chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    return sync_api


@pytest.mark.browser
def test_hostile_graph_in_a_real_browser_runs_no_script_and_fetches_nothing(tmp_path, big):
    sync_api = _browser()
    # Its own thread: the browser tests' session-wide Playwright keeps an event loop in the main thread.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(_hostile_graph_in_a_real_browser, sync_api, tmp_path, big).result()


def _hostile_graph_in_a_real_browser(sync_api, tmp_path, big):
    doc_page = tmp_path / "doc.html"
    doc_page.write_text("<!DOCTYPE html><html><body>" + display.to_html(hostile_doc()) + "</body></html>", encoding="utf-8")
    big_page = tmp_path / "big.html"
    big_page.write_text("<!DOCTYPE html><html><body>" + display.to_html(big) + "</body></html>", encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            dialogs, requests, errors = [], [], []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(doc_page.as_uri())
            frame = page.frames[-1]
            frame.wait_for_selector("body[data-m2p-drawn]", timeout=30_000)
            assert frame.evaluate("window.m2pNetwork.body.data.nodes.length") == len(hostile_doc().elements)
            frame.wait_for_selector("body[data-m2p-stable]", timeout=30_000)
            # hover the hostile nodes: their tooltips show the text literally, nothing runs
            box = page.query_selector("iframe").bounding_box()
            for nid, text in (("mlflow:run/r0", IMG), ("mlflow:run/r0/tag/note", SCRIPT), ("git:commit/c1", "javascript:alert(2)")):
                xy = frame.evaluate(
                    "(id) => window.m2pNetwork.canvasToDOM(window.m2pNetwork.getPositions([id])[id])", nid
                )
                page.mouse.move(box["x"] + xy["x"], box["y"] + xy["y"])
                frame.wait_for_function("(t) => { const e = document.querySelector('.vis-tooltip'); return e && e.style.visibility === 'visible' && e.textContent.includes(t); }", arg=text, timeout=10_000)
                page.mouse.move(box["x"] + 2, box["y"] + 2)
                page.wait_for_timeout(200)
            assert frame.evaluate("document.querySelectorAll('img').length") == 0
            page.screenshot(path=str(tmp_path / "hostile.png"))
            assert dialogs == [] and errors == []
            assert requests == [doc_page.as_uri()]
            # the 18,000-element document, collapsed by default, draws at once
            requests.clear()
            t0 = time.perf_counter()
            page.goto(big_page.as_uri())
            page.frames[-1].wait_for_selector("body[data-m2p-drawn]", timeout=30_000)
            elapsed = time.perf_counter() - t0
            page.screenshot(path=str(tmp_path / "big.png"))
            assert requests == [big_page.as_uri()] and dialogs == []
            assert elapsed < 10, f"big graph took {elapsed:.1f} s to draw"
        finally:
            browser.close()
