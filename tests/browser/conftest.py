"""Fixtures for the browser tests: a real `jupyter lab` on 127.0.0.1 and headless Debian Chromium.

The lab runs in a temporary root directory with its own Jupyter config/data/runtime dirs; the extension is
taken from this checkout's build output (`mlflow2prov_jupyter/labextension`, via JUPYTER_PATH), else from an
installed package. It is stopped by its pid. Chromium is `/usr/bin/chromium` (.ci/install-browser.sh);
Playwright never downloads a browser. Under CI (``CI`` set) a missing browser fails the tests instead of
skipping them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest
from labharness import BUILT, CHROMIUM, CHROMIUM_ARGS, EXT_NAME, REPO, Lab, Page, free_port, installed_extension


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    base = tmp_path_factory.mktemp("lab")
    root, home = base / "root", base / "home"
    root.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTER_PLATFORM_DIRS="1",
        IPYTHONDIR=str(home / "ipython"),
        # Kernels import this checkout's package (the widget test).
        PYTHONPATH=os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]),
    )
    # No "official Jupyter news?" toast over the page.
    notif = home / "config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    notif.mkdir(parents=True)
    (notif / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    if (BUILT / "package.json").is_file():
        share = home / "share" / "jupyter"
        (share / "labextensions").mkdir(parents=True)
        (share / "labextensions" / EXT_NAME).symlink_to(BUILT, target_is_directory=True)
        env["JUPYTER_PATH"] = str(share)
    elif not installed_extension():
        _unavailable("the labextension is not built (cd labextension && jlpm install && jlpm build:prod)")
    port = free_port()
    log = base / "lab.log"
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    logf = log.open("wb")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
    lab = Lab(root, port, proc, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"jupyter lab exited ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}"
                )
            try:
                with urllib.request.urlopen(lab.url("api/status"), timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"jupyter lab did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        yield lab
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        logf.close()


def _unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail under CI, where a green run must mean the browser tests ran."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} missing (run .ci/install-browser.sh)")
    try:
        import playwright.sync_api as playwright_api
    except ImportError:
        _unavailable("the Python package playwright is missing (run .ci/install-browser.sh)")
    pw = playwright_api.sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    try:
        yield browser
    finally:
        browser.close()
        pw.stop()


@pytest.fixture
def page(chromium: Any) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1500, "height": 950})
    context.set_default_timeout(60_000)
    p = Page(context.new_page())
    try:
        yield p
    finally:
        context.close()
