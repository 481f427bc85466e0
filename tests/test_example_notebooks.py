"""The example notebooks (issue 6, and 05_model_passport of issue 8) run top to bottom in a fresh kernel.

Each notebook is copied into its own temporary folder and executed there with nbclient in a new
``python3`` kernel whose ``PYTHONPATH`` holds the repository root. ``01_quickstart`` builds the sample
project itself, as a new user would; the others copy the session's pre-built sample project, which the test
names in ``M2P_SAMPLE_DIR`` (set ``M2P_NOTEBOOKS_STANDALONE=1`` to let every notebook build its own). Besides
"no cell fails", each test checks the facts its notebook states against the files it wrote, and that it
finished in under 90 seconds (``M2P_NOTEBOOK_TIME_LIMIT`` overrides the limit on a slow shared machine).
The committed notebooks must carry no outputs.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from mlflow2prov_jupyter.core.provdoc import ProvDoc  # noqa: E402
from mlflow2prov_jupyter.ops.load import load  # noqa: E402
from mlflow2prov_jupyter.sample.project import SampleManifest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "example_notebooks"
NAMES = (
    "01_quickstart",
    "02_prov_primer",
    "03_merge_and_privacy",
    "04_from_the_command_line",
    "05_model_passport",
    "06_team_store",
)
TIME_LIMIT_S = float(os.environ.get("M2P_NOTEBOOK_TIME_LIMIT", "90"))
CELL_TIMEOUT_S = 600
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
TIMINGS: dict[str, float] = {}


@dataclass
class Executed:
    """An executed notebook: the notebook with its outputs, the folder it ran in, its wall time."""

    name: str
    nb: Any
    folder: Path
    seconds: float

    def cells_with(self, text: str) -> list[Any]:
        """Code cells whose source contains ``text``."""
        return [c for c in self.nb.cells if c.cell_type == "code" and text in c.source]

    def output_text(self, cells: list[Any] | None = None) -> str:
        """Printed text and text/plain results of ``cells`` (default: every code cell)."""
        parts: list[str] = []
        for cell in cells if cells is not None else [c for c in self.nb.cells if c.cell_type == "code"]:
            for out in cell.get("outputs", []):
                if out.output_type == "stream":
                    parts.append(out.text)
                elif out.output_type in ("execute_result", "display_data"):
                    parts.append(out.get("data", {}).get("text/plain", ""))
        return "\n".join(parts)

    def mimes(self, cells: list[Any]) -> set[str]:
        """MIME types of the rich outputs of ``cells``."""
        return {m for c in cells for o in c.get("outputs", []) for m in o.get("data", {})}


def kernel_env(sample_dir: str | None) -> dict[str, str]:
    """The kernel's environment: this one without MLflow settings, the package importable, no telemetry."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MLFLOW_") and k not in ("M2P_SAMPLE_DIR", "M2P_PSEUDONYM_KEY")
    }
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    env["DO_NOT_TRACK"] = "true"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if sample_dir:
        env["M2P_SAMPLE_DIR"] = sample_dir
    return env


def execute(name: str, folder: Path, sample_dir: str | None) -> Executed:
    """Copy ``name`` into ``folder`` and run it there in a fresh kernel; a failing cell fails the test."""
    from nbclient.exceptions import CellExecutionError

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    shutil.copy(NOTEBOOKS / path.name, path)
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    started = time.monotonic()
    try:
        client.execute(env=kernel_env(sample_dir))
    except CellExecutionError as exc:
        pytest.fail(f"{name} failed in a cell:\n{exc}", pytrace=False)
    seconds = time.monotonic() - started
    nbformat.write(nb, folder / f"{name}.executed.ipynb")  # kept for a look when a check below fails
    TIMINGS[name] = seconds
    print(f"{name}: {seconds:.1f} s")
    return Executed(name, nb, folder, seconds)


@pytest.fixture(scope="module")
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Executed]:
    """Execute a notebook once per module (01 builds the sample project; the others share the session's)."""
    done: dict[str, Executed] = {}
    standalone = os.environ.get("M2P_NOTEBOOKS_STANDALONE") == "1"

    def go(name: str) -> Executed:
        if name not in done:
            sample_dir = None
            if name != "01_quickstart" and not standalone:
                sample_dir = request.getfixturevalue("sample_manifest").repo_path
            done[name] = execute(name, tmp_path_factory.mktemp(name), sample_dir)
        return done[name]

    return go


