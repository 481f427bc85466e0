"""The Provenance Explorer in a real JupyterLab, driven by headless Chromium (marker `browser`).

A notebook extracts a copy of the session's sample project with the magics and opens the explorer; the
test uses it like a person: the graph is first and visible without scrolling, a node click fills the one
details panel, Save writes a .provjson, the passport's sentence and card appear and its chain is drawn left
to right, validation runs. A second notebook works on a hostile copy of the project (a run named
``<img src=x onerror=alert(1)>``, a tag value ``</script><script>…``, a commit message with ``javascript:``
links, a run that ends before it starts): Load and Extract through the side panel, passport, a finding's
Show button centring its nodes, a diff drawn with badges — and no dialog opens, no script runs.
Screenshots (light and dark) go to ``test-artifacts/explorer-*.png``.
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
from viewcheck import click_node, geometry

pytestmark = pytest.mark.browser

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
JS_TITLE = 'Fix [docs](javascript:alert(1)) and <a href="javascript:alert(2)">the link</a>'
CHAMPION = "models:/wine-classifier@champion"
EXPLORER = ".jp-NotebookPanel:not(.lm-mod-hidden) .m2p-explorer"
GRAPH = f"{EXPLORER} .m2p-view[data-ready='true']"
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
        exp.experiment_id,
        start_time=start,
        run_name=IMG,
        tags={"note": SCRIPT, "mlflow.source.git.commit": sha, "mlflow.user": "eve"},
    )
    client.log_param(run.info.run_id, "comment", f"<b>{IMG}</b>")
    client.set_terminated(run.info.run_id, "FINISHED", end_time=start - 60_000)
    return {"path": str(target), "uri": uri, "run_id": run.info.run_id, "sha": sha}


# ----------------------------------------------------------------------------------------- helpers
def notebook(*cells: str) -> dict[str, Any]:
    return {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"c{i}",
                "metadata": {},
                "outputs": [],
                "source": src.strip().splitlines(keepends=True),
            }
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


def status(pg: Page, fragment: str, timeout: float = 120_000, kind: str = "ok") -> str:
    """Wait for a status line of ``kind`` containing ``fragment`` beside the graph; returns its text."""
    loc = pg.page.locator(f"{EXPLORER} .m2p-status .m2p-status-{kind}", has_text=fragment).first
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


def tool(pg: Page, name: str) -> None:
    """Open an action's form beside the graph (a toolbar button)."""
    click(pg, f".m2p-tool-{name}")
    pg.page.locator(f"{EXPLORER} .m2p-form-{name}").first.wait_for(state="visible")


def fill(pg: Page, css: str, value: str) -> None:
    box = pg.page.locator(f"{EXPLORER} {css} input, {EXPLORER} input{css}").first
    box.scroll_into_view_if_needed()
    box.fill(value)
    box.dispatch_event("change")


def select_node(pg: Page, g: Any, node_id: str) -> None:
    """Centre the node, then a real mouse click on it; retried while the view settles."""
    g.evaluate("(el, id) => el.__m2pGraph.view.zoomTo([id])", node_id)
    for _ in range(4):
        pg.page.wait_for_timeout(300)
        click_node(pg.page, g, node_id)
        if g.get_attribute("data-selected") == node_id:
            return
    raise AssertionError(f"clicking {node_id} did not select it")


def shot(pg: Page, name: str, locator: Any = None) -> Path:
    """A page screenshot with ``locator`` scrolled into view (also its own crop, when given)."""
    if locator is not None:
        locator.scroll_into_view_if_needed()
        pg.page.wait_for_timeout(150)
        ARTIFACTS.mkdir(exist_ok=True)
        locator.screenshot(path=str(ARTIFACTS / f"{name}-crop.png"))
    return pg.screenshot(name)


