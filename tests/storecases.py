"""Shared pieces of the store tests: the store backends every store test runs against, and small documents."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName
from mlflow2prov_jupyter.store.backends import close_store, open_store

BACKENDS = ["embedded"]


def store_uri_for(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, empty store of kind ``backend``."""
    if backend == "embedded":
        path = str(tmp_path / "store")
        request.addfinalizer(lambda: close_store(path))
        return path
    raise AssertionError(backend)


def all_quads(uri: str) -> set[str]:
    """Every quad of a store as text (blank nodes as the store labels them)."""
    backend = open_store(uri)
    out = set()
    for g in sorted(backend.named_graphs()):
        for s, p, o in backend.triples(g):
            out.add(f"{s} {p} {o} <{g}>")
    return out


def with_run_status(doc: ProvDoc, run_prefix: str, status: str) -> ProvDoc:
    """A copy of ``doc`` whose runs with ids starting with ``run_prefix`` have a new status."""
    out = ProvDoc.from_json(doc.to_json(), name=doc.name)
    for el in out.elements.values():
        if QName("m2p:Run") in el.types and el.id.startswith(run_prefix):
            el.attrs["m2p:status"] = status
    return out


def env_without_tracking() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MLFLOW_TRACKING_URI", None)
    return env
