"""The Provenance Explorer in a real JupyterLab, driven by headless Chromium (marker `browser`).

A notebook extracts a copy of the session's sample project with the magics and opens the explorer; the
test clicks through it like a person: the graph draws, a node click fills the details, a type filter
removes nodes, Save writes a file, a passport card and its subgraph appear, validation runs. A second
notebook works on a hostile copy of the project (a run named ``<img src=x onerror=alert(1)>``, a tag value
``</script><script>…``, a commit message with ``javascript:`` links, a run that ends before it starts):
extraction through the Extract button, passport, validation findings highlighted in the graph and a diff
overlay — and no dialog opens, no script runs. Screenshots go to ``test-artifacts/explorer-*.png``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from labharness import ARTIFACTS, Lab, Page

pytestmark = pytest.mark.browser

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
JS_TITLE = 'Fix [docs](javascript:alert(1)) and <a href="javascript:alert(2)">the link</a>'
CHAMPION = "models:/wine-classifier@champion"
EXPLORER = ".jp-NotebookPanel:not(.lm-mod-hidden) .m2p-explorer"
GRAPH = f"{EXPLORER} .m2p-graph[data-ready='true']"
KERNEL_IDLE = (
    "() => { const w = window.jupyterapp.shell.currentWidget; const k = w && w.sessionContext && "
    "w.sessionContext.session && w.sessionContext.session.kernel; return k && k.status === 'idle'; }"
)


# ------------------------------------------------------------------------------------------- projects
@pytest.fixture(scope="module")
def demo(lab: Lab, sample_manifest: Any) -> Path:
    """A copy of the session's sample project inside the lab's root."""
    target = lab.root / "demo"
    shutil.copytree(sample_manifest.repo_path, target, symlinks=True)
    return target


@pytest.fixture(scope="module")
def hostile(lab: Lab, sample_manifest: Any) -> dict[str, str]:
    """A copy of the sample project with hostile text in a commit, a run name and a tag, and a run
    that ends a minute before it starts."""
    from mlflow.tracking import MlflowClient

    target = lab.root / "hostile"
    shutil.copytree(sample_manifest.repo_path, target, symlinks=True)
    git = ["git", "-C", str(target), "-c", "user.name=Eve <script>", "-c", "user.email=eve@example.org"]
    subprocess.run([*git, "commit", "--allow-empty", "-q", "-m", JS_TITLE, "-m", f"body {IMG}"], check=True)
    sha = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    uri = f"sqlite:///{target / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)  # explicit URI: the process's global MLflow state is untouched
    name = next(e.name for e in sample_manifest.experiments if e.name != "Default" and e.lifecycle_stage == "active")
    exp = client.get_experiment_by_name(name)
    start = int(time.time() * 1000)
    run = client.create_run(
        exp.experiment_id, start_time=start, run_name=IMG,
        tags={"note": SCRIPT, "mlflow.source.git.commit": sha, "mlflow.user": "eve"},
    )
    client.log_param(run.info.run_id, "comment", f"<b>{IMG}</b>")
    client.set_terminated(run.info.run_id, "FINISHED", end_time=start - 60_000)
    return {"path": str(target), "uri": uri, "run_id": run.info.run_id, "sha": sha}


# ----------------------------------------------------------------------------------------- helpers
def notebook(*cells: str) -> dict[str, Any]:
    return {
        "cells": [
            {"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
             "source": src.strip().splitlines(keepends=True)}
            for i, src in enumerate(cells)
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def run_notebook(pg: Page, lab: Lab, name: str) -> None:
    """Open the notebook in a fresh workspace, wait for its kernel, run all cells."""
    pg.page.goto(lab.url(f"lab/tree/{name}?reset"))
    pg.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").first.wait_for(state="visible")
    pg.page.wait_for_function(KERNEL_IDLE, timeout=120_000)
    pg.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")


def graph(pg: Page, timeout: float = 120_000) -> Any:
    g = pg.page.locator(GRAPH).first
    g.wait_for(state="attached", timeout=timeout)
    return g


def node_count(g: Any) -> int:
    return int(g.get_attribute("data-node-count") or 0)


def wait_attr(pg: Page, attr: str, test: str, timeout: float = 60_000) -> None:
    """Wait until the explorer graph's data attribute satisfies the JS expression ``test`` (on ``v``)."""
    pg.page.wait_for_function(
        f"() => {{ const g = document.querySelector({json.dumps(GRAPH)}); if (!g) return false; "
        f"const v = g.dataset[{json.dumps(attr)}]; return v !== undefined && ({test}); }}",
        timeout=timeout,
    )


