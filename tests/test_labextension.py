"""The JupyterLab extension package: TypeScript unit tests, wheel contents, `jupyter labextension list`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mlflow2prov_jupyter.labext import LABEXTENSION_NAME, WIDGET_ESM, _jupyter_labextension_paths

REPO = Path(__file__).resolve().parents[1]
LABEXT_SRC = REPO / "labextension"
BUILT = REPO / "mlflow2prov_jupyter" / "labextension"
SHARE = f"share/jupyter/labextensions/{LABEXTENSION_NAME}"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _run(cmd: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _jlpm() -> list[str]:
    exe = shutil.which("jlpm")
    return [exe] if exe else [sys.executable, "-c", "from jupyter_builder.jlpm import main; main()"]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_typescript_graph_module_unit_tests() -> None:
    if not (LABEXT_SRC / "node_modules" / ".bin" / "vitest").exists():
        r = _run([*_jlpm(), "install", "--immutable"], LABEXT_SRC, 600)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    r = _run([*_jlpm(), "test"], LABEXT_SRC, 300)
    out = ANSI.sub("", r.stdout + r.stderr)
    assert r.returncode == 0, out[-4000:]
    m = re.search(r"Tests\s+(\d+) passed", out)
    assert m and int(m.group(1)) >= 20, out[-2000:]
    assert "failed" not in out.split("Test Files")[-1]


def test_labextension_paths_point_at_the_built_package() -> None:
    (entry,) = _jupyter_labextension_paths()
    assert entry == {"src": "labextension", "dest": LABEXTENSION_NAME}
    pkg = json.loads((LABEXT_SRC / "package.json").read_text())
    assert pkg["name"] == LABEXTENSION_NAME
    assert pkg["jupyterlab"]["outputDir"] == "../mlflow2prov_jupyter/labextension"
    assert (LABEXT_SRC / "yarn.lock").is_file()
    assert WIDGET_ESM == REPO / "mlflow2prov_jupyter" / "static" / "graph_widget.js"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this checkout (the jupyter-builder hook builds the assets if absent).

    Built without build isolation when hatchling, hatch-jupyter-builder and jupyter-builder are installed
    (seconds), else in pip's isolated build environment (its build requirements come from PyPI).
    """
    try:
        import hatch_jupyter_builder  # noqa: F401
        import hatchling  # noqa: F401
        import jupyter_builder  # noqa: F401

        isolation = ["--no-build-isolation"]
    except ImportError:
        isolation = []
    out = tmp_path_factory.mktemp("wheel")
    r = _run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", *isolation, "-w", str(out)], REPO, 900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    (whl,) = out.glob("mlflow2prov_jupyter-*.whl")
    return whl


def test_wheel_holds_the_built_assets_exactly_once(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert len(names) == len(set(names))
    data = [n for n in names if f".data/data/{SHARE}/" in n]
    rel = sorted(n.split(f"/{SHARE}/", 1)[1] for n in data)
    built = sorted(p.relative_to(BUILT).as_posix() for p in BUILT.rglob("*") if p.is_file())
    assert rel == sorted(built + ["install.json"])
    # Nowhere else: not as package data inside mlflow2prov_jupyter/.
    assert not [n for n in names if n.startswith("mlflow2prov_jupyter/labextension/")]
    assert sum(1 for n in names if re.search(r"/remoteEntry\.[0-9a-f]+\.js$", n)) == 1
    assert sum(1 for n in names if n.endswith("static/style.js")) == 1
    assert names.count("mlflow2prov_jupyter/static/graph_widget.js") == 1
    z = zipfile.ZipFile(wheel)
    pkg = json.loads(z.read(next(n for n in data if n.endswith(f"{SHARE}/package.json"))))
    assert pkg["name"] == LABEXTENSION_NAME
    assert pkg["jupyterlab"]["mimeExtension"] and pkg["jupyterlab"]["extension"]
    load = pkg["jupyterlab"]["_build"]["load"]
    assert any(n.endswith(f"{SHARE}/{load}") for n in data)
    install = json.loads(z.read(next(n for n in data if n.endswith("install.json"))))
    assert install["packageName"] == "mlflow2prov-jupyter"
    widget = z.read("mlflow2prov_jupyter/static/graph_widget.js").decode()
    assert re.search(r"export\s*\{[^}]*as default\s*\}", widget)
    # Self-contained: vis-network, dagre and the view's CSS bundled, nothing imported or fetched.
    assert "vis-network" in widget and ".m2p-view-details" in widget
    assert not re.search(r"(^|[;}\s])import\s*[\w{*\"'(]", widget)
    assert not re.search(r"https?://(?!github\.com/zloirock)[\w.-]+/[\w./-]*\.(js|css|mjs)", widget)
    # The offline page's bundle: one IIFE defining window.mlflow2provView, same self-containment.
    assert names.count("mlflow2prov_jupyter/static/prov_view.js") == 1
    offline = z.read("mlflow2prov_jupyter/static/prov_view.js").decode()
    assert (
        re.match(r"(\"use strict\";)?\(\(\)=>\{", offline)
        and "mlflow2provView" in offline
        and ".m2p-view-details" in offline
    )
    assert not re.search(r"(^|[;}\s])(import|export)\s*[\w{*\"'(]", offline)
    assert not re.search(r"https?://(?!github\.com/zloirock)[\w.-]+/[\w./-]*\.(js|css|mjs)", offline)


def _labextension_list(env: dict[str, str]) -> str:
    r = _run([sys.executable, "-m", "jupyter", "labextension", "list"], REPO, 120, env)
    return ANSI.sub("", r.stdout + r.stderr)


def test_jupyter_labextension_list_shows_it_enabled_after_install(wheel: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    # --ignore-installed: else pip removes the package from the running environment (an editable
    # install, say) before installing it under the prefix
    r = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--ignore-installed",
            "--prefix",
            str(prefix),
            str(wheel),
        ],
        REPO,
        300,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    installed = prefix / SHARE
    assert (installed / "package.json").is_file() and (installed / "install.json").is_file()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(
        JUPYTER_PATH=str(prefix / "share" / "jupyter"),
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
    )
    out = _labextension_list(env)
    line = next((ln for ln in out.splitlines() if LABEXTENSION_NAME in ln and "v0." in ln), "")
    assert re.search(rf"{LABEXTENSION_NAME} v[\d.]+ enabled\s+OK \(python, mlflow2prov-jupyter\)", line), out


def test_installed_package_extension_is_enabled() -> None:
    """Where the package itself is installed (`pip install .`), its extension is listed enabled."""
    from jupyter_core.paths import jupyter_path

    dirs = [Path(p) / LABEXTENSION_NAME for p in jupyter_path("labextensions")]
    if not any((d / "package.json").is_file() for d in dirs):
        if IN_CI and os.environ.get("M2P_EXPECT_INSTALLED") == "1":
            pytest.fail("mlflow2prov-jupyter's labextension is not installed in this environment")
        pytest.skip("the package's labextension is not installed in this environment (pip install .)")
    out = _labextension_list(dict(os.environ))
    assert re.search(rf"{LABEXTENSION_NAME} v[\d.]+ enabled\s+OK", out), out