def set_theme(pg: Page, theme: str) -> None:
    pg.page.evaluate("(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme)
    light = "true" if theme == "JupyterLab Light" else "false"
    pg.page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'", timeout=30_000)
    pg.page.wait_for_timeout(400)


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
def test_explorer_on_the_sample_project(
    lab: Lab, page: Page, demo: Path, sample_doc: Any, sample_manifest: Any
) -> None:
    from mlflow2prov_jupyter.ops.load import load
    from mlflow2prov_jupyter.query import passport

    uri = f"sqlite:///{demo / 'mlflow.db'}"
    lab.write_json(
        "explorer.ipynb",
        notebook(
            "%load_ext mlflow2prov_jupyter",
            f"doc = %mlflow2prov extract --repo {demo} --tracking-uri {uri}",
            "%mlflow2prov show doc --as ex",
        ),
    )
    t0 = time.monotonic()
    run_notebook(page, lab, "explorer.ipynb")
    g = graph(page)
    wait_attr(page, "nodeCount", "Number(v) > 0")
    print(f"\nnotebook run to explorer drawn: {time.monotonic() - t0:.1f} s ({node_count(g)} nodes)")
    # the graph comes first: scrolled to the explorer, most of its canvas is on a 950 px screen
    explorer = page.page.locator(EXPLORER).first
    explorer.scroll_into_view_if_needed()
    canvas = g.locator(".m2p-view-canvas").first.bounding_box()
    top = explorer.bounding_box()["y"]
    assert canvas["height"] >= 500 and canvas["y"] - top < 160, (canvas, top)  # toolbar, status, search: then the graph
    assert page.page.locator(f"{EXPLORER} .m2p-view-details").count() == 1  # one details panel
    # labels are never cut: every toolbar button shows its whole text
    cut = page.page.evaluate(f"""() => [...document.querySelectorAll({json.dumps(EXPLORER + " .m2p-toolbar button")})]
        .filter(b => b.scrollWidth > b.clientWidth + 1).map(b => b.textContent)""")
    assert cut == []
    # the snapshot output below the live widget stays empty
    snap = page.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) [data-snapshot-of]").first
    snap.wait_for(state="attached")
    assert snap.bounding_box() is None or snap.bounding_box()["height"] < 5
    shot(page, "explorer-sample", explorer)

    # a click on a run fills the one details panel
    run_id = f"mlflow:run/{sample_manifest.run('rf-20-trees').run_id}"
    select_node(page, g, run_id)
    details = g.locator(".m2p-view-details").first
    assert "rf-20-trees" in details.inner_text()
    shot(page, "explorer-details", explorer)

    # Lineage: focus on the clicked run, then the whole document again
    tool(page, "lineage")
    click(page, ".m2p-run-lineage")
    status(page, "lineage of")
    wait_attr(page, "nodeCount", "Number(v) > 0")
    click(page, ".m2p-run-whole")
    status(page, "drew")

    # Save writes a .provjson (in the kernel's folder: the lab root) that opens as a graph
    tool(page, "save")
    fill(page, ".m2p-field-output", "explorer-saved")
    click(page, ".m2p-run-save")
    status(page, "saved")
    saved = lab.root / "explorer-saved.provjson"
    assert saved.is_file() and load(saved) == sample_doc

    # Passport: the sentence and the card, then the chain drawn left to right under the sentence
    tool(page, "passport")
    fill(page, ".m2p-passport-ref", CHAMPION)
    click(page, ".m2p-passport-lookup")
    expected = passport(sample_doc, CHAMPION)
    status(page, "champion = version 2 of wine-classifier")
    card = page.page.locator(f"{EXPLORER} .m2p-passport-card").first
    assert expected.headline in card.inner_text()
    click(page, ".m2p-passport-chain")
    status(page, "chain")
    page.page.wait_for_function(
        f"() => document.querySelector({json.dumps(EXPLORER + ' .m2p-view-title')}).textContent.startsWith('champion')"
    )
    # beside the side panel the chain fits only standing: `auto` draws it top → bottom, every node in view
    assert g.get_attribute("data-direction") == "TB", g.get_attribute("data-fit")
    assert node_count(g) <= len(expected.show_ids)
    shot(page, "explorer-passport", explorer)
    shown = geometry(g)["shown"]
    assert shown == node_count(g), geometry(g)
    assert g.evaluate("el => [...el.querySelectorAll('.m2p-view-more')].every(b => b.hidden)")
    set_theme(page, "JupyterLab Dark")
    geo = geometry(g)
    assert geo["shown"] == shown, (
        geo,
        g.evaluate("el => ({...el.dataset})"),
    )  # the theme changes colours, nothing else
    shot(page, "explorer-passport-dark", explorer)
    set_theme(page, "JupyterLab Light")

    # Validation: the sample project's extraction is valid
    tool(page, "validate")
    click(page, ".m2p-validate")
    status(page, "valid PROV")
    assert page.errors == [] and page.dialogs == []


