"""The notebook layer: ``%mlflow2prov`` magics, rich display of documents, the pyvis graph, the explorer.

A thin face of the verb table and the operations; the extraction core never imports this package.
Modules load lazily: ``display`` and ``graph`` need only pyvis and networkx, ``explorer`` ipywidgets and
anywidget, ``magics`` IPython.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "load_ipython_extension": "mlflow2prov_jupyter.notebook.magics",
    "Mlflow2ProvMagics": "mlflow2prov_jupyter.notebook.magics",
    "mimebundle": "mlflow2prov_jupyter.notebook.display",
    "graph_payload": "mlflow2prov_jupyter.notebook.graph",
    "to_network": "mlflow2prov_jupyter.notebook.graph",
    "Explorer": "mlflow2prov_jupyter.notebook.explorer",
    "GraphWidget": "mlflow2prov_jupyter.notebook.widget",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mlflow2prov_jupyter.notebook' has no attribute {name!r}")
    return getattr(import_module(module), name)
