"""Generated inputs, cached under ``bench/.cache/v<GEN_VERSION>/`` keyed by their parameters.

A folder counts as complete only once its ``meta.json`` exists (written last), so an interrupted
generation is redone on the next run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import CACHE_DIR, GEN_VERSION, REPO_ROOT
from .gitgen import RepoInfo, generate_repo
from .storegen import counts, migrate_to_sqlite


@dataclass
class StoreInfo:
    """The generated stores at one scale, with the repository their runs name."""

    scale: float
    root: str
    repo: str
    counts: dict
    uris: dict  # kind ("file" | "sqlite") -> tracking URI
    gen_seconds: dict  # what -> wall seconds (and cpu seconds under "<what>_cpu")

    def uri(self, kind: str) -> str:
        return self.uris[kind]


def cache_root(cache_dir: Path | None = None) -> Path:
    return Path(cache_dir or CACHE_DIR) / f"v{GEN_VERSION}"


def scale_key(scale: float) -> str:
    return f"{scale:g}".replace(".", "p")


def repo_size(scale: float) -> tuple[int, int]:
    """Commits and files of the repository accompanying a store of ``scale`` (S=5: 200 commits)."""
    return max(10, round(40 * scale)), max(10, round(20 * scale))


def ensure_repo(commits: int, files: int, cache_dir: Path | None = None, log=print) -> RepoInfo:
    """The cached repository of ``commits`` × ``files``, generated if missing."""
    root = cache_root(cache_dir) / f"git-{commits}x{files}"
    meta = root / "meta.json"
    if meta.exists():
        return RepoInfo.load(meta)
    shutil.rmtree(root, ignore_errors=True)
    t = time.perf_counter()
    info = generate_repo(root / "repo", commits, files)
    log(f"generated git repository: {commits} commits × {files} files in {time.perf_counter() - t:.1f} s")
    info.save(meta)
    return info


def ensure_store(
    scale: float,
    kinds: tuple[str, ...] = ("file",),
    cache_dir: Path | None = None,
    *,
    workers: int = 2,
    sqlite_mode: str = "migrate",
    log=print,
) -> StoreInfo:
    """The cached stores of ``kinds`` at ``scale``, each generated when first asked for.

    The file store is written through ``MlflowClient`` by ``workers`` parallel child processes (runs
    interleaved). The SQLite store is, with ``sqlite_mode`` "migrate", copied from the file store by
    ``mlflow migrate-filestore`` (artifacts stay in the file store's folders), or with "client" written
    through ``MlflowClient`` like the file store (one process: SQLite has one writer).
    """
    root = cache_root(cache_dir) / f"store-s{scale_key(scale)}"
    root.mkdir(parents=True, exist_ok=True)
    repo_meta = root / "repo.json"
    if not repo_meta.exists():
        shutil.rmtree(root / "repo", ignore_errors=True)
        commits, files = repo_size(scale)
        t = time.perf_counter()
        generate_repo(root / "repo", commits, files).save(root / "repo.tmp")
        (root / "repo.tmp").replace(repo_meta)
        _record(root, "git", time.perf_counter() - t, 0.0)
    if "sqlite" in kinds and sqlite_mode == "migrate":
        kinds = tuple(dict.fromkeys(("file",) + tuple(kinds)))
    for kind in kinds:
        if not (root / f"{kind}.done").exists():
            _generate(root, kind, scale, workers, sqlite_mode, log)
    repo = RepoInfo.load(repo_meta)
    uris = {}
    if (root / "file.done").exists():
        uris["file"] = (root / "mlruns").as_uri()
    if (root / "sqlite.done").exists():
        uris["sqlite"] = f"sqlite:///{root / 'mlflow.db'}"
    gen = json.loads((root / "gen.json").read_text()) if (root / "gen.json").exists() else {}
    return StoreInfo(scale, str(root), repo.path, counts(scale), uris, gen)


def _generate(root: Path, kind: str, scale: float, workers: int, sqlite_mode: str, log) -> None:
    t = time.perf_counter()
    before = _children_cpu()
    if kind == "file":
        target = root / "mlruns"
        shutil.rmtree(target, ignore_errors=True)
        _write_with_client(root, target.as_uri(), "", scale, max(1, workers))
    elif kind == "sqlite":
        db = root / "mlflow.db"
        db.unlink(missing_ok=True)
        if sqlite_mode == "migrate":
            migrate_to_sqlite(root / "mlruns", db)
        else:
            shutil.rmtree(root / "sqlite-artifacts", ignore_errors=True)
            _write_with_client(root, f"sqlite:///{db}", (root / "sqlite-artifacts").as_uri(), scale, 1)
    else:
        raise ValueError(f"unknown store kind {kind!r}")
    wall, cpu = time.perf_counter() - t, _children_cpu() - before
    _record(root, f"{kind}_store", wall, cpu)
    (root / f"{kind}.done").write_text(json.dumps({"seconds": wall, "cpu_seconds": cpu}))
    log(f"generated {kind} store at S={scale:g} ({counts(scale)['runs']} runs) in {wall:.1f} s wall, {cpu:.1f} s cpu")


def _write_with_client(root: Path, uri: str, artifact_root: str, scale: float, workers: int) -> None:
    repo_meta = str(root / "repo.json")
    if workers == 1:
        _run_child(root, ["all", uri, artifact_root, repr(scale), repo_meta, str(root / "gen-runs-0.json")])
        return
    ids_file = root / "gen-experiments.json"
    _run_child(root, ["experiments", uri, artifact_root, str(ids_file)])
    exp_ids = ",".join(json.loads(ids_file.read_text()))
    procs = [
        _spawn(
            root, ["runs", uri, exp_ids, repr(scale), repo_meta, str(w), str(workers), str(root / f"gen-runs-{w}.json")]
        )
        for w in range(workers)
    ]
    for p in procs:
        _wait(p)
    _run_child(root, ["registry", uri, exp_ids])


def child_env() -> dict[str, str]:
    """Environment for child processes: the bench and package importable, file stores allowed."""
    path = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return dict(os.environ, MLFLOW_ALLOW_FILE_STORE="true", PYTHONPATH=path)


def _spawn(root: Path, args: list[str]) -> subprocess.Popen:
    # cwd = the cache folder, so nothing MLflow might create lands in the user's working directory.
    return subprocess.Popen(
        [sys.executable, "-m", "bench.child", "genstore", *args],
        cwd=root,
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait(proc: subprocess.Popen) -> None:
    _, err = proc.communicate()
    if proc.returncode:
        raise RuntimeError(
            f"store generation failed ({' '.join(proc.args[4:6])}):\n{err.decode(errors='replace')[-3000:]}"
        )


def _run_child(root: Path, args: list[str]) -> None:
    _wait(_spawn(root, args))


def _children_cpu() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _record(root: Path, what: str, wall: float, cpu: float) -> None:
    f = root / "gen.json"
    gen = json.loads(f.read_text()) if f.exists() else {}
    gen[what] = round(wall, 3)
    gen[f"{what}_cpu"] = round(cpu, 3)
    f.write_text(json.dumps(gen))
