"""README.md's examples run verbatim, in order, in a fresh folder, right after its first command block.

Every ```bash block is one shell session (``set -e``; ``cd`` carries over), except the install and test-suite
commands (``pip install …``, ``python -m pytest``: the package is installed already). ``mlflow2prov demo`` must
print the README's sample output; the Python example must print what its comment says.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
NOT_RUN = re.compile(r"^(pip install|python -m pytest)\b")


def shell_script() -> str:
    """The README's bash blocks, in order, as one script (install and test-suite lines left out)."""
    lines = ["set -euo pipefail"]
    for block in re.findall(r"```bash\n(.*?)```", README, re.S):
        lines += [line for line in block.splitlines() if not NOT_RUN.match(line)]
    return "\n".join(lines) + "\n"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("readme")
    script = shell_script()
    result = subprocess.run(
        ["bash", "-x", "-c", script], cwd=folder, env=_env(), capture_output=True, text=True, timeout=900
    )
    return folder, result


def test_readme_has_the_examples():
    script = shell_script()
    assert script.count("\nmlflow2prov ") >= 7 and "\ncd mlflow2prov-demo" in script
    assert "../shared" not in README and "](docs/prov-model.md)" in README


def test_every_shell_example_runs_in_order(readme_run):
    folder, result = readme_run
    assert result.returncode == 0, result.stderr[-4000:]
    demo = folder / "mlflow2prov-demo"
    for name in (
        "provenance.json",
        "full.json",
        "full.trig",
        "latest.json",
        "shared.json",
        "pipeline.json",
        "pipeline.trig",
    ):
        assert (demo / name).is_file(), name
    assert "user:mlflow/alice" in (demo / "full.json").read_text()
    assert "user:mlflow/alice" not in (demo / "shared.json").read_text()  # pseudonymized


def test_demo_prints_the_readme_sample_output(readme_run):
    folder, result = readme_run
    (sample,) = re.findall(r"```text\n(.*?)```", README, re.S)
    expected = sample.splitlines()
    printed = result.stdout.splitlines()
    assert expected[0].startswith("creating the sample project in ")
    assert printed[0] == f"creating the sample project in {folder / 'mlflow2prov-demo'} ..."
    assert printed[1 : len(expected)] == expected[1:]


def test_python_example_prints_what_it_says(readme_run):
    folder, _ = readme_run
    (code,) = [b for b in re.findall(r"```python\n(.*?)```", README, re.S) if "import extract" in b]
    said = re.search(r"print\(doc\)\s+# (.*)", code).group(1)
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder / "mlflow2prov-demo")
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    assert out.getvalue().splitlines() == [said]
