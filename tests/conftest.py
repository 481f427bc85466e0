"""Session-wide fixtures: one generated sample project and its extraction, shared by every test module."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sample_manifest(tmp_path_factory: pytest.TempPathFactory):
    """The embedded sample project (real Git repo + real SQLite MLflow store), generated once per session.

    Tests must treat it as read-only; copy it (``shutil.copytree``) before changing anything.
    """
    from mlflow2prov_jupyter.sample.project import create_sample_project

    return create_sample_project(tmp_path_factory.mktemp("sample-project") / "demo")


@pytest.fixture(scope="session")
def sample_doc(sample_manifest):
    """The full extraction of the sample project (do not modify: use ``.copy()``)."""
    from mlflow2prov_jupyter.core.extract import extract

    return extract(sample_manifest.repo_path, sample_manifest.tracking_uri)


@pytest.fixture
def sample_copy(tmp_path: Path, sample_manifest):
    """A writable copy of the sample project (its tracking URI rewritten to the copy's database)."""
    from mlflow2prov_jupyter.sample.project import SampleManifest

    dest = tmp_path / "proj"
    shutil.copytree(sample_manifest.repo_path, dest, symlinks=True)
    data = json.loads((dest / "manifest.json").read_text())
    data["repo_path"] = str(dest)
    data["tracking_uri"] = "sqlite:///" + (dest / "mlflow.db").as_posix()
    return SampleManifest.from_dict(data)