def test_explorer_on_a_hostile_project(lab: Lab, page: Page, hostile: dict[str, str], sample_doc: Any) -> None:
    from mlflow2prov_jupyter.ops.save import save

    save([sample_doc], lab.root / "clean", formats=("json",), overwrite=True)
    lab.write_json("hostile.ipynb", notebook("%load_ext mlflow2prov_jupyter", "%mlflow2prov explore --as ex"))
    run_notebook(page, lab, "hostile.ipynb")
    page.page.locator(EXPLORER).first.wait_for(state="visible", timeout=120_000)

    # the clean project from a file, then the hostile one with Extract
    tool(page, "load")
    fill(page, ".m2p-load-path", "clean.json")
    click(page, ".m2p-run-load")
    status(page, "loaded clean.json")
    tool(page, "extract")
    fill(page, ".m2p-field-repo", hostile["path"])
    fill(page, ".m2p-field-tracking-uri", hostile["uri"])
    click(page, ".m2p-run-extract")
    status(page, "extracted")
    g = graph(page)
    run_node = f"mlflow:run/{hostile['run_id']}"
    select_node(page, g, run_node)
    details = g.locator(".m2p-view-details").first
    assert IMG in details.inner_text()  # the run's name, as text
    shot(page, "explorer-hostile-details", page.page.locator(EXPLORER).first)

    # passport of the hostile run: its name and its commit's title, as text
    tool(page, "passport")
    fill(page, ".m2p-passport-ref", f"runs:/{hostile['run_id']}")
    click(page, ".m2p-passport-lookup")
    status(page, "run")
    card = page.page.locator(f"{EXPLORER} .m2p-passport-card").first
    card.wait_for(state="visible")
    assert IMG in card.inner_text()

    # validation: the run that ends before it starts, said in words; Show centres its nodes
    tool(page, "validate")
    click(page, ".m2p-validate")
    row = page.page.locator(f"{EXPLORER} .m2p-finding-row", has_text="ends before it starts").first
    row.wait_for(state="visible")
    row.locator("button.m2p-finding-show").click()
    wait_attr(page, "highlighted", "Number(v) >= 1")
    shot(page, "explorer-validation-show", page.page.locator(EXPLORER).first)

    # diff of the clean and the hostile extraction: drawn with badges
    tool(page, "diff")
    click(page, ".m2p-diff")
    status(page, "diff ")
    assert "added" in page.page.locator(f"{EXPLORER} .m2p-diff-table").first.inner_text()
    legend = " ".join(g.evaluate("el => el.__m2pGraph.legend()"))
    assert "added" in legend
    shot(page, "explorer-diff", page.page.locator(EXPLORER).first)

    # search for the hostile text; then check nothing ran anywhere
    search = g.locator(".m2p-view-search").first
    search.fill("<img")
    search.press("Enter")
    page.page.wait_for_timeout(500)
    shot(page, "explorer-hostile", page.page.locator(EXPLORER).first)
    assert_nothing_ran(page)
