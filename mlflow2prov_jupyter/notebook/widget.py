"""The explorer's graph: an anywidget that hands a PROV-JSON document and view options to the graph module.

The front-end is ``mlflow2prov_jupyter/static/graph_widget.js``, built from the lab extension's graph module
(``labextension/src/widget.ts``), the same code that draws notebook outputs and ``.provjson`` files. Python
sends *what* to draw (the document and the ViewOptions: fold, show, highlight, zoom_to, badges, …) and never
*how*. Traits: ``doc`` (PROV-JSON), ``view`` (ViewOptions), ``view_id`` (names this view for the snapshot
handshake: a snapshot output of the same id hides itself while the widget is live), ``selected`` (the clicked
node, set by the front-end) and ``height`` (px). Until the script is built, a small fallback module says so.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import anywidget
import traitlets

STATIC = Path(__file__).resolve().parent.parent / "static"
WIDGET_JS = STATIC / "graph_widget.js"

_FALLBACK_ESM = """
function render({ model, el }) {
  const p = document.createElement("div");
  p.className = "m2p-widget-missing";
  p.textContent = "Graph view not built (mlflow2prov_jupyter/static/graph_widget.js is missing): "
    + "reinstall mlflow2prov-jupyter from its source with Node.js available.";
  el.appendChild(p);
}
export default { render };
"""


def widget_esm() -> Any:
    """The front-end module: the built script's path when present, else the fallback source."""
    return WIDGET_JS if WIDGET_JS.is_file() else _FALLBACK_ESM


class GraphWidget(anywidget.AnyWidget):
    """The graph module in a widget: click selection, search, details, view options from Python."""

    _esm = widget_esm()
    doc = traitlets.Dict().tag(sync=True)
    view = traitlets.Dict().tag(sync=True)
    view_id = traitlets.Unicode("").tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    height = traitlets.Int(620).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("view_id", uuid.uuid4().hex)
        super().__init__(**kwargs)

    @property
    def built(self) -> bool:
        """Whether the real front-end script is shipped (not the fallback)."""
        return WIDGET_JS.is_file()

    def draw(self, doc: dict[str, Any] | None, view: dict[str, Any]) -> None:
        """Replace the document (when given) and the view options in one message to the front-end."""
        with self.hold_sync():
            if doc is not None:
                self.doc = doc
            self.view = dict(view)
