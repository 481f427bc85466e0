"""Issue 6: the quickstart notebook, run top to bottom in a real JupyterLab, shows the explorer's graph."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from labharness import Lab, Page
from test_explorer_browser import EXPLORER, KERNEL_IDLE, graph, node_count, run_notebook, shot, wait_attr

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


def test_quickstart_runs_all_cells_and_draws_the_explorer(lab: Lab, page: Page) -> None:
    shutil.copy(ROOT / "example_notebooks" / "01_quickstart.ipynb", lab.root / "01_quickstart.ipynb")
    t0 = time.monotonic()
    run_notebook(page, lab, "01_quickstart.ipynb")
    g = graph(page, timeout=240_000)
    wait_attr(page, "nodeCount", "Number(v) > 0", timeout=120_000)
    assert node_count(g) > 50
    # let every cell finish: the kernel goes idle after the last one, with no error output on the way
    page.page.wait_for_timeout(500)
    page.page.wait_for_function(KERNEL_IDLE, timeout=240_000)
    page.page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputArea-prompt')]"
        ".every(p => !p.textContent.includes('*'))",
        timeout=240_000,
    )
    text = page.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").first.inner_text()
    assert "Traceback" not in text and "Error:" not in text
    assert (lab.root / "output" / "quickstart.json").is_file()
    print(f"\n01_quickstart run in JupyterLab until idle: {time.monotonic() - t0:.1f} s")
    assert page.dialogs == []
    shot(page, "quickstart-explorer", page.page.locator(EXPLORER).first)
