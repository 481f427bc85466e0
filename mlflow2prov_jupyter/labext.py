"""Where JupyterLab finds the prebuilt PROV graph extension and the notebook widget's ES module."""

from __future__ import annotations

from pathlib import Path

#: The npm package name of the labextension (and its folder under share/jupyter/labextensions).
LABEXTENSION_NAME = "mlflow2prov-jupyter"
#: The anywidget ES module (vis-network bundled in), built from labextension/src/widget.ts.
WIDGET_ESM = Path(__file__).parent / "static" / "graph_widget.js"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """The prebuilt extension shipped in this package (for `jupyter-builder develop`)."""
    return [{"src": "labextension", "dest": LABEXTENSION_NAME}]