def status(pg: Page, fragment: str, timeout: float = 120_000) -> str:
    """Wait for a success line containing ``fragment`` in the explorer's status; returns its text."""
    loc = pg.page.locator(f"{EXPLORER} .m2p-status.m2p-ok", has_text=fragment).first
    try:
        loc.wait_for(state="attached", timeout=timeout)
    except Exception:
        text = pg.page.locator(f"{EXPLORER} .m2p-status").first.inner_text()
        raise AssertionError(f"status never said {fragment!r}; it says {text!r}") from None
    return loc.inner_text()


def click(pg: Page, css: str) -> None:
    button = pg.page.locator(f"{EXPLORER} button{css}").first
    button.scroll_into_view_if_needed()
    button.click()


def fill(pg: Page, css: str, value: str) -> None:
    box = pg.page.locator(f"{EXPLORER} {css} input").first
    box.scroll_into_view_if_needed()
    box.fill(value)
    box.dispatch_event("change")


def tab(pg: Page, title: str) -> None:
    pg.page.locator(f"{EXPLORER} .m2p-questions .lm-TabBar-tab", has_text=title).first.click()


def click_node(pg: Page, g: Any, node_id: str) -> None:
    """A real mouse click on the node: the view zooms to it (big graphs draw nodes a few pixels wide),
    then the mouse clicks its centre (vis getPositions + canvasToDOM); retried while the view settles."""
    g.locator(".m2p-graph-canvas").scroll_into_view_if_needed()
    g.evaluate("(el, id) => el.__m2pGraph.network.focus(id, {scale: 1.2, animation: false})", node_id)
    for _ in range(4):
        pos = g.evaluate("(el, id) => el.__m2pGraph.view.clientPosition(id)", node_id)
        assert pos is not None, f"node {node_id} not in the graph"
        pg.page.mouse.click(pos["x"], pos["y"])
        if g.get_attribute("data-selected") == node_id:
            return
        pg.page.wait_for_timeout(400)
    raise AssertionError(f"clicking {node_id} did not select it")


def shot(pg: Page, name: str, locator: Any = None) -> Path:
    """A page screenshot with ``locator`` scrolled into view (also its own crop, when given)."""
    if locator is not None:
        locator.scroll_into_view_if_needed()
        pg.page.wait_for_timeout(150)
        ARTIFACTS.mkdir(exist_ok=True)
        locator.screenshot(path=str(ARTIFACTS / f"{name}-crop.png"))
    return pg.screenshot(name)


def assert_nothing_ran(pg: Page) -> None:
    """No dialog opened, no hostile element or script made it into the page, no javascript: link."""
    found = pg.page.evaluate("""() => ({
        imgs: document.querySelectorAll('img[src="x"], img[onerror]').length,
        scripts: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('alert(')).length,
        links: document.querySelectorAll('a[href^="javascript"]').length,
        bold: [...document.querySelectorAll('.m2p-explorer b')].filter(b => b.textContent.includes('onerror')).length,
    })""")
    assert found == {"imgs": 0, "scripts": 0, "links": 0, "bold": 0}
    assert pg.dialogs == []
    assert not [e for e in pg.errors if "alert" in e]


