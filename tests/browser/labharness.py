"""Shared pieces of the browser tests: paths, Chromium flags, the running lab and page wrappers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BUILT = REPO / "mlflow2prov_jupyter" / "labextension"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("M2P_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EXT_NAME = "mlflow2prov-jupyter"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def installed_extension() -> bool:
    from jupyter_core.paths import jupyter_path

    return any((Path(p) / EXT_NAME / "package.json").is_file() for p in jupyter_path("labextensions"))


class Lab:
    """A running JupyterLab: `url(path)`, `root` (its root dir), `pid`."""

    def __init__(self, root: Path, port: int, proc: subprocess.Popen, log: Path):
        self.root, self.port, self.proc, self.log = root, port, proc, log

    @property
    def pid(self) -> int:
        return self.proc.pid

    def url(self, path: str = "lab") -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def write_json(self, name: str, data: Any) -> Path:
        p = self.root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(data), encoding="utf-8")
        return p


class Page:
    """A Playwright page plus what the tests check on it: JS dialogs and page errors."""

    def __init__(self, page: Any):
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path