def check_common(ex: Executed) -> None:
    """What every notebook must do: finish in time, leave no MLflow store in its working folder."""
    assert ex.seconds < TIME_LIMIT_S, f"{ex.name} took {ex.seconds:.1f} s, the limit is {TIME_LIMIT_S:.0f} s"
    for stray in ("mlruns", "mlflow.db"):
        assert not (ex.folder / stray).exists(), f"{ex.name} left {stray} in its working folder"
    errors = [o for c in ex.nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    # a failing %mlflow2prov line prints "Error: ..." to stderr instead of raising
    stderr = "".join(
        o.text
        for c in ex.nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "stream" and o.name == "stderr"
    )
    assert "Traceback" not in stderr and "Error:" not in stderr, stderr[-2000:]


def sample_of(ex: Executed) -> SampleManifest:
    """The manifest of the sample project the notebook used (in its folder)."""
    return SampleManifest.load(ex.folder / "mlflow2prov-demo")


def agents(doc: ProvDoc) -> list[str]:
    return sorted(e.id for e in doc.elements.values() if e.kind == "agent")


# ----------------------------------------------------------------------------------------- committed files
def test_committed_notebooks_are_valid_and_have_no_outputs() -> None:
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES), "a new notebook needs its test here"
    for name in NAMES:
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        nbformat.validate(nb)
        assert nb.metadata["kernelspec"]["name"] == "python3", name
        assert "widgets" not in nb.metadata, f"{name}: widget state committed"
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code, name
        for cell in code:
            assert cell.outputs == [], f"{name}: outputs committed in cell {cell.source[:60]!r}"
            assert cell.execution_count is None, f"{name}: execution count committed in cell {cell.source[:60]!r}"
        assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), f"{name}: needs a title"


def test_readme_of_the_folder_names_every_notebook() -> None:
    text = (NOTEBOOKS / "README.md").read_text(encoding="utf-8")
    for name in NAMES:
        assert f"{name}.ipynb" in text, name


# ----------------------------------------------------------------------------------------------- notebooks
def test_01_quickstart(run: Callable[[str], Executed]) -> None:
    ex = run("01_quickstart")
    check_common(ex)
    manifest = sample_of(ex)  # built by the notebook itself
    saved = load(ex.folder / "output" / "quickstart.json")
    runs = list(saved.of_type("m2p:Run"))
    assert {r.get("m2p:run_id") for r in runs} == {r.run_id for r in manifest.runs}
    assert f"The graph holds {len(manifest.runs)} runs, as many as the sample project created." in ex.output_text()
    assert len(list(saved.of_type("m2p:Commit"))) == len(manifest.commits)
    # the Python API's extraction saved byte-identical PROV-JSON; PROV-N written too
    out = ex.folder / "output"
    assert (out / "quickstart-api.json").read_bytes() == (out / "quickstart.json").read_bytes()
    assert "alias/champion" in (out / "quickstart.provn").read_text(encoding="utf-8")
    # the document displayed itself (HTML graph), the explorer opened as a widget
    assert "text/html" in ex.mimes([c for c in ex.nb.cells if c.cell_type == "code" and c.source.strip() == "doc"])
    assert WIDGET_MIME in ex.mimes(ex.cells_with("%mlflow2prov show doc"))
    assert "byte-identical PROV-JSON: True" in ex.output_text()


def test_02_prov_primer(run: Callable[[str], Executed]) -> None:
    ex = run("02_prov_primer")
    check_common(ex)
    text = ex.output_text()
    for k in range(1, 6):
        assert f"Exercise {k}: correct" in text
    manifest = sample_of(ex)
    # the answers shown are the ground truth of the sample project
    rename = manifest.commit("Rename training script to train.py")
    assert repr(rename.changes[0].previous_path) in ex.output_text(ex.cells_with("answer_1 = "))
    assert repr(rename.author_email) in ex.output_text(ex.cells_with("answer_2 = "))
    champion = manifest.registered_models[0]
    version = next(v for v in champion.versions if v.version == champion.aliases["champion"])
    assert version.run_id in ex.output_text(ex.cells_with("answer_5 = "))
    # each lesson's subgraph was drawn
    for var in ("one_commit", "inputs", "chain"):
        cells = [c for c in ex.nb.cells if c.cell_type == "code" and c.source.rstrip().endswith(f"\n{var}")]
        assert cells and "text/html" in ex.mimes(cells), var


def test_03_merge_and_privacy(run: Callable[[str], Executed]) -> None:
    from mlflow2prov_jupyter.ops.pseudonymize import depseudonymize

    ex = run("03_merge_and_privacy")
    check_common(ex)
    text = ex.output_text()
    assert "equals the full extraction: True" in text
    assert (
        "cannot merge: 4 conflicts" in text
        and "mlflow:experiment/1/creation (activity): prov:startTime differs" in text
    )
    assert "mlflow_1:experiment/1    wine-knn" in text
    out = ex.folder / "output"
    manifest = sample_of(ex)
    # no clear name, e-mail or username in the shared bytes; only pseudonymous agents
    data = (out / "shared.json").read_bytes()
    clear = {u.name for u in manifest.users.git} | set(manifest.users.git_emails) | set(manifest.users.mlflow)
    assert clear and not [w for w in clear if re.search(rb"\b" + re.escape(w.encode()) + rb"\b", data)]
    shared = load(out / "shared.json")
    assert len(agents(shared)) == 2 and all(a.startswith("user:pseudonym/") for a in agents(shared))
    mapping = out / "pseudonyms.json"
    if os.name == "posix":
        assert mapping.stat().st_mode & 0o777 == 0o600
    assert agents(depseudonymize(shared, mapping)) == ["user:person/ann%40example.org", "user:person/bob%40example.org"]
    assert "restored equals the document before pseudonymization: True" in text


