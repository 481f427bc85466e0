"""The quickstart notebook as a user meets it in a real JupyterLab: Run All, the `doc` output drawn by the
extension (not the HTML fallback), the explorer, the saved file's size, the notebook reopened without its
kernel (the explorer's snapshot shows its last graph) and as an untrusted copy, in light and dark."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from labharness import Lab, Page
from test_explorer_browser import EXPLORER, KERNEL_IDLE, run_notebook, shot
from viewcheck import READY, geometry

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NB = ".jp-NotebookPanel:not(.lm-mod-hidden)"
MIME = "application/vnd.prov+json"
SAVED_MAX = 1_000_000  # bytes of the saved quickstart after Run All
EXTRA_PER_GRAPH = 50_000  # an output after the first costs its PROV-JSON plus this, at most


def app(pg: Page, script: str, arg: Any = None) -> Any:
    return pg.page.evaluate(f"([arg]) => ({script})(window.jupyterapp, arg)", [arg])


def doc_output(pg: Page, timeout: float = 120_000) -> Any:
    """The output that draws `doc` (the first graph of the notebook outside the explorer and its snapshot)."""
    find = (
        f"[...document.querySelectorAll('{NB} .jp-OutputArea-output .m2p-view')]"
        ".find(v => !v.closest('.m2p-explorer') && !v.closest('[data-snapshot-of]'))"
    )
    pg.page.wait_for_function(f"() => !!{find}", timeout=timeout)
    pg.page.evaluate(f"() => {find}.closest('.jp-OutputArea-output').classList.add('m2p-test-doc-output')")
    return pg.page.locator(f"{NB} .m2p-test-doc-output").first


def wait_idle(pg: Page) -> None:
    pg.page.wait_for_timeout(500)
    pg.page.wait_for_function(KERNEL_IDLE, timeout=300_000)
    pg.page.wait_for_function(
        f"() => [...document.querySelectorAll('{NB} .jp-InputArea-prompt')].every(p => !p.textContent.includes('*'))",
        timeout=300_000,
    )


def save_and_close(pg: Page, path: Path) -> dict[str, Any]:
    before = path.stat().st_mtime if path.exists() else 0
    app(pg, "(a) => a.commands.execute('docmanager:save')")
    deadline = time.monotonic() + 60
    while (not path.exists() or path.stat().st_mtime == before) and time.monotonic() < deadline:
        time.sleep(0.2)
    app(
        pg,
        "(a) => { a.shell.currentWidget.context.model.dirty = false; return "
        "a.commands.execute('application:close-all'); }",
    )
    pg.page.locator(".jp-NotebookPanel").first.wait_for(state="detached")
    return json.loads(path.read_text(encoding="utf-8"))


def scroll_to_cell(pg: Page, index: int) -> None:
    """Bring cell ``index`` into view (JupyterLab renders only the cells near the viewport)."""
    pg.page.wait_for_function(
        f"() => {{ const n = window.jupyterapp.shell.currentWidget?.content; return n && n.widgets.length > {index}; }}"
    )
    app(pg, "(a, i) => a.shell.currentWidget.content.scrollToItem(i, 'center')", index)
    pg.page.wait_for_timeout(500)


def cell_index(nb: dict[str, Any], test: Any) -> int:
    return next(i for i, c in enumerate(nb["cells"]) if any(test(o) for o in c.get("outputs", [])))


def graph_outputs(nb: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for c in nb["cells"] for o in c.get("outputs", []) if MIME in o.get("data", {})]


def test_quickstart_doc_output_explorer_size_and_reopen(lab: Lab, page: Page) -> None:
    path = lab.root / "01_quickstart.ipynb"
    shutil.copy(ROOT / "example_notebooks" / "01_quickstart.ipynb", path)
    t0 = time.monotonic()
    run_notebook(page, lab, "01_quickstart.ipynb")
    explorer_graph = page.page.locator(f"{EXPLORER} {READY}").first
    explorer_graph.wait_for(state="attached", timeout=300_000)
    wait_idle(page)
    text = page.page.locator(f"{NB} .jp-Notebook").first.inner_text()
    assert "Traceback" not in text and "Error:" not in text
    print(f"\n01_quickstart run in JupyterLab until idle: {time.monotonic() - t0:.1f} s")

    # `doc` is drawn by the extension's renderer, not by the HTML fallback in an iframe
    out = doc_output(page)
    graph = out.locator(READY).first
    graph.wait_for(state="visible")
    assert out.locator("iframe, .m2p-offline").count() == 0
    geo = geometry(graph)
    assert geo["overlaps"] == [] and geo["labelPx"] >= 10 and geo["nodes"] <= 60
    graph.scroll_into_view_if_needed()
    shot(page, "quickstart-doc", out)
    # the explorer's snapshot output stays empty while the widget is live
    snap = page.page.locator(f"{NB} [data-snapshot-of]").first
    assert snap.bounding_box() is None or snap.bounding_box()["height"] < 5
    shot(page, "quickstart-explorer", page.page.locator(EXPLORER).first)
    app(page, "(a) => a.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
    page.page.wait_for_timeout(500)
    graph.scroll_into_view_if_needed()
    shot(page, "quickstart-doc-dark", out)
    app(page, "(a) => a.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")
    page.page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")

    # saved: at most 1 MB; a graph output after the first costs its PROV-JSON plus at most 50 KB
    saved = save_and_close(page, path)
    size = path.stat().st_size
    outputs = graph_outputs(saved)
    assert len(outputs) >= 2, "the doc output and the explorer's snapshot"
    extra = [len(json.dumps(o).encode()) - len(json.dumps(o["data"][MIME]).encode()) for o in outputs]
    print(
        f"saved 01_quickstart: {size / 1e3:.0f} KB; graph outputs beyond their PROV-JSON: "
        f"{[round(e / 1e3) for e in extra]} KB"
    )
    assert size <= SAVED_MAX
    assert all(e <= EXTRA_PER_GRAPH for e in extra[1:])
    snapshot = outputs[-1]
    assert snapshot["metadata"][MIME]["snapshot_of"]

    # reopened later, without the kernel that drew it: the explorer's last graph shows (its snapshot)
    app(page, "(a) => a.serviceManager.sessions.shutdownAll()")
    page.page.goto(lab.url(f"lab/tree/{path.name}?reset"))
    scroll_to_cell(page, cell_index(saved, lambda o: "snapshot_of" in o.get("metadata", {}).get(MIME, {})))
    snap_graph = page.page.locator(f"{NB} [data-snapshot-of] {READY}").first
    snap_graph.wait_for(state="visible", timeout=120_000)
    assert "snapshot" in page.page.locator(f"{NB} [data-snapshot-of] .m2p-view-caption").first.inner_text().lower()
    assert int(snap_graph.get_attribute("data-node-count")) > 0
    snap_graph.scroll_into_view_if_needed()
    shot(page, "quickstart-reopened-snapshot")
    app(
        page,
        "(a) => { a.shell.currentWidget.context.model.dirty = false; return "
        "a.commands.execute('application:close-all'); }",
    )

    # a colleague's copy (not signed here: untrusted) still draws the doc output
    copy = lab.root / "01_copy.ipynb"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["metadata"]["copied"] = True  # any change voids the signature
    copy.write_text(json.dumps(data), encoding="utf-8")
    page.page.goto(lab.url("lab/tree/01_copy.ipynb?reset"))
    scroll_to_cell(
        page,
        cell_index(
            saved, lambda o: MIME in o.get("data", {}) and "snapshot_of" not in o.get("metadata", {}).get(MIME, {})
        ),
    )
    doc_graph = doc_output(page).locator(READY).first
    doc_graph.wait_for(state="visible", timeout=120_000)
    trusted = app(
        page,
        "(a) => { const c = a.shell.currentWidget.content.model.cells; "
        "return [...Array(c.length).keys()].some(i => c.get(i).trusted); }",
    )
    assert trusted is False
    doc_graph.scroll_into_view_if_needed()
    shot(page, "quickstart-untrusted-copy")
    assert page.dialogs == []
