"""mlflow2prov-jupyter: W3C PROV provenance graphs from Git and MLflow, in Jupyter.

Public API (imported lazily, so ``import mlflow2prov_jupyter`` stays cheap)::

    from mlflow2prov_jupyter import extract, load, save, merge, transform, statistics, ProvDoc
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "ProvDoc": "mlflow2prov_jupyter.core.provdoc",
    "extract": "mlflow2prov_jupyter.core.extract",
    "create_sample_project": "mlflow2prov_jupyter.sample",
    "load": "mlflow2prov_jupyter.ops.load",
    "save": "mlflow2prov_jupyter.ops.save",
    "merge": "mlflow2prov_jupyter.ops.merge",
    "transform": "mlflow2prov_jupyter.ops.transform",
    "depseudonymize": "mlflow2prov_jupyter.ops.transform",
    "statistics": "mlflow2prov_jupyter.ops.statistics",
    "Mlflow2ProvError": "mlflow2prov_jupyter.core.errors",
}

__all__ = sorted(_LAZY) + ["load_ipython_extension", "_jupyter_labextension_paths"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mlflow2prov_jupyter' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext mlflow2prov_jupyter``: register the ``%mlflow2prov`` magics and rich display."""
    from .notebook.magics import load_ipython_extension as _load

    _load(ipython)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt extension shipped in this package."""
    return [{"src": "labextension", "dest": "mlflow2prov-jupyter"}]