def test_04_from_the_command_line(run: Callable[[str], Executed], request: pytest.FixtureRequest) -> None:
    from mlflow2prov_jupyter.ops.transform import transform

    ex = run("04_from_the_command_line")
    check_common(ex)
    out = ex.folder / "output"
    files = [(out / f"{n}.json").read_bytes() for n in ("cli", "yaml", "python")]
    assert files[0] == files[1] == files[2]
    text = ex.output_text()
    assert "output/pipeline.yaml: 4 valid steps (extract, transform, save, statistics)" in text
    assert "Error: MLflow database no-such-folder/mlflow.db does not exist" in text
    assert "byte-identical" in text
    if os.environ.get("M2P_NOTEBOOKS_STANDALONE") != "1":
        # the notebook's copy of the session sample project gives what the Python API gives on the original
        sample_doc = request.getfixturevalue("sample_doc")
        assert load(out / "cli.json") == transform(sample_doc, pseudonymize=True, key="course-demo-key")


def test_05_model_passport(run: Callable[[str], Executed]) -> None:
    from mlflow2prov_jupyter.query import diff, passport

    ex = run("05_model_passport")
    check_common(ex)
    manifest = sample_of(ex)
    registry = manifest.registered_models[0]
    champion = next(v for v in registry.versions if v.version == registry.aliases["champion"])
    text = ex.output_text()
    assert f"trained by run {manifest.run('rf-40-trees').name}" in text
    assert "m2p-passport" in "".join(
        o.get("data", {}).get("text/html", "") for c in ex.cells_with("%mlflow2prov passport doc") for o in c.outputs
    )
    out = ex.folder / "output"
    before, after = load(out / "before.json"), load(out / "after.json")
    assert passport(before, "models:/wine-classifier@champion").run["run_id"] == champion.run_id
    d = diff(before, after)
    (new_run,) = [e for e in d.added if e.startswith("mlflow:run/") and e.count("/") == 1]
    assert d.removed == [] and d.changed == [] and d.relations_removed == [] and d.relations_changed == []
    assert all(e.startswith(new_run) for e in d.added) and len(d.added) == 7
    assert text.count("exit code: 1") == 2  # diff found differences; validate found errors
    assert "informant-after-informed" in text
    assert WIDGET_MIME in ex.mimes(ex.cells_with("%mlflow2prov show doc after"))
    # the extra run went into the copy only
    assert count_runs(ex.folder / "mlflow2prov-demo" / "mlflow.db") == len(manifest.runs)
    assert count_runs(out / "demo-tomorrow" / "mlflow.db") == len(manifest.runs) + 1


def count_runs(db: Path) -> int:
    """Rows of an MLflow SQLite store's runs table (read-only)."""
    import sqlite3

    con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return con.execute("SELECT count(*) FROM runs").fetchone()[0]
    finally:
        con.close()


def test_06_team_store(run: Callable[[str], Executed]) -> None:
    from mlflow2prov_jupyter.store import close_store, run_query
    from mlflow2prov_jupyter.store import load as load_store

    ex = run("06_team_store")
    check_common(ex)
    text = ex.output_text()
    for name in ("data-prep", "forest-team", "linear-team"):
        assert f"sync {name}: " in text and "units added, 0 replaced, 0 removed, 0 unchanged" in text
    assert "sync forest-team: no change in the sources" in text
    synced = [line for line in text.splitlines() if line.startswith("sync forest-team: ")]
    # the one new run: an incremental round (it re-reads what changed within the 5-minute margin) adds its unit
    assert any(
        line.startswith("sync forest-team: incremental (") and "; 1 units added, 0 replaced, 0 removed (" in line
        for line in synced
    ), "\n".join(synced)
    assert "the lineage reaches data-prep's clean-wine run: True" in text
    assert "comes from project data-prep: artifact data/wine-clean.csv, generated by run clean-wine" in text
    assert "{'data-prep': 4, 'forest-team': 4, 'linear-team': 4}" in text
    store = str(ex.folder / "output" / "team-store")
    try:
        docs = {d.name: d for d in load_store(store)}
        assert set(docs) == {"data-prep", "forest-team", "linear-team"}
        runs = {
            n: sorted(e.get("m2p:name") for e in d.elements.values() if e.get("m2p:run_id") and e.id.count("/") == 1)
            for n, d in docs.items()
        }
        assert (
            "forest-v2" in runs["forest-team"]
            and "clean-wine" in runs["data-prep"]
            and "linear-v1" in runs["linear-team"]
        )
        people = run_query(store, "runs-per-person").records()
        assert {r["project"] for r in people} == set(docs)
    finally:
        close_store(store)
