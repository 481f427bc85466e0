"""The notebook layer: ``%mlflow2prov`` magics, rich display of documents, the explorer, ``to_pyvis``.

A thin face of the verb table and the operations; the extraction core never imports this package.
Modules load lazily: ``display`` needs nothing beyond the core, ``pyvis_view`` pyvis, ``explorer``
ipywidgets and anywidget, ``magics`` IPython. The graph itself is drawn by the JupyterLab extension's graph
module (``labextension/src/graph/``) in every face; Python only says what to show.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "load_ipython_extension": "mlflow2prov_jupyter.notebook.magics",
    "Mlflow2ProvMagics": "mlflow2prov_jupyter.notebook.magics",
    "mimebundle": "mlflow2prov_jupyter.notebook.display",
    "graph": "mlflow2prov_jupyter.notebook.display",
    "to_pyvis": "mlflow2prov_jupyter.notebook.pyvis_view",
    "Explorer": "mlflow2prov_jupyter.notebook.explorer",
    "GraphWidget": "mlflow2prov_jupyter.notebook.widget",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mlflow2prov_jupyter.notebook' has no attribute {name!r}")
    return getattr(import_module(module), name)
