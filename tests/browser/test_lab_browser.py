"""The PROV graph in a real JupyterLab, driven by headless Chromium (marker `browser`): the `.provjson` viewer,
notebook outputs exactly as the magics make them (also in an untrusted copy), the first picture's
readability measured from drawn positions, themes, hostile text, big documents and the explorer's widget."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from browser_docs import HOSTILE_IMG, HOSTILE_SCRIPT, big_doc, hostile_doc
from labharness import ARTIFACTS, Lab, Page
from viewcheck import READY, assert_readable, click_node, executed_notebook, geometry

pytestmark = pytest.mark.browser

DOC_GRAPH = f".jp-MimeDocument:not(.lm-mod-hidden) {READY}:visible"
NB = ".jp-NotebookPanel:not(.lm-mod-hidden)"
NB_GRAPH = f"{NB} .jp-OutputArea-output {READY}"
MIME = "application/vnd.prov+json"
GRAPH_AREA = (1100, 650)  # the canvas size the first-paint targets are stated for


def open_path(pg: Page, lab: Lab, path: str, selector: str = DOC_GRAPH, timeout: float = 90_000) -> Any:
    """Open `path` in a fresh lab workspace and wait for its graph to be drawn."""
    pg.page.goto(lab.url(f"lab/tree/{path}?reset"))
    graph = pg.page.locator(selector).first
    graph.wait_for(state="visible", timeout=timeout)
    return graph


def app(pg: Page, script: str, arg: Any = None) -> Any:
    """Evaluate `script` (a function of the JupyterLab app and `arg`) in the page."""
    return pg.page.evaluate(f"([arg]) => ({script})(window.jupyterapp, arg)", [arg])


def set_theme(pg: Page, theme: str) -> None:
    app(pg, "(a, t) => a.commands.execute('apputils:change-theme', {theme: t})", theme)
    light = "true" if theme == "JupyterLab Light" else "false"
    pg.page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'", timeout=30_000)
    pg.page.wait_for_timeout(400)


def canvas_background(graph: Any) -> dict[str, str]:
    """The canvas's background and what JupyterLab's --jp-layout-color0 resolves to."""
    return graph.evaluate("""el => {
        const probe = document.createElement('div');
        probe.style.background = 'var(--jp-layout-color0)';
        document.body.appendChild(probe);
        const want = getComputedStyle(probe).backgroundColor;
        probe.remove();
        return {canvas: getComputedStyle(el.querySelector('.m2p-view-canvas')).backgroundColor, want};
    }""")


# The canvas bitmap's size and how many sampled pixels differ from its background (what was drawn).
CANVAS_PIXELS_JS = """el => {
  const c = el.querySelector('.m2p-view-canvas canvas');
  if (!c.width || !c.height) return {width: c.width, clientWidth: c.clientWidth, inked: 0};
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const bg = getComputedStyle(el.querySelector('.m2p-view-canvas')).backgroundColor.match(/\\d+/g).map(Number);
  let inked = 0;
  for (let i = 0; i < d.length; i += 16) {
    if (d[i + 3] && Math.abs(d[i] - bg[0]) + Math.abs(d[i + 1] - bg[1]) + Math.abs(d[i + 2] - bg[2]) > 40) inked++;
  }
  return {width: c.width, clientWidth: c.clientWidth, inked};
}"""


def assert_nothing_injected(pg: Page) -> None:
    found = pg.page.evaluate("""() => ({
        imgs: document.querySelectorAll('img[src="x"], img[onerror]').length,
        scripts: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('alert(')).length,
    })""")
    assert found == {"imgs": 0, "scripts": 0}
    assert pg.dialogs == []


@pytest.fixture(scope="module")
def sample_provjson(lab: Lab, sample_doc: Any) -> str:
    """The sample project's extraction as a .provjson file in the lab's root."""
    lab.write_json("sample.provjson", sample_doc.to_json_dict())
    return "sample.provjson"


# ------------------------------------------------------------------------------------------- viewer
def test_sample_document_is_readable_at_first_paint(lab: Lab, page: Page, sample_provjson: str) -> None:
    graph = open_path(page, lab, sample_provjson)
    # size the window so that the graph area is 1100 × 650 px (the legend's lines depend on the width: a few
    # passes), then open the file again
    for _ in range(3):
        canvas = geometry(graph)["canvas"]
        vp = page.page.viewport_size
        page.page.set_viewport_size(
            {
                "width": int(round(vp["width"] + GRAPH_AREA[0] - canvas["width"])),
                "height": int(round(vp["height"] + GRAPH_AREA[1] - canvas["height"])),
            }
        )
        page.page.wait_for_timeout(300)
    graph = open_path(page, lab, sample_provjson)
    geo = geometry(graph)
    assert abs(geo["canvas"]["width"] - GRAPH_AREA[0]) <= 2 and abs(geo["canvas"]["height"] - GRAPH_AREA[1]) <= 2, geo
    assert_readable(geo)
    legend = " · ".join(geo["legend"])
    for word in ("MLflow run", "Git commit", "model version"):
        assert word in legend
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "first-paint-geometry.json").write_text(json.dumps(geo, indent=2))
    print(
        f"\nsample document at first paint: {geo['nodes']} nodes, labels {geo['labelPx']:.1f} px, "
        f"{geo['forward']}/{geo['edges']} edges left → right, scale {geo['scale']:.2f}"
    )
    page.screenshot("viewer-light")
    # what does not fit is said at the edge it lies beyond ("◀ 10 older"); a click pans there
    more = (
        "el => Object.fromEntries([...el.querySelectorAll('.m2p-view-more')]"
        ".map(b => [b.dataset.side, b.hidden ? 0 : Number(b.dataset.count)]))"
    )
    cut = graph.evaluate(more)
    assert cut["before"] >= 1 and cut["after"] == 0, cut
    graph.locator(".m2p-view-more-before").click()
    page.page.wait_for_timeout(200)
    moved = graph.evaluate(more)
    assert moved["before"] < cut["before"] and moved["after"] >= 1, (cut, moved)
    graph.locator(".m2p-view-fit").click()  # Reset view: back to the opening
    page.page.wait_for_timeout(200)
    assert graph.evaluate(more) == cut
    set_theme(page, "JupyterLab Dark")
    bg = canvas_background(graph)
    assert bg["canvas"] == bg["want"], bg
    page.screenshot("viewer-dark")
    set_theme(page, "JupyterLab Light")
    bg = canvas_background(graph)
    assert bg["canvas"] == bg["want"], bg


def test_click_search_and_unfold(lab: Lab, page: Page, sample_provjson: str, sample_manifest: Any) -> None:
    graph = open_path(page, lab, sample_provjson)
    run = next(r for r in sample_manifest.runs if not r.deleted and r.params)
    run_id = f"mlflow:run/{run.run_id}"
    graph.evaluate("(el, id) => el.__m2pGraph.view.zoomTo([id])", run_id)
    page.page.wait_for_timeout(300)
    click_node(page.page, graph, run_id)
    page.page.wait_for_function(
        "(id) => document.querySelector('.jp-MimeDocument .m2p-view').dataset.selected === id", arg=run_id
    )
    details = graph.locator(".m2p-view-details").inner_text()
    assert run.run_id in details and run.name in details
    page.screenshot("viewer-details")
    before = int(graph.get_attribute("data-node-count"))
    graph.locator(".m2p-view-details button[data-action='unfold']").click()
    page.page.wait_for_function(
        f"() => Number(document.querySelector('.jp-MimeDocument .m2p-view').dataset.nodeCount) > {before}"
    )
    page.screenshot("viewer-unfolded")
    # one search box: it lists its matches, and a click on a match selects and centres it
    graph.locator(".m2p-view-search").fill(run.name)
    graph.locator(".m2p-view-search").press("Enter")
    matches = graph.locator(".m2p-view-matches")
    matches.wait_for(state="visible")
    assert int(graph.get_attribute("data-matches")) >= 1 and run.name in matches.inner_text()
    page.screenshot("viewer-search")


def test_file_types_and_open_as_prov_graph(lab: Lab, page: Page, sample_provjson: str, sample_doc: Any) -> None:
    open_path(page, lab, sample_provjson)
    info = app(
        page,
        """(a) => ({
        def1: a.docRegistry.defaultWidgetFactory('x.provjson').name,
        with1: a.docRegistry.preferredWidgetFactories('x.provjson').map(f => f.name),
        json: a.commands.isVisible('mlflow2prov:open-prov-graph', {path: 'x.json'}),
        jsonld: a.commands.isVisible('mlflow2prov:open-prov-graph', {path: 'x.jsonld'}),
        md: a.commands.isVisible('mlflow2prov:open-prov-graph', {path: 'README.md'}),
        py: a.commands.isVisible('mlflow2prov:open-prov-graph', {path: 'x.py'}),
    })""",
    )
    assert info["def1"] == "PROV Graph" and "Editor" in info["with1"]
    assert (info["json"], info["jsonld"], info["md"], info["py"]) == (True, True, False, False)
    # a PROV-JSON saved as .json opens as the graph through the command
    lab.write_json("as-text.json", sample_doc.to_json_dict())
    app(page, "(a) => a.commands.execute('mlflow2prov:open-prov-graph', {path: 'as-text.json'})")
    page.page.locator(DOC_GRAPH).first.wait_for(state="visible")
    # a JSON file that is not PROV says so in one line inside the view, no dialog
    lab.write_json("not-prov.json", {"name": "a package.json, say", "version": "1.0"})
    app(page, "(a) => a.commands.execute('mlflow2prov:open-prov-graph', {path: 'not-prov.json'})")
    message = page.page.locator(".jp-MimeDocument:not(.lm-mod-hidden) .m2p-view-message:visible").first
    message.wait_for(state="visible")
    text = message.inner_text().strip()
    assert "PROV" in text and "\n" not in text
    (lab.root / "broken.json").write_text("{ not json", encoding="utf-8")
    app(page, "(a) => a.commands.execute('mlflow2prov:open-prov-graph', {path: 'broken.json'})")
    message = page.page.locator(".jp-MimeDocument:not(.lm-mod-hidden) .m2p-view-message:visible").first
    message.wait_for(state="visible")
    assert "JSON" in message.inner_text()
    assert page.page.locator(".jp-Dialog").count() == 0 and page.dialogs == []
    page.screenshot("not-prov")


def test_hostile_labels_stay_text(lab: Lab, page: Page) -> None:
    lab.write_json("hostile.provjson", hostile_doc())
    graph = open_path(page, lab, "hostile.provjson")
    graph.evaluate("el => el.__m2pGraph.view.update(undefined, {fold: 'none'})")
    page.page.wait_for_function("() => document.querySelector('.jp-MimeDocument .m2p-view').dataset.ready === 'true'")
    for node in ("mlflow:run/x", "user:mlflow/%3Cimg%3E"):
        graph.evaluate("(el, id) => el.__m2pGraph.view.select(id)", node)
        text = graph.locator(".m2p-view-details").inner_text()
        assert HOSTILE_SCRIPT in text or HOSTILE_IMG in text
    graph.locator(".m2p-view-search").fill("<img")
    graph.locator(".m2p-view-search").press("Enter")
    page.screenshot("hostile-file")
    assert_nothing_injected(page)


# ------------------------------------------------------------------------------------------- notebook outputs
def test_magic_output_is_drawn_by_the_extension_also_untrusted(lab: Lab, page: Page, sample_provjson: str) -> None:
    """`doc` displayed by a real kernel carries PROV-JSON, the offline HTML and text: JupyterLab must pick our
    renderer over the HTML, also in an unsigned (untrusted) copy, where HTML would be stripped."""
    nb = executed_notebook(
        lab.root / "magic-output.ipynb",
        [
            "%load_ext mlflow2prov_jupyter",
            f"doc = %mlflow2prov load {sample_provjson}",
            "doc",
        ],
        cwd=lab.root,
    )
    out = nb["cells"][2]["outputs"][0]
    assert set(out["data"]) == {MIME, "text/html", "text/plain"}
    graph = open_path(page, lab, "magic-output.ipynb", NB_GRAPH)
    trusted = app(
        page,
        "(a) => { const c = a.shell.currentWidget.content.model.cells; "
        "return [...Array(c.length).keys()].map(i => c.get(i).trusted); }",
    )
    assert trusted == [False, False, False]
    assert page.page.locator(f"{NB} .jp-OutputArea-output iframe, {NB} .m2p-offline").count() == 0
    geo = geometry(graph)
    assert geo["overlaps"] == [] and geo["labelPx"] >= 10
    page.screenshot("magic-output-untrusted")


def test_big_documents_first_paint(lab: Lab, page: Page) -> None:
    doc, elements = big_doc(20000)
    assert elements >= 19500
    lab.write_json("big.provjson", doc)
    graph = open_path(page, lab, "big.provjson", timeout=120_000)
    paint_ms = int(graph.get_attribute("data-first-paint-ms"))
    geo = geometry(graph)
    page.screenshot("big-20k")
    print(
        f"\n20k document: {elements} elements → {geo['nodes']} nodes; first paint {paint_ms} ms "
        f"({graph.get_attribute('data-timings')})"
    )
    assert paint_ms <= 1000
    assert geo["overlaps"] == [] and geo["labelPx"] >= 10


def test_full_history_document_is_sent_thinned_and_drawn(lab: Lab, page: Page, tmp_path: Path) -> None:
    """A 220,000-element document (metric points of every step) as a notebook output: ≤ 10 MB, first paint ≤ 3 s."""
    from test_display import big_doc as py_big_doc

    from mlflow2prov_jupyter.notebook.display import mimebundle

    doc = py_big_doc(runs=100, keys=20, steps=105, commits=200, files=50)
    assert len(doc.elements) >= 210_000
    data, md = mimebundle(doc, include={MIME, "text/plain"})
    size = len(json.dumps(data[MIME]).encode())
    assert size <= 10_000_000, size
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": 1,
                "id": "c1",
                "metadata": {},
                "source": ["doc"],
                "outputs": [{"output_type": "execute_result", "execution_count": 1, "metadata": md, "data": data}],
            }
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    lab.write_json("full-history.ipynb", nb)
    graph = open_path(page, lab, "full-history.ipynb", NB_GRAPH, timeout=120_000)
    paint_ms = int(graph.get_attribute("data-first-paint-ms"))
    note = page.page.locator(f"{NB} .m2p-view-note").first.inner_text()
    page.screenshot("full-history")
    print(f"\n{len(doc.elements)} elements: {size / 1e6:.1f} MB sent, first paint {paint_ms} ms; {note}")
    assert "metric points" in note
    assert paint_ms <= 3000


# ------------------------------------------------------------------------------------------- widget
WIDGET_CELL = """
from mlflow2prov_jupyter import load
from mlflow2prov_jupyter.notebook.widget import GraphWidget
doc = load("sample.provjson")
w = GraphWidget(doc=doc.to_json_dict(), view={})
seen = []
w.observe(lambda ch: seen.append(ch["new"]), "selected")
w
"""


def test_widget_round_trip(lab: Lab, page: Page, sample_provjson: str, sample_manifest: Any) -> None:
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "w1",
                "metadata": {},
                "outputs": [],
                "source": WIDGET_CELL.strip().splitlines(keepends=True),
            }
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    lab.write_json("widget.ipynb", nb)
    page.page.goto(lab.url("lab/tree/widget.ipynb?reset"))
    page.page.locator(f"{NB} .jp-Cell").first.wait_for(state="visible")
    page.page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget; const k = w && w.sessionContext && "
        "w.sessionContext.session && w.sessionContext.session.kernel; return k && k.status === 'idle'; }",
        timeout=90_000,
    )
    app(page, "(a) => a.commands.execute('notebook:run-all-cells')")
    graph = page.page.locator(f"{NB} .jp-OutputArea-output {READY}").first
    graph.wait_for(state="visible", timeout=90_000)
    run_id = f"mlflow:run/{sample_manifest.runs[0].run_id}"
    graph.evaluate("(el, id) => el.__m2pGraph.view.zoomTo([id])", run_id)
    page.page.wait_for_timeout(300)
    click_node(page.page, graph, run_id)

    def kernel(code: str) -> None:
        status = app(
            page,
            "(a, code) => a.shell.currentWidget.sessionContext.session.kernel"
            ".requestExecute({code}).done.then(r => r.content.status)",
            code,
        )
        assert status == "ok", code

    kernel(
        f"import time\nfor _ in range(100):\n    if seen: break\n    time.sleep(0.1)\nassert seen[-1] == {run_id!r}, "
        "seen"
    )
    kernel(f"w.view = {{'highlight': [{run_id!r}], 'title': 'from Python'}}")
    page.page.wait_for_function(
        f"() => document.querySelector('{NB} .m2p-view').dataset.highlighted === '1'", timeout=30_000
    )
    assert page.page.locator(f"{NB} .m2p-view-title").first.inner_text() == "from Python"
    errors = app(
        page,
        "(a) => "
        "[...document.querySelectorAll("
        "'.jp-OutputArea-output[data-mime-type=\"application/vnd.jupyter.stderr\"]')].map(e => e.textContent)",
    )
    assert errors == []
    page.screenshot("widget")
    # a theme switch keeps the drawing (JupyterLab swaps style sheets through a zero-size moment)
    set_theme(page, "JupyterLab Dark")
    page.page.wait_for_timeout(600)
    drawn = graph.evaluate(CANVAS_PIXELS_JS)
    assert drawn["width"] == drawn["clientWidth"] > 0 and drawn["inked"] > 1000, drawn
    page.screenshot("widget-dark")
    set_theme(page, "JupyterLab Light")
    assert_nothing_injected(page)
