"""The embedded sample ("demo") project: a small real ML project with Git history and an MLflow store.

:func:`create_sample_project` builds, in one directory, a Git repository with a deterministic history
(fixed authors, dates and contents: the same commit shas on every machine) holding a scikit-learn
training script and the wine data, then runs that script once in a subprocess against a SQLite tracking
store ``mlflow.db`` (artifacts under ``mlartifacts/``). MLflow itself tags the runs with the script and
the trained commit. The ground truth of what was created is returned as a :class:`SampleManifest` and
written to ``manifest.json``.

The calling process never imports MLflow here: its tracking URI, environment and working directory
stay untouched.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import types
import typing
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, Callable

from ..core.errors import Mlflow2ProvError

GENERATOR = "mlflow2prov-jupyter sample project"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DEFAULT_DIRECTORY = "mlflow2prov-demo"
TRAIN_SCRIPT = "src/train.py"
REGISTERED_MODEL = "wine-classifier"
TRAINING_TIMEOUT_S = 900

_ASSETS = Path(__file__).resolve().parent / "assets"


class SampleProjectError(Mlflow2ProvError):
    """The sample project cannot be created (directory in use, missing tool, failed training)."""


# --------------------------------------------------------------------------------------------- manifest


@dataclass
class SampleChange:
    """One file change of a commit relative to its first parent (git's rename detection)."""

    status: str  # added | modified | renamed | deleted
    path: str
    previous_path: str | None = None


@dataclass
class SampleCommit:
    """A commit of the sample repository."""

    sha: str
    title: str
    message: str
    author_name: str
    author_email: str
    committer_name: str
    committer_email: str
    authored_at: str
    committed_at: str
    parents: list[str] = field(default_factory=list)
    changes: list[SampleChange] = field(default_factory=list)


@dataclass
class SampleGitUser:
    """A Git identity of the sample repository."""

    name: str
    email: str


@dataclass
class SampleUsers:
    """Who appears where: Git identities and MLflow usernames (tag ``mlflow.user``)."""

    git: list[SampleGitUser] = field(default_factory=list)
    mlflow: list[str] = field(default_factory=list)

    @property
    def git_emails(self) -> list[str]:
        """The Git e-mail addresses."""
        return [u.email for u in self.git]


@dataclass
class SampleExperiment:
    """An MLflow experiment of the store (the store's Default experiment included)."""

    experiment_id: str
    name: str
    lifecycle_stage: str
    artifact_location: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class SampleDatasetInput:
    """A dataset input of a run; context is the ``mlflow.data.context`` input tag."""

    name: str
    digest: str
    context: str | None = None


@dataclass
class SampleRun:
    """An MLflow run and what it logged."""

    run_id: str
    name: str
    experiment_id: str
    status: str
    user: str | None
    parent_run_id: str | None
    deleted: bool
    commit: str | None
    source_name: str | None
    artifact_uri: str | None = None
    start_time: int | None = None
    end_time: int | None = None
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    metric_history: dict[str, list[list[float]]] = field(default_factory=dict)  # key -> [[step, value, ts]]
    datasets: list[SampleDatasetInput] = field(default_factory=list)
    logged_model_ids: list[str] = field(default_factory=list)
    input_model_ids: list[str] = field(default_factory=list)
    artifacts: list[str] = field(default_factory=list)  # file paths relative to the artifact root


@dataclass
class SampleDataset:
    """A dataset (name, digest) used by at least one run."""

    name: str
    digest: str


@dataclass
class SampleModelMetric:
    """A metric recorded on a logged model (``search_logged_models``)."""

    key: str
    value: float
    step: int
    run_id: str | None
    dataset_name: str | None = None
    dataset_digest: str | None = None


@dataclass
class SampleLoggedModel:
    """A logged model with the metrics linked to it."""

    model_id: str
    name: str
    run_id: str | None
    experiment_id: str
    metrics: list[SampleModelMetric] = field(default_factory=list)


@dataclass
class SampleModelVersion:
    """A registered model version; model_id is resolved from a ``models:/`` source if the store has none."""

    version: int
    source: str
    run_id: str | None
    model_id: str | None
    status: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class SampleRegisteredModel:
    """A registered model with its versions and aliases (alias -> version)."""

    name: str
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    versions: list[SampleModelVersion] = field(default_factory=list)
    aliases: dict[str, int] = field(default_factory=dict)


@dataclass
class SampleManifest:
    """Ground truth of a generated sample project (``manifest.json``)."""

    seed: int
    repo_path: str
    tracking_uri: str
    artifact_root: str
    train_script: str
    trained_commit: str
    branches: dict[str, str] = field(default_factory=dict)  # name -> sha
    tags: dict[str, str] = field(default_factory=dict)  # git tag -> commit sha
    commits: list[SampleCommit] = field(default_factory=list)
    users: SampleUsers = field(default_factory=SampleUsers)
    experiments: list[SampleExperiment] = field(default_factory=list)
    runs: list[SampleRun] = field(default_factory=list)
    datasets: list[SampleDataset] = field(default_factory=list)
    logged_models: list[SampleLoggedModel] = field(default_factory=list)
    registered_models: list[SampleRegisteredModel] = field(default_factory=list)
    generation_seconds: float | None = None
    generator: str = GENERATOR
    format_version: int = FORMAT_VERSION
    created: list[str] = field(
        default_factory=list
    )  # what generation made (folders end in "/"): overwrite removes only these

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict."""
        return asdict(self)

    def to_json(self) -> str:
        """The manifest as indented JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SampleManifest":
        """Rebuild a manifest from :meth:`to_dict` output."""
        return _from_dict(cls, data)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "SampleManifest":
        """Read ``manifest.json`` (or the manifest of a sample project directory)."""
        target = Path(path)
        if target.is_dir():
            target = target / MANIFEST_NAME
        try:
            data = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SampleProjectError(
                f"cannot read sample manifest {target}: {exc}; regenerate the sample project"
            ) from None
        if not isinstance(data, dict) or data.get("generator") != GENERATOR:
            raise SampleProjectError(f"{target} is not a sample project manifest; regenerate the sample project")
        if data.get("complete") is False:
            raise SampleProjectError(f"{target} belongs to an unfinished sample project; regenerate it with overwrite")
        return cls.from_dict(data)

    def run(self, name: str) -> SampleRun:
        """The run with this run name."""
        for run in self.runs:
            if run.name == name:
                return run
        raise KeyError(name)

    def commit(self, title: str) -> SampleCommit:
        """The commit with this title."""
        for commit in self.commits:
            if commit.title == title:
                return commit
        raise KeyError(title)


def _convert(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if isinstance(hint, type) and is_dataclass(hint):
        return _from_dict(hint, value)
    if origin is list and args:
        return [_convert(args[0], v) for v in value]
    if origin is dict and len(args) == 2:
        return {k: _convert(args[1], v) for k, v in value.items()}
    if origin is typing.Union or origin is types.UnionType:
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value) if len(inner) == 1 else value
    return value


def _from_dict(cls: type, data: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs = {f.name: _convert(hints[f.name], data[f.name]) for f in fields(cls) if f.name in data}
    return cls(**kwargs)


# --------------------------------------------------------------------------------------------- git side


@dataclass(frozen=True)
class _Person:
    name: str
    email: str


ANN = _Person("Ann", "ann@example.org")
BOB = _Person("Bob", "bob@example.org")
MLFLOW_USERS = ("alice", "bob")

_GITIGNORE = """\
# MLflow tracking store, artifacts and logs of local runs (not versioned)
mlflow.db
mlartifacts/
mlruns/
manifest.json
train.log
__pycache__/
"""

_README_V1 = """\
# Wine classifier

A small machine-learning project: predict the cultivar of a wine from its chemical analysis
(the UCI wine data, as bundled with scikit-learn).
"""

_README_DATA = """
## Data

`data/wine.csv`: 178 samples, 13 numeric features; the column `target` is the cultivar (0, 1 or 2).
Source: the UCI Machine Learning Repository wine data (Aeberhard & Forina, 1991, CC BY 4.0), as
bundled with scikit-learn (`sklearn.datasets.load_wine`).
"""

_README_TRAINING = """
## Training

    MLFLOW_TRACKING_URI=sqlite:///mlflow.db python src/train.py --seed 0

Runs, logged models and the registered model `wine-classifier` (alias `champion`) go to the MLflow
store `mlflow.db`, artifacts to `mlartifacts/`. Browse them with `mlflow ui --backend-store-uri
sqlite:///mlflow.db`.
"""


def _script_version(text: str, version: str, path: str) -> str:
    """The training script as it looked at an earlier commit."""
    out = text.replace('VERSION = "1.0"', f'VERSION = "{version}"').replace("python src/train.py", f"python {path}")
    if out.count(f'VERSION = "{version}"') != 1:
        raise SampleProjectError(
            "sample training script template lacks its VERSION line; reinstall mlflow2prov-jupyter"
        )
    return out


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    return env


class _Repo:
    """Minimal git CLI driver with explicit identities and dates."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.env = _git_env()
        self.commits: list[SampleCommit] = []

    def git(self, *args: str, who: tuple[_Person, str, _Person, str] | None = None) -> str:
        env = dict(self.env)
        if who is not None:
            author, authored, committer, committed = who
            env.update(
                {
                    "GIT_AUTHOR_NAME": author.name,
                    "GIT_AUTHOR_EMAIL": author.email,
                    "GIT_AUTHOR_DATE": authored,
                    "GIT_COMMITTER_NAME": committer.name,
                    "GIT_COMMITTER_EMAIL": committer.email,
                    "GIT_COMMITTER_DATE": committed,
                }
            )
        cmd = [
            "git",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
            "-c",
            "core.autocrlf=false",
            "-c",
            "gc.auto=0",
            *args,
        ]
        proc = subprocess.run(cmd, cwd=self.path, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise SampleProjectError(f"git {args[0]} failed in {self.path}: {detail}")
        return proc.stdout.strip()

    def write(self, path: str, content: str | bytes) -> None:
        target = self.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)

    def commit(
        self,
        message: str,
        author: _Person,
        authored: str,
        committer: _Person,
        committed: str,
        changes: list[SampleChange],
        merge: str | None = None,
    ) -> str:
        who = (author, authored, committer, committed)
        if merge is None:
            # Only the files of this commit: files of the user's in the folder are never committed.
            named = [c.path for c in changes] + [c.previous_path for c in changes if c.previous_path]
            paths = [p for p in dict.fromkeys(named) if os.path.lexists(self.path / p)]  # moved ones: staged by git mv
            if paths:
                self.git("add", "-A", "--", *paths)
            self.git("commit", "-q", "--allow-empty", "-m", message, who=who)
        else:
            self.git("merge", "-q", "--no-ff", "-m", message, merge, who=who)
        sha = self.git("rev-parse", "HEAD")
        parents = self.git("rev-list", "--parents", "-n", "1", sha).split()[1:]
        self.commits.append(
            SampleCommit(
                sha=sha,
                title=message.splitlines()[0],
                message=message,
                author_name=author.name,
                author_email=author.email,
                committer_name=committer.name,
                committer_email=committer.email,
                authored_at=authored,
                committed_at=committed,
                parents=parents,
                changes=changes,
            )
        )
        return sha


def _build_repository(path: Path) -> tuple[list[SampleCommit], dict[str, str], dict[str, str]]:
    """Create the deterministic Git history in ``path``; return commits, branches and tags."""
    script = (_ASSETS / "train.py").read_text(encoding="utf-8")
    repo = _Repo(path)
    repo.git("init", "-q")
    repo.git("symbolic-ref", "HEAD", "refs/heads/main")

    repo.write(".gitignore", _GITIGNORE)
    repo.write("README.md", _README_V1)
    repo.commit(
        "Add project README",
        ANN,
        "2024-05-06T09:00:00+00:00",
        ANN,
        "2024-05-06T09:00:00+00:00",
        [SampleChange("added", ".gitignore"), SampleChange("added", "README.md")],
    )

    repo.write("data/wine.csv", (_ASSETS / "wine.csv").read_bytes())
    repo.commit(
        "Add wine dataset\n\nThe UCI wine data as bundled with scikit-learn, one row per sample.",
        ANN,
        "2024-05-06T11:30:00+00:00",
        ANN,
        "2024-05-06T11:30:00+00:00",
        [SampleChange("added", "data/wine.csv")],
    )

    repo.write("src/training.py", _script_version(script, "0.1", "src/training.py"))
    repo.commit(
        "Add training script",
        BOB,
        "2024-05-07T10:15:00+00:00",
        BOB,
        "2024-05-07T10:15:00+00:00",
        [SampleChange("added", "src/training.py")],
    )

    repo.git("checkout", "-q", "-b", "rename-script")
    repo.git("mv", "src/training.py", "src/train.py")
    repo.write("src/train.py", _script_version(script, "0.2", "src/train.py"))
    repo.commit(
        "Rename training script to train.py",
        BOB,
        "2024-05-08T14:00:00+00:00",
        BOB,
        "2024-05-08T14:00:00+00:00",
        [SampleChange("renamed", "src/train.py", previous_path="src/training.py")],
    )

    repo.git("checkout", "-q", "main")
    repo.write("README.md", _README_V1 + _README_DATA)
    repo.commit(
        "Describe the data",
        ANN,
        "2024-05-08T16:45:00+00:00",
        ANN,
        "2024-05-08T16:45:00+00:00",
        [SampleChange("modified", "README.md")],
    )

    # Clean merge: its result differs from the first parent only by the rename of the side branch.
    repo.commit(
        "Merge branch 'rename-script'",
        ANN,
        "2024-05-09T09:10:00+00:00",
        ANN,
        "2024-05-09T09:10:00+00:00",
        [SampleChange("renamed", "src/train.py", previous_path="src/training.py")],
        merge="rename-script",
    )

    repo.write("src/train.py", script)
    repo.write("README.md", _README_V1 + _README_DATA + _README_TRAINING)
    trained = repo.commit(
        "Register the best model as champion\n\nThe sweep's best forest becomes the champion version of "
        "wine-classifier;\nthe baseline stays registered as challenger.",
        BOB,
        "2024-05-09T10:00:00+00:00",
        ANN,
        "2024-05-09T10:20:00+00:00",
        [SampleChange("modified", "README.md"), SampleChange("modified", "src/train.py")],
    )

    tagger = (ANN, "2024-05-09T10:30:00+00:00", ANN, "2024-05-09T10:30:00+00:00")
    repo.git("tag", "-a", "v1.0", "-m", "First trained release", trained, who=tagger)
    branches = {"main": trained, "rename-script": repo.git("rev-parse", "rename-script")}
    return repo.commits, branches, {"v1.0": trained}


# --------------------------------------------------------------------------------------------- directory


def _is_sample_project(path: Path) -> bool:
    try:
        data = json.loads((path / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("generator") == GENERATOR


def _make_writable_and_retry(func: Callable[..., Any], target: str, *_: Any) -> None:
    os.chmod(target, stat.S_IWRITE | stat.S_IREAD | stat.S_IEXEC)
    func(target)


def _prepare_directory(path: Path, overwrite: bool) -> None:
    """Make ``path`` an empty directory, or refuse with one line.

    A non-empty directory is only ever emptied with ``overwrite=True`` *and* when it holds a previous
    sample project (its ``manifest.json``): an arbitrary directory is never deleted.
    """
    if path.exists() and not path.is_dir():
        raise SampleProjectError(f"{path} exists and is not a directory; choose a new or empty directory")
    if not path.exists():
        try:
            path.mkdir(parents=True)
        except OSError as exc:
            raise SampleProjectError(f"cannot create {path}: {exc.strerror}; choose a writable location") from None
        return
    if not any(path.iterdir()):
        return
    if not _is_sample_project(path):
        raise SampleProjectError(f"{path} is not empty and holds no sample project; choose a new or empty directory")
    if not overwrite:
        raise SampleProjectError(
            f"{path} already holds a sample project; pass overwrite=True (CLI: --overwrite) to regenerate it"
        )
    _remove_sample(path)


#: What a sample project made before its manifest listed it (``created``), and the demo command's output.
_KNOWN_ITEMS = (".git/", ".gitignore", "README.md", "data/", "src/", "mlartifacts/", "mlflow.db", "train.log",
                MANIFEST_NAME)  # fmt: skip
DEMO_OUTPUT = "provenance.json"


def _remove_sample(path: Path) -> None:
    """Remove what the previous generation made (its manifest's ``created`` list) and the demo command's
    output; files the user added stay. An older manifest without the list: refuse if anything else is there."""
    try:
        created = json.loads((path / MANIFEST_NAME).read_text(encoding="utf-8")).get("created")
    except (OSError, ValueError, AttributeError):
        created = None
    if not isinstance(created, list) or not all(isinstance(c, str) for c in created):
        others = sorted(
            c.name for c in path.iterdir() if c.name not in {k.rstrip("/") for k in _KNOWN_ITEMS} | {DEMO_OUTPUT}
        )
        if others:
            raise SampleProjectError(
                f"{path} holds files the sample project did not make ({', '.join(others[:3])}); "
                "move them away or choose another directory"
            )
        created = list(_KNOWN_ITEMS)
    folders: set[Path] = set()
    for rel in [*created, DEMO_OUTPUT]:
        target = path / rel.rstrip("/")
        if not _inside(target, path):  # a manifest is data: never a path outside the directory
            continue
        if rel.endswith("/") and target.is_dir() and not target.is_symlink():
            if sys.version_info >= (3, 12):
                shutil.rmtree(target, onexc=_make_writable_and_retry)
            else:
                shutil.rmtree(target, onerror=_make_writable_and_retry)
        elif target.is_file() or target.is_symlink():
            target.unlink()
        folders.update(p for p in target.parents if _inside(p, path) and p != path)
    for folder in sorted(folders, key=lambda p: -len(p.parts)):  # emptied folders go too, deepest first
        try:
            folder.rmdir()
        except OSError:
            pass


def _inside(target: Path, root: Path) -> bool:
    try:
        return os.path.commonpath([os.path.abspath(target), os.path.abspath(root)]) == os.path.abspath(root)
    except ValueError:
        return False


def _listing(path: Path) -> set[str]:
    """Every file under ``path`` (relative), with ``.git`` and ``mlartifacts`` as one folder entry each."""
    out: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(path):
        rel = os.path.relpath(dirpath, path)
        if rel == ".":
            for d in (".git", "mlartifacts"):
                if d in dirnames:
                    dirnames.remove(d)
                    out.add(d + "/")
            rel = ""
        out.update((f"{rel}/{f}" if rel else f).replace(os.sep, "/") for f in filenames)
    return out


def _check_prerequisites() -> None:
    if shutil.which("git") is None:
        raise SampleProjectError("the git executable is not on PATH; install Git to create the sample project")
    for module, package in (("mlflow", "mlflow"), ("sklearn", "scikit-learn"), ("pandas", "pandas")):
        if importlib.util.find_spec(module) is None:
            raise SampleProjectError(f"the sample project needs {package}; install it with: pip install {package}")


# --------------------------------------------------------------------------------------------- MLflow side


def _child_env(tracking_uri: str) -> dict[str, str]:
    """The training process's environment: the caller's, minus its MLflow settings, plus the sample store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_") and not k.startswith("GIT_")}
    env.update(
        {
            "MLFLOW_TRACKING_URI": tracking_uri,
            "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "DO_NOT_TRACK": "true",
            "GIT_PYTHON_REFRESH": "quiet",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONIOENCODING": "utf-8",
        }
    )
    return env


def _run_training(path: Path, tracking_uri: str, seed: int) -> dict[str, Any]:
    """Run ``python src/train.py --seed N`` (through the driver) and return the facts it read back."""
    log_path = path / "train.log"
    with tempfile.TemporaryDirectory(prefix="m2p-sample-") as tmp:
        facts_path = Path(tmp) / "facts.json"
        cmd = [sys.executable, str(_ASSETS / "driver.py"), str(facts_path), TRAIN_SCRIPT, "--seed", str(seed)]
        with open(log_path, "wb") as log:
            try:
                proc = subprocess.run(
                    cmd,
                    cwd=path,
                    env=_child_env(tracking_uri),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=TRAINING_TIMEOUT_S,
                )
            except subprocess.TimeoutExpired:
                raise SampleProjectError(
                    f"training the sample project took over {TRAINING_TIMEOUT_S} s; see {log_path}"
                ) from None
        if proc.returncode != 0 or not facts_path.exists():
            lines = [ln.strip() for ln in log_path.read_text(encoding="utf-8", errors="replace").splitlines()]
            last = next((ln for ln in reversed(lines) if ln), "no output")
            raise SampleProjectError(
                f"training the sample project failed (exit {proc.returncode}): {last[:300]}; full log in {log_path}"
            )
        return json.loads(facts_path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------- entry point


def create_sample_project(
    directory: str | os.PathLike[str] = DEFAULT_DIRECTORY,
    *,
    seed: int = 0,
    overwrite: bool = False,
    progress: Callable[[str], None] | None = None,
) -> SampleManifest:
    """Create the sample project in ``directory`` and return (and write) its manifest.

    ``directory`` must be new or empty; a previous sample project is regenerated only with
    ``overwrite=True``. ``seed`` drives data splits and models; the Git history is the same for every
    seed. ``progress`` receives one short message per phase.
    """
    import time

    started = time.perf_counter()
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise SampleProjectError(f"seed must be an integer from 0 to {2**32 - 1}, not {seed!r}")
    say = progress or (lambda _msg: None)
    path = Path(directory).expanduser().resolve()
    _check_prerequisites()
    _prepare_directory(path, overwrite)
    users_files = _listing(path)  # left by the user: never listed as made by the sample
    # Marks the directory as a sample project at once, so that an interrupted run can be overwritten.
    stub = {"generator": GENERATOR, "format_version": FORMAT_VERSION, "complete": False}
    (path / MANIFEST_NAME).write_text(json.dumps(stub) + "\n", encoding="utf-8")

    say("creating the Git repository")
    commits, branches, tags = _build_repository(path)
    tracking_uri = "sqlite:///" + (path / "mlflow.db").as_posix()

    say("training and tracking with MLflow (one subprocess)")
    facts = _run_training(path, tracking_uri, seed)

    say("writing the manifest")
    people: dict[str, _Person] = {}
    for c in commits:
        people.setdefault(c.author_email, _Person(c.author_name, c.author_email))
        people.setdefault(c.committer_email, _Person(c.committer_name, c.committer_email))
    mlflow_users = sorted({r["user"] for r in facts["runs"] if r.get("user")})
    manifest = SampleManifest.from_dict(
        {
            "seed": seed,
            "repo_path": str(path),
            "tracking_uri": tracking_uri,
            "artifact_root": str(path / "mlartifacts"),
            "train_script": TRAIN_SCRIPT,
            "trained_commit": tags["v1.0"],
            "branches": branches,
            "tags": tags,
            "commits": [asdict(c) for c in commits],
            "users": {
                "git": [asdict(p) for p in sorted(people.values(), key=lambda p: p.email)],
                "mlflow": mlflow_users,
            },
            **facts,
        }
    )
    manifest.generation_seconds = round(time.perf_counter() - started, 2)
    manifest.created = sorted((_listing(path) - users_files) | {MANIFEST_NAME})
    (path / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
    return manifest
