"""mlflow2prov-jupyter: W3C PROV provenance graphs from Git and MLflow, in Jupyter."""

from __future__ import annotations

__version__ = "0.1.0"
