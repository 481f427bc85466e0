"""What the browser tests read from a drawn graph (the view's test hook ``element.__m2pGraph``), and notebooks
executed by a real kernel (nbclient) so that outputs are exactly what the magics produce."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

READY = ".m2p-view[data-ready='true']"

# Geometry of the drawn graph from client positions: nodes, overlapping boxes, the smallest label on
# screen, and how many edges point along the layout axis (left → right).
GEOMETRY_JS = """el => {
  const h = el.__m2pGraph, nodes = h.nodes(), edges = h.edges();
  const canvas = el.querySelector('.m2p-view-canvas').getBoundingClientRect();
  const inside = n => n.x >= canvas.left && n.x <= canvas.right && n.y >= canvas.top && n.y <= canvas.bottom;
  const shown = nodes.filter(inside);
  let overlaps = [];
  for (let i = 0; i < nodes.length; i++) for (let j = i + 1; j < nodes.length; j++) {
    const a = nodes[i].box, b = nodes[j].box;
    if (a.left < b.left + b.width - 0.5 && b.left < a.left + a.width - 0.5 &&
        a.top < b.top + b.height - 0.5 && b.top < a.top + a.height - 0.5) overlaps.push([nodes[i].id, nodes[j].id]);
  }
  const dir = el.dataset.direction === 'TB' ? 'y' : 'x';
  const forward = edges.filter(e => dir === 'x' ? e.toX > e.fromX : e.toY > e.fromY).length;
  return {nodes: nodes.length, shown: shown.length, overlaps, labelPx: h.labelPx(), edges: edges.length, forward,
          canvas: {width: canvas.width, height: canvas.height}, legend: h.legend(), scale: h.scale()};
}"""


def geometry(graph: Any) -> dict[str, Any]:
    return graph.evaluate(GEOMETRY_JS)


def assert_readable(geo: dict[str, Any], max_nodes: int = 60) -> None:
    """The first-paint targets of issue 12, from drawn positions."""
    assert geo["nodes"] <= max_nodes, geo
    assert geo["overlaps"] == [], geo["overlaps"][:5]
    assert geo["labelPx"] >= 10, geo
    assert geo["edges"] and geo["forward"] / geo["edges"] >= 0.95, geo


def node_position(graph: Any, node_id: str) -> dict[str, float]:
    pos = graph.evaluate("(el, id) => el.__m2pGraph.nodes().find(n => n.id === id) || null", node_id)
    assert pos is not None, f"node {node_id} is not drawn"
    return pos


def click_node(page: Any, graph: Any, node_id: str, double: bool = False) -> None:
    """A real mouse click on the canvas at the node's centre."""
    pos = node_position(graph, node_id)
    (page.mouse.dblclick if double else page.mouse.click)(pos["x"], pos["y"])


def executed_notebook(path: Path, cells: list[str], cwd: Path, timeout: int = 300) -> dict[str, Any]:
    """Run ``cells`` in a real kernel (nbclient) in ``cwd`` and write the notebook, outputs and all, to ``path``
    (unsigned: JupyterLab opens it as untrusted, as a colleague's copy)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    nbformat.write(nb, str(path))
    return json.loads(path.read_text(encoding="utf-8"))
