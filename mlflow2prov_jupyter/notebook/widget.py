"""The two-way graph view of the explorer: an anywidget fed with the pyvis network's nodes, edges, options.

Its front-end is ``mlflow2prov_jupyter/static/graph_widget.js``, built from the lab extension's shared
TypeScript graph module (``labextension/src/widget.ts``). Traits: ``nodes``, ``edges`` (vis dicts),
``options`` (vis-network options), ``selected`` (the clicked node id, set by the front-end), ``details``
(a dict the front-end shows in its details panel) and ``highlight`` (node ids to emphasise).
Until the script is built, a small fallback module says so and shows the counts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets

STATIC = Path(__file__).resolve().parent.parent / "static"
WIDGET_JS = STATIC / "graph_widget.js"

_FALLBACK_ESM = """
function render({ model, el }) {
  el.classList.add("m2p-widget", "m2p-widget-missing");
  const p = document.createElement("div");
  const update = () => {
    p.textContent = "Graph view not built (mlflow2prov_jupyter/static/graph_widget.js is missing): "
      + (model.get("nodes") || []).length + " nodes, " + (model.get("edges") || []).length + " edges.";
  };
  update();
  model.on("change:nodes", update);
  el.appendChild(p);
  return () => model.off("change:nodes", update);
}
export default { render };
"""


def widget_esm() -> Any:
    """The front-end module: the built script's path when present, else the fallback source."""
    return WIDGET_JS if WIDGET_JS.is_file() else _FALLBACK_ESM


class GraphWidget(anywidget.AnyWidget):
    """vis-network graph view with click selection, a details panel and highlighting."""

    _esm = widget_esm()
    nodes = traitlets.List(trait=traitlets.Dict()).tag(sync=True)
    edges = traitlets.List(trait=traitlets.Dict()).tag(sync=True)
    options = traitlets.Dict().tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    details = traitlets.Dict().tag(sync=True)
    highlight = traitlets.List(trait=traitlets.Unicode()).tag(sync=True)

    @property
    def built(self) -> bool:
        """Whether the real front-end script is shipped (not the fallback)."""
        return WIDGET_JS.is_file()

    def set_graph(self, payload: dict[str, Any]) -> None:
        """Replace nodes, edges, options and highlight at once (one message to the front-end)."""
        with self.hold_sync():
            self.nodes = payload["nodes"]
            self.edges = payload["edges"]
            self.options = payload["options"]
            self.highlight = list(payload.get("highlight") or [])
