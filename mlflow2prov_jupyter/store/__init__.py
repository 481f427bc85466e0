"""The provenance store: many projects' PROV-O in an embedded Oxigraph folder or on a SPARQL 1.1 server.

Data model: docs/store.md. No Jupyter imports here. The entry points:

* :func:`push` / :func:`load` — a document into a store as a project (only changed units replaced) and back;
* :func:`sync_project` — one sync round of a project from its Git repository and MLflow store (what the
  explorer's "Sync" button calls); :func:`watch` keeps syncing;
* :func:`run_query` — SPARQL (or a ready query) → :class:`Table` / :class:`ProvDoc`;
* :func:`linked_document` — the store's projects as one document, linked across projects.
"""

from __future__ import annotations

from .backends import StoreError, close_store, open_store
from .links import linked_document
from .push import PushResult, drop_project, load, push
from .query import Table, ready_queries, run_query
from .sync import SyncRound, sync_once, watch

sync_project = (
    sync_once  # the explorer's "Sync" button: sync_project(repo, tracking_uri, store, project=None, **extract_options)
)

__all__ = [
    "StoreError",
    "open_store",
    "close_store",
    "push",
    "load",
    "drop_project",
    "PushResult",
    "run_query",
    "ready_queries",
    "Table",
    "linked_document",
    "sync_once",
    "sync_project",
    "watch",
    "SyncRound",
]