# ------------------------------------------------------------------------------------------- tests
def test_explorer_on_the_sample_project(lab: Lab, page: Page, demo: Path, sample_doc: Any, sample_manifest: Any) -> None:
    from mlflow2prov_jupyter.ops.load import load
    from mlflow2prov_jupyter.query import passport

    uri = f"sqlite:///{demo / 'mlflow.db'}"
    lab.write_json("explorer.ipynb", notebook(
        "%load_ext mlflow2prov_jupyter",
        f"doc = %mlflow2prov extract --repo {demo} --tracking-uri {uri}",
        "%mlflow2prov show doc --as ex",
        f"%mlflow2prov passport {CHAMPION}",
    ))
    t0 = time.monotonic()
    run_notebook(page, lab, "explorer.ipynb")
    g = graph(page)
    wait_attr(page, "nodeCount", "Number(v) > 0")
    full = node_count(g)
    assert full == len(sample_doc.elements)  # small enough to be drawn uncollapsed
    print(f"\nnotebook run to explorer drawn: {time.monotonic() - t0:.1f} s ({full} nodes)")
    assert g.locator("canvas").first.is_visible()
    shot(page, "explorer-sample", page.page.locator(EXPLORER).first)

    # the magic's passport card is rendered as HTML in the notebook
    card = page.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output.jp-RenderedHTMLCommon > .m2p-passport").first
    card.wait_for(state="visible", timeout=60_000)
    assert f"Passport of {CHAMPION}" in card.inner_text() and "rf-40-trees" in card.inner_text()

    # a click on a node fills both details panels (the widget's and the explorer's)
    run_id = f"mlflow:run/{sample_manifest.run('rf-20-trees').run_id}"
    click_node(page, g, run_id)
    details = page.page.locator(f"{EXPLORER} .m2p-details").first
    page.page.wait_for_function(
        f"() => document.querySelector({json.dumps(EXPLORER + ' .m2p-details')}).innerText.includes('m2p:run_id')")
    assert run_id in details.inner_text() and "rf-20-trees" in details.inner_text()
    g.locator(".m2p-graph-details", has_text="m2p:run_id").wait_for(timeout=30_000)
    shot(page, "explorer-details", g)

    # the type filter removes nodes
    counts = {t: sum(1 for e in sample_doc.elements.values() if t in [str(x) for x in e.types]) for t in ("m2p:Run", "m2p:RunCreation")}
    select = page.page.locator(f"{EXPLORER} .m2p-typefilter select").first
    select.scroll_into_view_if_needed()
    labels = [o for o in select.locator("option").all_inner_texts() if o.replace("\xa0", " ").split(" (")[0] in counts]
    assert len(labels) == 2
    select.select_option(label=labels)
    wait_attr(page, "nodeCount", f"Number(v) === {sum(counts.values())}")
    assert node_count(g) < full
    shot(page, "explorer-type-filter", g)

    # Save writes the file (in the kernel's folder: the lab root)
    fill(page, ".m2p-save-path", "explorer-saved")
    click(page, ".m2p-save")
    status(page, "saved")
    saved = lab.root / "explorer-saved.json"
    assert saved.is_file() and load(saved) == sample_doc

    # Passport panel: the card, then exactly its subgraph (the type filter does not apply to it)
    tab(page, "Passport")
    fill(page, ".m2p-passport-ref", CHAMPION)
    click(page, ".m2p-passport-lookup")
    status(page, f"passport of {CHAMPION}")
    panel_card = page.page.locator(f"{EXPLORER} .m2p-passport-card .m2p-passport").first
    panel_card.wait_for(state="visible")
    text = panel_card.inner_text()
    expected = passport(sample_doc, CHAMPION)
    for fragment in ("Model version", "wine-classifier version 2", "rf-40-trees", expected.commit["sha"], "src/train.py"):
        assert fragment in text
    shot(page, "explorer-passport", page.page.locator(f"{EXPLORER} .m2p-passport-card").first)
    click(page, ".m2p-passport-subgraph")
    wait_attr(page, "nodeCount", f"Number(v) === {len(expected.subgraph.elements)}")
    assert "passport subgraph" in page.page.locator(f"{EXPLORER} .m2p-graph-info").first.inner_text()
    shot(page, "explorer-passport-subgraph", g)

    # Validation panel: the sample project's extraction is valid
    tab(page, "Validation")
    click(page, ".m2p-validate")
    status(page, "0 errors, 0 warnings")
    assert "No findings" in page.page.locator(f"{EXPLORER} .m2p-findings-table").first.inner_text()
    assert page.errors == [] and page.dialogs == []


