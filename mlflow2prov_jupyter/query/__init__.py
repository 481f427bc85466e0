"""Lineage questions over a :class:`~mlflow2prov_jupyter.core.provdoc.ProvDoc`.

* :func:`lineage` — the records upstream / downstream of one node, as a sub-document;
* :func:`passport` — where a model version, alias, logged model or run came from, as a card;
* :func:`diff` — elements and relations added, removed and changed between two documents;
* :func:`validate` — PROV-DM structure and PROV-CONSTRAINTS findings.

Pure functions over ``ProvDoc``: no MLflow, Git, prov or Jupyter imports.
"""

from __future__ import annotations

from .diff import Diff, diff
from .lineage import UPSTREAM, UnknownNodeError, lineage, reachable, subdocument
from .passport import Passport, UnknownReferenceError, passport
from .validate import Finding, validate

__all__ = [
    "lineage",
    "reachable",
    "subdocument",
    "UPSTREAM",
    "UnknownNodeError",
    "passport",
    "Passport",
    "UnknownReferenceError",
    "diff",
    "Diff",
    "validate",
    "Finding",
]
