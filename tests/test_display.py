"""Rich display of ProvDoc: the mime bundle (PROV-JSON + view options, offline HTML, text), what a view is
sent (big documents thinned), the offline fallback in a real browser, and ``doc.to_pyvis()``."""

from __future__ import annotations

import base64
import gzip
import html
import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName
from mlflow2prov_jupyter.notebook import display, viewdata
from mlflow2prov_jupyter.notebook.pyvis_view import label_of, style_table

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
JSLINK = 'see [docs](javascript:alert(1)) and <a href="javascript:alert(2)">here</a>'


def _t(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def small_doc(runs: int = 2, steps: int = 3) -> ProvDoc:
    """Commits, a file with two revisions, an experiment, runs with a param, a tag and a metric series."""
    d = ProvDoc(name="small")
    d.agent(
        "user:git/ann%40x.org",
        {"prov:type": (QName("m2p:GitUser"), QName("prov:Person")), "prov:label": "Ann", "m2p:email": "ann@x.org"},
    )
    d.agent("user:mlflow/alice", {"prov:type": (QName("m2p:MlflowUser"), QName("prov:Person")), "prov:label": "alice"})
    for i, c in enumerate(("c0", "c1")):
        d.activity(
            f"git:commit/{c}",
            _t(i),
            _t(i),
            {"prov:type": QName("m2p:Commit"), "prov:label": f"{c} commit {i}", "m2p:sha": c},
        )
        d.add_relation(
            "wasAssociatedWith", f"git:commit/{c}", "user:git/ann%40x.org", role=("CommitAuthor", "Committer")
        )
    d.add_relation("wasInformedBy", "git:commit/c1", "git:commit/c0")
    d.entity("git:file/c0/a.py", {"prov:type": QName("m2p:File"), "prov:label": "a.py", "m2p:path": "a.py"})
    for i, c in enumerate(("c0", "c1")):
        rev = f"git:revision/{c}/a.py"
        d.entity(rev, {"prov:type": QName("m2p:FileRevision"), "prov:label": f"a.py@{c}", "m2p:path": "a.py"})
        d.add_relation("specializationOf", rev, "git:file/c0/a.py")
        d.add_relation(
            "wasGeneratedBy", rev, f"git:commit/{c}", time=_t(i), role="AddedRevision" if i == 0 else "ModifiedRevision"
        )
    d.add_relation("wasDerivedFrom", "git:revision/c1/a.py", "git:revision/c0/a.py")
    d.entity(
        "mlflow:experiment/1",
        {"prov:type": (QName("m2p:Experiment"), QName("prov:Collection")), "prov:label": "exp one"},
    )
    for r in range(runs):
        run = f"mlflow:run/r{r}"
        rc = run + "/creation"
        d.entity(
            run,
            {
                "prov:type": (QName("m2p:Run"), QName("prov:Collection")),
                "prov:label": f"run {r}",
                "m2p:name": f"run {r}",
            },
        )
        d.activity(rc, _t(2 + r), _t(3 + r), {"prov:type": QName("m2p:RunCreation"), "prov:label": f"run {r} creation"})
        d.add_relation("wasGeneratedBy", run, rc, time=_t(2 + r), role="AddedRun")
        d.add_relation("hadMember", "mlflow:experiment/1", run)
        d.add_relation("wasAssociatedWith", rc, "user:mlflow/alice", role="RunAuthor")
        d.add_relation("wasAttributedTo", run, "user:mlflow/alice")
        d.add_relation("wasInformedBy", rc, "git:commit/c1")
        d.add_relation("used", rc, "git:revision/c1/a.py")
        members = [
            (f"{run}/param/lr", "m2p:Param", {"m2p:key": "lr", "m2p:value": "0.1"}),
            (f"{run}/tag/note", "m2p:RunTag", {"m2p:key": "note", "m2p:value": "x"}),
        ]
        for s in range(steps):
            members.append(
                (
                    f"{run}/metric/loss/{s}",
                    "m2p:Metric",
                    {
                        "m2p:key": "loss",
                        "m2p:step": s,
                        "m2p:value": 1.0 / (s + 1),
                        "m2p:timestamp": _t(2 + r) + timedelta(minutes=s),
                    },
                )
            )
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
        d.add_relation(
            "wasAssociatedWith", f"git:commit/c{c}", "user:git/ann%40x.org", role=("CommitAuthor", "Committer")
        )
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
        d.activity(
            run + "/creation",
            t,
            t + timedelta(minutes=30),
            {"prov:type": QName("m2p:RunCreation"), "prov:label": f"run {r}"},
        )
        d.add_relation("wasGeneratedBy", run, run + "/creation", time=t, role="AddedRun")
        d.add_relation("wasAssociatedWith", run + "/creation", "user:mlflow/ann", role="RunAuthor")
        d.add_relation("wasInformedBy", run + "/creation", f"git:commit/c{commits - 1}")
        for k in range(keys):
            for s in range(steps):
                m, ts = f"{run}/metric/k{k}/{s}", t + timedelta(seconds=s)
                d.entity(
                    m,
                    {
                        "prov:type": QName("m2p:Metric"),
                        "prov:label": f"k{k}[{s}]",
                        "m2p:key": f"k{k}",
                        "m2p:step": s,
                        "m2p:value": 1.0 / (s + 1),
                        "m2p:timestamp": ts,
                    },
                )
                d.add_relation("hadMember", run, m)
                d.add_relation("wasGeneratedBy", m, run + "/creation", time=ts, role="AddedMetric")
    return d


def offline_data(fragment: str) -> dict:
    """The ``{doc, view}`` an offline HTML fragment carries (gzip + base64 inside a JSON script)."""
    m = re.search(r'<script type="application/json" class="m2p-offline-data">(.*?)</script>', fragment, re.S)
    assert m, "no data script"
    packed = json.loads(m.group(1).replace("<\\/", "</"))["gz"]
    return json.loads(gzip.decompress(base64.b64decode(packed)))


@pytest.fixture
def fresh_bundle(monkeypatch):
    """A kernel that has not yet sent the viewer script."""
    monkeypatch.setattr(display, "_bundle_sent", False)


# ------------------------------------------------------------------------------------------- bundle
def test_mimebundle_has_prov_json_with_view_options_html_and_text(fresh_bundle):
    doc = small_doc()
    data, md = display.mimebundle(doc, view={"highlight": ["mlflow:run/r0"]})
    assert set(data) == {display.PROV_JSON_MIME, "text/html", "text/plain"}
    assert data[display.PROV_JSON_MIME] == doc.to_json_dict()
    assert md == {display.PROV_JSON_MIME: {"view": {"highlight": ["mlflow:run/r0"]}}}
    assert ProvDoc.from_json(data[display.PROV_JSON_MIME]) == doc
    assert offline_data(data["text/html"]) == {"doc": doc.to_json_dict(), "view": {"highlight": ["mlflow:run/r0"]}}
    assert data["text/plain"].startswith(repr(doc))


def test_repr_mimebundle_protocol_and_include_exclude():
    doc = small_doc()
    data, md = doc._repr_mimebundle_(include=None, exclude=None)
    assert display.PROV_JSON_MIME in data and display.PROV_JSON_MIME in md
    only, _ = doc._repr_mimebundle_(include={"text/plain"})
    assert set(only) == {"text/plain"}
    rest, _ = doc._repr_mimebundle_(exclude={"text/html"})
    assert set(rest) == {display.PROV_JSON_MIME, "text/plain"}


def test_summary_counts_per_type():
    doc = small_doc(runs=2, steps=3)
    text = display.summary_text(doc)
    assert "  m2p:Metric: 6" in text and "  m2p:Run: 2" in text
    assert display.type_counts(doc)["m2p:Metric"] == 6


def test_empty_document_has_no_graph():
    data, _ = display.mimebundle(ProvDoc())
    assert "text/html" not in data and data["text/plain"].startswith("<ProvDoc")


def test_viewer_script_is_sent_once_per_kernel(fresh_bundle):
    if not display.VIEW_BUNDLE.is_file():
        pytest.skip("the offline bundle is built by the lab extension build (jlpm build:prod)")
    first, _ = display.mimebundle(small_doc())
    second, _ = display.mimebundle(small_doc())
    assert "DecompressionStream" in first["text/html"] and "DecompressionStream" not in second["text/html"]
    # an output after the first costs its compressed document and a loader, nothing more
    assert len(second["text/html"].encode()) < 10_000


def test_offline_html_holds_no_hostile_text_and_cannot_close_its_script(fresh_bundle):
    doc = hostile_doc()
    fragment = display.mimebundle(doc)[0]["text/html"]
    for text in (IMG, SCRIPT, "javascript:"):
        assert text not in fragment
    body = re.findall(r"<script[^>]*>(.*?)</script>", fragment, re.S)
    assert all("</" not in b for b in body)
    assert offline_data(fragment)["doc"] == doc.to_json_dict()


# ------------------------------------------------------------------------------------------- what is sent
def test_small_documents_are_sent_whole():
    doc = small_doc()
    data, view = viewdata.sendable(doc, {"title": "t"})
    assert data == doc.to_json_dict() and view == {"title": "t"}


def test_big_documents_are_thinned_in_steps_that_keep_the_folded_view():
    doc = big_doc(runs=4, keys=3, steps=50, commits=10, files=5)
    keep = "mlflow:run/r1/metric/k0/7"
    for r in range(4):  # a system tag that repeats a run attribute, and a user's own tag
        for key in ("mlflow.user", "team"):
            tag = f"mlflow:run/r{r}/tag/{key}"
            doc.entity(tag, {"prov:type": QName("m2p:RunTag"), "m2p:key": key, "m2p:value": "ann"})
            doc.add_relation("hadMember", f"mlflow:run/r{r}", tag)
            doc.add_relation("wasGeneratedBy", tag, f"mlflow:run/r{r}/creation")
    # 1. metric points: the last of each series (and the ids the view names) stay
    data, view = viewdata.sendable(doc, {"highlight": [keep]}, limit=len(doc.elements))
    sent = ProvDoc.from_json(data)
    points = [e.id for e in sent.elements.values() if "m2p:Metric" in e.types]
    assert sorted(points) == sorted([f"mlflow:run/r{r}/metric/k{k}/49" for r in range(4) for k in range(3)] + [keep])
    assert view["omitted"] == {"metric points": 4 * 3 * 50 - len(points)}
    assert all(r.source in sent.elements and (r.target is None or r.target in sent.elements) for r in sent.relations)
    # 2. and 3. when still too big: members' generations, then mlflow.* system tags
    data, view = viewdata.sendable(doc, {}, limit=50)
    sent = ProvDoc.from_json(data)
    assert set(view["omitted"]) == {"metric points", "member generations", "system tags"}
    members = {r.target for r in sent.relations if r.kind == "hadMember"}
    assert not any(r.kind == "wasGeneratedBy" and r.source in members for r in sent.relations)
    assert "mlflow:run/r0/tag/team" in sent.elements and "mlflow:run/r0/tag/mlflow.user" not in sent.elements
    assert "mlflow:run/r0/creation" in sent.elements and any(
        r.kind == "wasGeneratedBy" and r.source == "mlflow:run/r0" for r in sent.relations
    )


def test_graph_shows_a_document_with_view_options(fresh_bundle):
    from mlflow2prov_jupyter.notebook import graph

    doc = small_doc()
    data, md = graph(doc, show=["mlflow:run/r0"], direction="LR", height=650)._repr_mimebundle_()
    assert data[display.PROV_JSON_MIME] == doc.to_json_dict()
    assert md[display.PROV_JSON_MIME]["view"] == {"show": ["mlflow:run/r0"], "direction": "LR", "height": 650}
    with pytest.raises(TypeError):
        graph(doc, colour="red")


def test_view_options_refuse_unknown_keys():
    assert viewdata.view_options(show=("a",), title=None) == {"show": ["a"]}
    with pytest.raises(TypeError, match="unknown view option"):
        viewdata.view_options(colour="red")


# ------------------------------------------------------------------------------------------- pyvis
def test_to_pyvis_uses_the_shared_style_table():
    doc = small_doc()
    net = doc.to_pyvis()
    nodes = {n["id"]: n for n in net.nodes}
    assert set(nodes) == set(doc.elements)
    run_style = style_table()["types"]["m2p:Run"]
    assert nodes["mlflow:run/r0"]["color"] == {
        "background": run_style["fill"]["light"],
        "border": run_style["border"]["light"],
    }
    assert nodes["mlflow:run/r0"]["label"] == "run run 0"
    assert nodes["git:commit/c0"]["shape"] == "box" and nodes["user:mlflow/alice"]["shape"] == "triangle"
    # generation is drawn cause → effect: the run creation points at its run (time reads left → right)
    assert {"from": "mlflow:run/r0/creation", "to": "mlflow:run/r0"}.items() <= next(
        e for e in net.edges if e["to"] == "mlflow:run/r0" and e["from"] == "mlflow:run/r0/creation"
    ).items()
    narrow = doc.to_pyvis(show=["mlflow:run/r0", "mlflow:run/r0/creation"])
    assert len(narrow.nodes) == 2 and len(narrow.edges) == 1


def test_to_pyvis_escapes_hostile_text(tmp_path):
    net = hostile_doc().to_pyvis()
    titles = " ".join(n["title"] for n in net.nodes)
    assert IMG not in titles and html.escape(IMG) in titles
    assert label_of(hostile_doc()["mlflow:run/r0"]).startswith("run <img")  # labels are canvas text, never markup