def test_explorer_on_a_hostile_project(lab: Lab, page: Page, hostile: dict[str, str], sample_doc: Any) -> None:
    from mlflow2prov_jupyter.ops.save import save

    save([sample_doc], lab.root / "clean", formats=("json",), overwrite=True)
    lab.write_json("hostile.ipynb", notebook("%load_ext mlflow2prov_jupyter", "%mlflow2prov explore --as ex"))
    run_notebook(page, lab, "hostile.ipynb")
    page.page.locator(EXPLORER).first.wait_for(state="visible", timeout=120_000)

    # the clean project from a file, then the hostile one with the Extract button
    fill(page, ".m2p-load-path", "clean.json")
    click(page, ".m2p-load")
    status(page, "loaded clean.json")
    fill(page, ".m2p-repo", hostile["path"])
    fill(page, ".m2p-tracking-uri", hostile["uri"])
    click(page, ".m2p-extract")
    status(page, "extracted")
    g = graph(page)
    wait_attr(page, "nodeCount", f"Number(v) > {len(sample_doc.elements)}")
    run_node = f"mlflow:run/{hostile['run_id']}"
    commit_node = f"git:commit/{hostile['sha']}"
    for node in (run_node, commit_node, f"{run_node}/tag/note"):  # hover (tooltips) and click (details)
        g.locator(".m2p-graph-canvas").scroll_into_view_if_needed()
        pos = g.evaluate("(el, id) => el.__m2pGraph.view.clientPosition(id)", node)
        assert pos is not None, node
        page.page.mouse.move(pos["x"], pos["y"])
        page.page.wait_for_timeout(300)
        click_node(page, g, node)
    details = page.page.locator(f"{EXPLORER} .m2p-details").first.inner_text()
    assert SCRIPT in details  # the tag's value, shown as text
    click_node(page, g, run_node)
    page.page.wait_for_function(
        f"() => document.querySelector({json.dumps(EXPLORER + ' .m2p-details')}).innerText.includes('onerror')")
    assert IMG in page.page.locator(f"{EXPLORER} .m2p-details").first.inner_text()
    shot(page, "explorer-hostile-details", g)

    # passport of the hostile run: its name and its commit's title, as text
    fill(page, ".m2p-passport-ref", f"runs:/{hostile['run_id']}")
    click(page, ".m2p-passport-lookup")
    status(page, "passport of runs:/")
    card = page.page.locator(f"{EXPLORER} .m2p-passport-card .m2p-passport").first
    card.wait_for(state="visible")
    assert IMG in card.inner_text() and "javascript:alert(1)" in card.inner_text()
    shot(page, "explorer-hostile-passport", page.page.locator(f"{EXPLORER} .m2p-passport-card").first)

    # validation: the run that ends before it starts; choosing the finding highlights its records
    tab(page, "Validation")
    click(page, ".m2p-validate")
    status(page, "validated")
    table = page.page.locator(f"{EXPLORER} .m2p-findings-table").first
    assert "start-after-end" in table.inner_text()
    options = page.page.locator(f"{EXPLORER} .m2p-findings select option").all_inner_texts()
    index = next(i for i, o in enumerate(options) if "start-after-end" in o)
    choice = page.page.locator(f"{EXPLORER} .m2p-findings select").first
    choice.scroll_into_view_if_needed()
    choice.select_option(index=index)
    status(page, "highlighted 1 node of finding")
    wait_attr(page, "highlighted", "Number(v) >= 1")
    emphasised = g.evaluate(
        "(el, id) => { const n = el.__m2pGraph.view.nodes().find(x => x.id === id); return n && n.borderWidth; }",
        f"{run_node}/creation")
    assert emphasised and emphasised >= 3
    g.evaluate("(el, id) => el.__m2pGraph.network.focus(id, {scale: 0.9, animation: false})", f"{run_node}/creation")
    shot(page, "explorer-validation-highlight", g)
    shot(page, "explorer-validation-table", table)

    # diff of the clean and the hostile extraction: the table and the coloured overlay
    tab(page, "Diff")
    click(page, ".m2p-diff")
    status(page, "diff ")
    diff_table = page.page.locator(f"{EXPLORER} .m2p-diff-table").first
    text = diff_table.inner_text()
    assert "elements added" in text and run_node in text and commit_node in text
    coloured = g.evaluate("el => el.__m2pGraph.view.nodes().filter(n => n.m2p_diff === 'added').length")
    assert coloured >= 3
    added_fill = g.evaluate(
        "(el, id) => { const n = el.__m2pGraph.view.nodes().find(x => x.id === id); return n && n.color.background; }",
        run_node)
    assert added_fill == "#8CE99A"
    shot(page, "explorer-diff", g)
    g.evaluate("(el, run) => el.__m2pGraph.network.fit({nodes: el.__m2pGraph.view.nodes()"
               ".filter(n => n.m2p_diff === 'added' && n.id.startsWith(run)).map(n => n.id), animation: false})", run_node)
    shot(page, "explorer-diff-zoom", g)
    shot(page, "explorer-diff-table", diff_table)

    # search for the hostile text; then check nothing ran anywhere
    search = page.page.locator(f"{EXPLORER} .m2p-search input").first
    search.scroll_into_view_if_needed()
    search.fill("<img")
    search.press("Enter")
    status(page, "search")
    page.page.wait_for_timeout(500)
    shot(page, "explorer-hostile", page.page.locator(EXPLORER).first)
    assert_nothing_ran(page)
