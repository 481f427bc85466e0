"""Document operations (docs/prov-model.md#operations): load, save, merge, transform, statistics.

Each is a plain function on the lean :class:`~mlflow2prov_jupyter.core.provdoc.ProvDoc`; user errors raise
:class:`~mlflow2prov_jupyter.core.errors.Mlflow2ProvError` subclasses with one-line messages.
"""

from __future__ import annotations

from .aliases import TransformWarning, merge_aliased_agents
from .dedupe import MergeConflictWarning, dedupe
from .formats import FORMATS, READ_FORMATS, WRITE_FORMATS, get_format
from .load import load
from .merge import merge
from .pseudonymize import depseudonymize, pseudonymize
from .save import save
from .statistics import statistics, statistics_frame, statistics_rows
from .transform import transform

__all__ = [
    "load",
    "save",
    "merge",
    "transform",
    "dedupe",
    "merge_aliased_agents",
    "pseudonymize",
    "depseudonymize",
    "statistics",
    "statistics_rows",
    "statistics_frame",
    "MergeConflictWarning",
    "TransformWarning",
    "FORMATS",
    "READ_FORMATS",
    "WRITE_FORMATS",
    "get_format",
]
