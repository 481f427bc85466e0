"""Read a Git repository's history into plain records (docs/prov-model.md#git-elements).

One streaming ``git log`` pass over every walked commit (first-parent raw diffs, NUL-separated, git's default rename
detection) plus, fed with the merges as they stream by, one ``git diff-tree --stdin -c --combined-all-paths``
process that tells which paths a merge changed with respect to *every* parent and where each parent held them. A
single in-memory walk in topological order then keeps, per live commit, the map ``path -> (mode, blob, last
revision, File)``; this answers "previous revision" (``git log -1 P -- p'``) and File lineage exactly without any
per-commit or per-file git call."""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
import subprocess
import sys
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

from ..errors import SourceError
from ..gcpause import gc_paused
from ..ids import encode_path, encode_segment
from ..options import ExtractOptions
from .command import git_env, git_executable, pipes, popen_git, run_git
from .records import REF_KINDS, GitCommit, GitRef, GitRevision, GitUser

if TYPE_CHECKING:
    from tqdm import tqdm

# The walk's state of one path: (mode, blob, sha of the revision that produced it or None, File key).
_PathState = tuple[str, str, str | None, tuple[str, str]]
# A raw diff entry of git log: (status letter, old mode, new mode, old blob, new blob, path, old path | None).
_Entry = tuple[str, str, str, str, str, str, str | None]
# A path of a merge's combined diff: (result path, result mode, result blob, per parent (letter, mode, path)).
_Combined = tuple[str, str, str, tuple[tuple[str, str, str], ...]]
# A matched ref: (refname, object type, object sha, symref, the commit it peels to).
_RefRow = tuple[str, str, str, str, str | None]
# (path, blob) -> the sha of the commit that produced it, or every such sha.
_Producers = dict[tuple[str, str], str | list[str]]

# Minimum git for ``--diff-merges=first-parent`` (2.31) and ``--combined-all-paths`` (2.22).
GIT_MIN_VERSION = (2, 31)
_NULL_MODES = frozenset({"000000", "160000"})  # absent, or a submodule (skipped)
_EXCLUDED_PREFIXES = ("refs/notes/", "refs/original/")  # and refs/stash itself: never walked
_HEX = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")
_STATUS = {"A": "added", "M": "modified", "T": "modified", "R": "renamed", "D": "deleted", "C": "added"}
_TREE_CACHE_SIZE = 64


# ----------------------------------------------------------------------------------------------- history
class GitHistory:
    """Everything read from one repository; also answers the questions of the Git↔MLflow linking."""

    def __init__(
        self,
        git_dir: str,
        workdir: str | None,
        commits: dict[str, GitCommit],
        users: dict[str, GitUser],
        refs: list[GitRef],
        has_revisions: bool,
        producers: _Producers,
        git_cmd: str = "git",
        entry_points: dict[tuple[str, str], str | None] | None = None,
    ):
        self.git_dir = git_dir
        self.workdir = workdir
        self.commits = commits  # parents before children
        self.users = users
        self.refs = refs
        self.has_revisions = has_revisions
        self._producers = producers  # (path, blob) -> sha | [sha, ...]
        self._git_cmd = git_cmd
        self._trees: OrderedDict[str, tuple[dict[str, str], dict[str, list[str]]]] = OrderedDict()
        self._last_change: dict[tuple[str, str], str | None] = {}
        # (sha, source name) -> FileRevision id or None; pairs named to read_git() are resolved during its walk
        self._entry_points: dict[tuple[str, str], str | None] = dict(entry_points or {})

    def __repr__(self) -> str:
        return f"<GitHistory {self.workdir or self.git_dir}: {len(self.commits)} commits, {len(self.refs)} refs>"

    # -- linking ------------------------------------------------------------------------------------------
    def resolve_commit(self, text: str | None) -> str | None:
        """The walked commit named by a full hex sha (any case, surrounding blanks ignored), else None."""
        sha = _as_sha(text)
        return sha if sha in self.commits else None

    def entry_point_revision(self, commit_sha: str, source_name: str | None) -> str | None:
        """The FileRevision id for a run's entry point (docs/prov-model.md#entry-points), or None if unresolved."""
        if not self.has_revisions or not source_name:
            return None
        sha = self.resolve_commit(commit_sha)
        if sha is None:
            return None
        # Many runs name the same commit and script: resolve each pair once (the tree cache is small).
        key = (sha, source_name)
        if key not in self._entry_points:  # not named to read_git(): ask git for the commit's tree
            self._entry_points[key] = self._entry_point_revision(sha, source_name)
        return self._entry_points[key]

    def _entry_point_revision(self, sha: str, source_name: str) -> str | None:
        path = self.entry_point_path(sha, source_name)
        if path is None:
            return None
        blob = self._tree(sha)[0][path]
        producer = self._producer(sha, path, blob)
        return None if producer is None else revision_id(producer, path)

    def entry_point_path(self, commit_sha: str, source_name: str) -> str | None:
        """Resolve ``mlflow.source.name`` to a file path in the tree of ``commit_sha`` (None if not unique)."""
        files, by_name = self._tree(commit_sha)
        return _match_entry_point(source_name, _work_roots(self.workdir), files.__contains__, by_name.get)

    def _tree(self, sha: str) -> tuple[dict[str, str], dict[str, list[str]]]:
        """Files of commit ``sha`` (path -> blob) and a basename index; one ``git ls-tree`` per commit, cached."""
        hit = self._trees.get(sha)
        if hit is not None:
            self._trees.move_to_end(sha)
            return hit
        out = _run_git(self._git_cmd, self.git_dir, ["ls-tree", "-r", "-z", "--full-tree", sha])
        files: dict[str, str] = {}
        by_name: dict[str, list[str]] = {}
        for item in out.decode("utf-8", "surrogateescape").split("\0"):
            if not item:
                continue
            meta, _, path = item.partition("\t")
            mode, otype, blob = meta.split(" ")
            if otype != "blob":
                continue
            files[path] = blob
            by_name.setdefault(path.rsplit("/", 1)[-1], []).append(path)
        self._trees[sha] = (files, by_name)
        if len(self._trees) > _TREE_CACHE_SIZE:
            self._trees.popitem(last=False)
        return files, by_name

    def _producer(self, sha: str, path: str, blob: str) -> str | None:
        """The commit whose revision produced ``blob`` at ``path`` as seen from ``sha`` (``git log -1 sha -- path``)."""
        cands = self._producers.get((path, blob))
        if cands is None:
            return None
        if isinstance(cands, str):
            return cands
        key = (sha, path)
        if key not in self._last_change:
            found = last_change(self._git_cmd, self.git_dir, sha, path)
            self._last_change[key] = found if found in cands else None
        return self._last_change[key]


def _work_roots(workdir: str | None) -> list[str]:
    """The work tree's path as given and as resolved (absolute entry points are matched against both)."""
    roots = []
    if workdir:
        roots.append(workdir.replace("\\", "/").rstrip("/"))
        real = os.path.realpath(workdir).replace("\\", "/").rstrip("/")
        if real not in roots:
            roots.append(real)
    return [r for r in roots if r]


def _match_entry_point(
    source_name: str,
    roots: list[str],
    has_file: Callable[[str], bool],
    named: Callable[[str], list[str] | None],
) -> str | None:
    """The file ``source_name`` names in one tree (docs/prov-model.md#entry-points), or None if none or several.

    ``has_file(path)`` tells whether the tree holds ``path``; ``named(basename)`` lists the tree's paths with
    that file name. An absolute name under the work tree must match exactly; any other name picks the path
    sharing the longest tail of folders with it (an exact full match breaks a tie).
    """
    text = str(source_name).strip()
    if text[:7].lower() == "file://":
        text = text[7:]
    text = text.replace("\\", "/")
    if not text:
        return None
    norm = posixpath.normpath(text)
    if norm.startswith("/"):
        for root in roots:
            if norm.startswith(root + "/"):
                rel = norm[len(root) + 1 :]
                return rel if has_file(rel) else None
    parts = [p for p in norm.split("/") if p not in ("", ".")]
    if not parts:
        return None
    candidates = named(parts[-1])
    if not candidates:
        return None
    best, winners, exact = 0, [], None
    n = len(parts)
    for cand in candidates:
        cparts = cand.split("/")
        k = 1
        while k < len(cparts) and k < n and cparts[-k - 1] == parts[-k - 1]:
            k += 1
        if k > best:
            best, winners, exact = k, [cand], None
        elif k == best:
            winners.append(cand)
        if k == best and k == len(cparts):
            exact = cand
    if len(winners) == 1:
        return winners[0]
    return exact


def _entry_points_in_state(
    sha: str,
    names: Iterable[str],
    state: dict[str, _PathState],
    roots: list[str],
    out: dict[tuple[str, str], str | None],
) -> None:
    """Resolve entry points against the walk's state of commit ``sha`` (its tree: path -> (mode, blob, producer,
    File)); the producer is the commit ``git log -1 sha -- path`` names, so no git call is needed."""
    found: dict[str, list[str]] = {}

    def named(base: str) -> list[str]:
        hit = found.get(base)
        if hit is None:
            tail = "/" + base
            hit = found[base] = [p for p in state if p == base or p.endswith(tail)]
        return hit

    for name in names:
        path = _match_entry_point(name, roots, state.__contains__, named)
        producer = state[path][2] if path is not None else None
        out[(sha, name)] = None if producer is None or path is None else revision_id(producer, path)


def revision_id(sha: str, path: str) -> str:
    """``git:revision/<sha>/<encode_path path>``."""
    return f"git:revision/{sha}/{path_segment(path)}"


def file_id(origin_sha: str, origin_path: str) -> str:
    """``git:file/<origin sha>/<encode_path origin path>``."""
    return f"git:file/{origin_sha}/{path_segment(origin_path)}"


def commit_id(sha: str) -> str:
    return f"git:commit/{sha}"


def ref_id(target: str, refname: str) -> str:
    return f"git:ref/{target}/{path_segment(refname)}"


def path_segment(path: str) -> str:
    """:func:`encode_path` of a path; bytes git gave that are not UTF-8 are percent-encoded as the raw bytes."""
    try:
        return encode_path(path)
    except UnicodeEncodeError:
        raw = path.encode("utf-8", "surrogateescape")
        return "".join(chr(b) if chr(b) in _PATH_SAFE else f"%{b:02X}" for b in raw)


_PATH_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/")


def clean_text(text: str) -> str:
    """Text git gave as bytes that are not UTF-8 (kept as surrogates while reading) → U+FFFD replacements."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# ------------------------------------------------------------------------------------------------ reading
def read_git(
    repo_path: str | os.PathLike[str],
    options: ExtractOptions,
    progress: bool | None = None,
    entry_points: Mapping[str, Iterable[str]] | None = None,
) -> GitHistory:
    """Read the commits reachable from ``options.git_refs`` (and, with ``git_history``, their file revisions).

    ``progress``: show a tqdm bar over commits (None: ``options.progress``, else only when stderr is a TTY).
    ``entry_points``: commit sha -> the runs' ``mlflow.source.name`` values at it; these are resolved during the
    walk (no git call per commit) and answered by :meth:`GitHistory.entry_point_revision`.
    Raises :class:`SourceError` (one line) when ``repo_path`` is not a readable Git repository.
    """
    git_dir, workdir, git_cmd = _open_repo(repo_path)
    if progress is None:
        progress = options.progress
    if progress is None:
        progress = bool(getattr(sys.stderr, "isatty", lambda: False)())
    if options.git_history:
        _check_version(git_cmd, git_dir)
    users = _Users()
    tips, ref_rows = _resolve_refs(git_cmd, git_dir, options.git_refs)
    commits: dict[str, GitCommit] = {}
    producers: _Producers = {}
    resolved: dict[tuple[str, str], str | None] = {}
    if tips:
        merges = _CombinedDiffs(git_cmd, git_dir) if options.git_history else None
        with gc_paused():
            try:
                records = _read_log(git_cmd, git_dir, tips, options.git_history, users, progress, merges)
            except BaseException:
                if merges is not None:
                    merges.kill()
                raise
            combined = _parse_combined(merges.result() if merges is not None else b"")
            targets = _entry_point_targets(entry_points) if options.git_history else None
            _walk(records, combined, commits, producers, options.git_history, targets, resolved, _work_roots(workdir))
    refs = _read_refs(git_cmd, git_dir, ref_rows, commits, users)
    return GitHistory(
        git_dir,
        workdir,
        commits,
        users.by_id,
        refs,
        options.git_history,
        producers,
        git_cmd=git_cmd,
        entry_points=resolved,
    )


def _entry_point_targets(entry_points: Mapping[str, Iterable[str]] | None) -> dict[str, set[str]] | None:
    """Normalise {commit text: source names} to {lower-case sha: names}, dropping what cannot name a commit."""
    if not entry_points:
        return None
    out: dict[str, set[str]] = {}
    for text, names in entry_points.items():
        sha = _as_sha(text)
        if sha is not None:
            out.setdefault(sha, set()).update(n for n in names if n)
    return out


def _as_sha(text: str | None) -> str | None:
    """A full hex sha in lower case (any case, surrounding blanks ignored), or None if ``text`` is none."""
    if not text:
        return None
    sha = str(text).strip().lower()
    return sha if _HEX.fullmatch(sha) else None


def check_repo(repo_path: str | os.PathLike[str], options: ExtractOptions | None = None) -> None:
    """Raise :class:`SourceError` (one line) unless ``repo_path`` is a Git repository git can read (and,
    with ``options.git_history``, the installed git is new enough to read file history)."""
    git_dir, _, git_cmd = _open_repo(repo_path)
    if options is not None and options.git_history:
        _check_version(git_cmd, git_dir)


def _open_repo(repo_path: str | os.PathLike[str]) -> tuple[str, str | None, str]:
    """(git dir, work tree or None, git executable) of the repository at ``repo_path`` itself (parents are
    not searched), found by the hardened git (so git's ownership check and ``safe.directory`` apply)."""
    path = os.path.abspath(os.fspath(repo_path))
    hint = "pass --repo the folder of your project's clone"
    if not os.path.exists(path):
        raise SourceError(f"{str(repo_path)!r} does not exist; {hint}")
    if not os.path.isdir(path):
        raise SourceError(f"{str(repo_path)!r} is not a Git repository (not a folder); {hint}")
    git_cmd = git_executable()
    env = git_env()
    env["GIT_CEILING_DIRECTORIES"] = os.path.dirname(path)  # the folder itself, not a repository around it
    proc = run_git(
        ["rev-parse", "--absolute-git-dir", "--is-bare-repository", "--is-inside-work-tree"],
        cwd=path, env=env, git=git_cmd,
    )  # fmt: skip
    if proc.returncode != 0:
        text = proc.stderr.decode("utf-8", "replace")
        if "dubious ownership" in text or "not a git repository" not in text.lower():
            raise _git_error(["rev-parse"], proc.stderr)
        raise SourceError(f"{str(repo_path)!r} is not a Git repository (no .git found); {hint}")
    lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
    git_dir, bare, inside = lines[0], lines[1] == "true", lines[2] == "true"
    if inside:
        workdir: str | None = path
    elif not bare and os.path.basename(git_dir) == ".git":  # the .git folder of a work tree was named
        workdir = os.path.dirname(git_dir)
    else:
        workdir = None
    return git_dir, workdir, git_cmd


def _git_error(args: list[str], stderr: bytes | str) -> SourceError:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    fatal = next((ln for ln in lines if ln.startswith(("fatal:", "error:"))), lines[0] if lines else "")
    msg = fatal or "failed"
    hint = "check the repository with 'git status' and 'git log'"
    if "dubious ownership" in text:
        hint = "mark it safe with 'git config --global --add safe.directory <path>'"
    return SourceError(f"git {args[0]} failed: {msg}; {hint}")


def _run_git(
    git_cmd: str, git_dir: str, args: list[str], stdin: bytes | None = None, literal_pathspecs: bool = False
) -> bytes:
    proc = run_git(args, git_dir, stdin=stdin, literal_pathspecs=literal_pathspecs, git=git_cmd)
    if proc.returncode != 0:
        raise _git_error(args, proc.stderr)
    return proc.stdout


def last_change(git_cmd: str, git_dir: str, sha: str, path: str) -> str:
    """The last commit at or before ``sha`` that changed ``path`` (``git log -1``), or ``""`` when none did."""
    out = _run_git(
        git_cmd, git_dir, ["log", "-1", "--format=%H", "--no-show-signature", sha, "--", path], literal_pathspecs=True
    )
    return out.decode("ascii", "replace").strip()


_VERSION_OK: set[str] = set()


def _check_version(git_cmd: str, git_dir: str) -> None:
    if git_cmd in _VERSION_OK:
        return
    out = _run_git(git_cmd, git_dir, ["version"]).decode("ascii", "replace")
    m = re.search(r"(\d+)\.(\d+)", out)
    if m and (int(m.group(1)), int(m.group(2))) < GIT_MIN_VERSION:
        need = ".".join(map(str, GIT_MIN_VERSION))
        raise SourceError(
            f"{out.strip()} is too old to read file history; install git {need} or newer, or pass git_history=False"
        )
    _VERSION_OK.add(git_cmd)


class _CombinedDiffs:
    """``git diff-tree --stdin -c --combined-all-paths`` for the merges named while ``git log`` is being read.

    Started at the first merge; runs alongside the log, its output collected by a thread (no deadlock on a full
    pipe). For each merge it lists the paths whose result differs from every parent, with each parent's path.
    """

    ARGS = ["diff-tree", "--stdin", "-z", "-r", "-M", "-c", "--combined-all-paths", "--no-abbrev",
            "--no-color", "--no-ext-diff", "--no-textconv"]  # fmt: skip

    def __init__(self, git_cmd: str, git_dir: str):
        self._git = (git_cmd, git_dir)
        self._proc: subprocess.Popen[bytes] | None = None
        self._out: list[bytes] = []
        self._err: list[bytes] = []
        self._threads: list[threading.Thread] = []

    def add(self, sha: str) -> None:
        if self._proc is None:
            self._proc = popen_git(self.ARGS, self._git[1], git=self._git[0])
            _, stdout, stderr = pipes(self._proc)
            for stream, sink in ((stdout, self._out), (stderr, self._err)):
                t = threading.Thread(target=lambda st=stream, sk=sink: sk.append(st.read()), daemon=True)
                t.start()
                self._threads.append(t)
        try:
            pipes(self._proc)[0].write(f"{sha}\n".encode())
        except BrokenPipeError:  # git died; result() reports its stderr
            pass

    def kill(self) -> None:
        """Stop git after a failure elsewhere."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()

    def result(self) -> bytes:
        """Close the input, wait, and return the whole output (raises SourceError if git failed)."""
        if self._proc is None:
            return b""
        try:
            pipes(self._proc)[0].close()
        except BrokenPipeError:  # pragma: no cover - git died; its stderr says why
            pass
        rc = self._proc.wait()
        for t in self._threads:
            t.join()
        if rc != 0:
            raise _git_error(self.ARGS, b"".join(self._err))
        return b"".join(self._out)


def _tokens(stream: IO[bytes]) -> Iterator[str]:
    """NUL-separated tokens of a byte stream, decoded as UTF-8 (non-UTF-8 bytes kept as surrogates)."""
    rest = b""
    read = getattr(stream, "read1", stream.read)
    while True:
        chunk = read(1 << 20)
        if not chunk:
            break
        data = rest + chunk if rest else chunk
        cut = data.rfind(b"\0")
        if cut < 0:
            rest = data
            continue
        rest = data[cut + 1 :]
        yield from data[:cut].decode("utf-8", "surrogateescape").split("\0")
    if rest:
        yield rest.decode("utf-8", "surrogateescape")


class _Users:
    """Git identities keyed by normalised email (else name), with every name spelling seen."""

    def __init__(self) -> None:
        self.by_id: dict[str, GitUser] = {}
        self._cache: dict[tuple[str, str], str | None] = {}

    def key(self, name: str, email: str) -> str | None:
        raw = (name, email)
        uid = self._cache.get(raw, "")
        if uid != "":
            return uid
        n = clean_text(name).strip()
        e = clean_text(email).strip().lower()
        if e:
            uid = f"user:git/{encode_segment(e)}"
        elif n:
            uid = f"user:git-name/{encode_segment(n)}"
        else:
            uid = None
        if uid is not None:
            user = self.by_id.get(uid)
            if user is None:
                user = self.by_id[uid] = GitUser(uid, e or None)
            if n:
                user.names.add(n)
        self._cache[raw] = uid
        return uid


@dataclass(slots=True)
class _Record:
    sha: str
    parents: tuple[str, ...]
    entries: list[_Entry]  # (status letter, old mode, new mode, old blob, new blob, path, old path | None)
    commit: GitCommit


def _read_log(
    git_cmd: str,
    git_dir: str,
    tips: list[str],
    history: bool,
    users: _Users,
    progress: bool,
    merges: "_CombinedDiffs | None" = None,
) -> list[_Record]:
    args = ["log", "--stdin", "--topo-order", "--reverse", "-z", "--no-abbrev", "--no-color", "--encoding=UTF-8",
            "--format=%x01%H%x00%P%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%B"]  # fmt: skip
    if history:
        args += ["--raw", "-M", "--root", "--diff-merges=first-parent", "--no-ext-diff", "--no-textconv"]
    proc = popen_git(args, git_dir, git=git_cmd)
    stdin, stdout, stderr = pipes(proc)
    _widen_pipe(stdout)
    err_chunks: list[bytes] = []
    drain = threading.Thread(target=lambda: err_chunks.append(stderr.read()), daemon=True)
    drain.start()
    bar = None
    if progress:
        from tqdm import tqdm  # not tqdm.auto: the core never imports IPython

        bar = tqdm(desc="git commits", unit=" commits", leave=False, file=sys.stderr)
    records: list[_Record] = []
    parse_failed = False
    try:
        try:
            stdin.write(("\n".join(tips) + "\n").encode())
            stdin.close()
        except BrokenPipeError:  # git stopped early; its exit code and stderr tell why
            pass
        try:
            records = _parse_log(_tokens(stdout), users, bar, merges)
        except (StopIteration, RuntimeError, ValueError):
            parse_failed = True
    finally:
        stdout.close()
        rc = proc.wait()
        drain.join()
        if bar is not None:
            bar.close()
    if rc != 0:
        raise _git_error(args, b"".join(err_chunks))
    if parse_failed:
        raise SourceError("unexpected output of git log; check the repository with 'git log'")
    return records


def _widen_pipe(stream: IO[bytes]) -> None:
    """Let git run up to 1 MiB ahead of the parser (Linux; elsewhere a no-op)."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError, ValueError):
        pass


def _parse_log(
    tokens: Iterator[str], users: _Users, bar: tqdm[Any] | None, merges: "_CombinedDiffs | None" = None
) -> list[_Record]:
    records: list[_Record] = []
    nxt = tokens.__next__
    tok = next(tokens, None)
    n = 0
    while tok is not None:
        if not tok.startswith("\x01"):
            raise SourceError("unexpected output of git log; check the repository with 'git log'")
        sha = tok[1:]
        parents_s, an, ae, at, cn, ce, ct, message = (nxt() for _ in range(8))
        parents = tuple(parents_s.split()) if parents_s else ()
        commit = GitCommit(
            sha,
            parents,
            users.key(an, ae),
            users.key(cn, ce),
            _int(at),
            _int(ct),
            clean_text(message),
        )
        entries: list[_Entry] = []
        tok = next(tokens, None)
        while tok is not None and not tok.startswith("\x01"):
            meta = tok.lstrip("\n")
            if not meta:
                tok = next(tokens, None)
                continue
            if meta[0] != ":":
                raise SourceError("unexpected raw diff output of git log; check the repository with 'git log'")
            old_mode, new_mode, old_blob, new_blob, status = meta[1:].split(" ")
            letter = status[0]
            path = nxt()
            old_path = None
            if letter in "RC":
                old_path, path = path, nxt()
            entries.append((letter, old_mode, new_mode, old_blob, new_blob, path, old_path))
            tok = next(tokens, None)
        records.append(_Record(sha, parents, entries, commit))
        if merges is not None and entries and len(parents) > 1:
            merges.add(sha)  # a merge whose tree equals its first parent's changes no path
        n += 1
        if bar is not None and n % 256 == 0:
            bar.update(256)
    if bar is not None:
        bar.update(n % 256)
    return records


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


def _parse_combined(data: bytes) -> dict[str, list[_Combined]]:
    """``git diff-tree -c --combined-all-paths -r -z`` output → merge sha → [(result path, result mode, result
    blob, per-parent (letter, mode, path))]."""
    out: dict[str, list[_Combined]] = {}
    if not data:
        return out
    it = iter(data.decode("utf-8", "surrogateescape").split("\0"))
    cur: list[_Combined] | None = None
    for tok in it:
        if not tok:
            continue
        if not tok.startswith(":"):
            if not _HEX.fullmatch(tok):
                raise SourceError(
                    "unexpected combined diff output of git diff-tree; check the repository with 'git log'"
                )
            cur = out.setdefault(tok, [])
            continue
        if cur is None:
            raise SourceError("unexpected combined diff output of git diff-tree; check the repository with 'git log'")
        nparents = len(tok) - len(tok.lstrip(":"))
        fields = tok[nparents:].split(" ")
        modes = fields[: nparents + 1]
        blobs = fields[nparents + 1 : 2 * nparents + 2]
        letters = fields[2 * nparents + 2]
        ppaths = [next(it) for _ in range(nparents)]
        path = next(it)
        per_parent = tuple((letters[i], modes[i], ppaths[i]) for i in range(nparents))
        cur.append((path, modes[nparents], blobs[nparents], per_parent))
    return out


# ------------------------------------------------------------------------------------------------ the walk
def _walk(
    records: list[_Record],
    combined: dict[str, list[_Combined]],
    commits: dict[str, GitCommit],
    producers: _Producers,
    history: bool,
    targets: dict[str, set[str]] | None = None,
    resolved: dict[tuple[str, str], str | None] | None = None,
    roots: list[str] | None = None,
) -> None:
    """Compute revisions, previous revisions and File lineage in topological order (parents first).

    Per live commit a state ``path -> (mode, blob, sha of the revision that produced it, File key)``;
    a commit takes over its first parent's state when it is that parent's last child, else copies it.
    The entry points ``targets`` names for a commit are resolved against its state into ``resolved``.
    """
    remaining: Counter[str] = Counter()
    for rec in records:
        for p in rec.parents:
            remaining[p] += 1
    states: dict[str, dict[str, _PathState]] = {}
    empty: dict[str, _PathState] = {}
    for rec in records:
        commit = rec.commit
        commits[rec.sha] = commit
        if not history:
            continue
        parents = rec.parents
        if parents and parents[0] in states:
            p1 = parents[0]
            st = states.pop(p1) if remaining[p1] == 1 else dict(states[p1])
        else:
            st = {}
        revs: list[GitRevision] = []
        if len(parents) <= 1:
            _apply_simple(rec, st, revs)
        else:
            parent_states = [st] + [states.get(p, empty) for p in parents[1:]]
            _apply_merge(rec, st, parent_states, combined.get(rec.sha, ()), revs)
        commit.revisions = revs
        if targets is not None and resolved is not None and rec.sha in targets:
            _entry_points_in_state(rec.sha, targets[rec.sha], st, roots or [], resolved)
        for rev in revs:
            if rev.blob is not None:
                key = (rev.path, rev.blob)
                cur = producers.get(key)
                if cur is None:
                    producers[key] = rev.commit
                elif isinstance(cur, str):
                    producers[key] = [cur, rev.commit]
                else:
                    cur.append(rev.commit)
        for p in parents:
            remaining[p] -= 1
            if remaining[p] <= 0:
                states.pop(p, None)
        if remaining[rec.sha] > 0:
            states[rec.sha] = st


def _apply_simple(rec: _Record, st: dict[str, _PathState], revs: list[GitRevision]) -> None:
    """A root or single-parent commit: every raw diff entry is a revision."""
    sha = rec.sha
    removals: list[str] = []
    sets: list[tuple[str, _PathState]] = []
    for letter, old_mode, new_mode, _old_blob, new_blob, path, old_path in rec.entries:
        old_ok = old_mode not in _NULL_MODES and letter != "C"
        new_ok = new_mode not in _NULL_MODES
        if not old_ok and not new_ok:
            continue
        src = old_path if letter == "R" and old_path is not None else path
        prev = st.get(src) if old_ok else None
        if not new_ok:
            status = "deleted"
        elif not old_ok:
            status = "added"
        else:
            status = _STATUS.get(letter, "modified")
        file_key = prev[3] if prev is not None else (sha, path)
        previous = ((prev[2], src),) if prev is not None and prev[2] is not None else ()
        revs.append(
            GitRevision(
                sha,
                path,
                status,
                new_blob if new_ok else None,
                old_path if status == "renamed" else None,
                file_key,
                previous,
            )
        )
        if old_ok and (letter == "R" or not new_ok):
            removals.append(src)
        if new_ok:
            sets.append((path, (new_mode, new_blob, sha, file_key)))
    for p in removals:
        st.pop(p, None)
    for p, v in sets:
        st[p] = v


def _apply_merge(
    rec: _Record,
    st: dict[str, _PathState],
    parent_states: list[dict[str, _PathState]],
    comb: Iterable[_Combined],
    revs: list[GitRevision],
) -> None:
    """A merge: revisions for the paths differing from every parent; state updated from the first-parent diff."""
    sha = rec.sha
    changed: dict[str, GitRevision] = {}
    for path, res_mode, res_blob, per_parent in comb:
        res_ok = res_mode not in _NULL_MODES
        previous: list[tuple[str, str]] = []
        file_key = None
        p1_holds = False
        for i, (letter, mode, ppath) in enumerate(per_parent):
            if letter == "A" or mode in _NULL_MODES:
                continue
            prev = parent_states[i].get(ppath)
            if prev is None:
                continue
            if i == 0:
                p1_holds = True
            if file_key is None:
                file_key = prev[3]
            if prev[2] is not None and (prev[2], ppath) not in previous:
                previous.append((prev[2], ppath))
        if not res_ok and file_key is None:
            continue
        first = per_parent[0]
        if not res_ok:
            status = "deleted"
        elif not p1_holds:
            status = "added"
        elif first[0] == "R" and first[2] != path:
            status = "renamed"
        else:
            status = "modified"
        if file_key is None:
            file_key = (sha, path)
        rev = GitRevision(
            sha,
            path,
            status,
            res_blob if res_ok else None,
            first[2] if status == "renamed" else None,
            file_key,
            tuple(previous),
        )
        revs.append(rev)
        changed[path] = rev
    # Apply the first-parent diff: the merge's tree relative to its first parent.
    removals: list[str] = []
    sets: list[tuple[str, _PathState]] = []
    for letter, old_mode, new_mode, _old_blob, new_blob, path, old_path in rec.entries:
        old_ok = old_mode not in _NULL_MODES and letter != "C"
        new_ok = new_mode not in _NULL_MODES
        if old_ok and (letter == "R" or not new_ok):
            removals.append(old_path if letter == "R" and old_path is not None else path)
        if not new_ok:
            continue
        known = changed.get(path)
        if known is not None:
            sets.append((path, (new_mode, new_blob, sha, known.file)))
            continue
        entry = None
        for other in parent_states[1:]:
            cand = other.get(path)
            if cand is not None and cand[0] == new_mode and cand[1] == new_blob:
                entry = cand
                break
        if entry is None:  # not expected: git lists every path differing from all parents
            entry = (new_mode, new_blob, None, (sha, path))
        sets.append((path, entry))
    for p in removals:
        st.pop(p, None)
    for p, v in sets:
        st[p] = v


# ------------------------------------------------------------------------------------------------- refs
def _matches(refname: str, pattern: str) -> bool:
    """git's ``--glob`` rules (``*`` also crosses ``/``; no glob: the ref or anything under it); a pattern not
    starting with ``refs/`` is also tried under refs/heads/, refs/tags/ and refs/remotes/ (``main``, ``v1``)."""
    if pattern.startswith("refs/"):
        candidates: tuple[str, ...] = (pattern,)
    else:
        candidates = tuple(f"refs/{k}{pattern}" for k in ("", "heads/", "tags/", "remotes/"))
    for pat in candidates:
        if any(c in pat for c in "*?["):
            if fnmatch.fnmatchcase(refname, pat):
                return True
        else:
            pat = pat.rstrip("/")
            if refname == pat or refname.startswith(pat + "/"):
                return True
    return False


def _resolve_refs(git_cmd: str, git_dir: str, patterns: tuple[str, ...]) -> tuple[list[str], list[_RefRow]]:
    """Tip commits to walk and the matching ref rows (refname, object type, object sha, symref)."""
    out = _run_git(
        git_cmd,
        git_dir,
        ["for-each-ref", "--format=%(refname)%00%(objecttype)%00%(objectname)%00%(symref)"],
    ).decode("utf-8", "surrogateescape")
    rows = []
    want_head = any(p == "HEAD" for p in patterns)
    ref_patterns = [p for p in patterns if p != "HEAD"]
    for line in out.split("\n"):
        if not line:
            continue
        refname, otype, sha, symref = line.split("\0")
        if refname == "refs/stash" or refname.startswith(_EXCLUDED_PREFIXES):
            continue
        if any(_matches(refname, p) for p in ref_patterns):
            rows.append((refname, otype, sha, symref))
    # Peel every matched ref (and HEAD) to a commit with one cat-file process.
    names = [r[2] for r in rows]
    if want_head:
        names.append("HEAD")
    peeled = _peel(git_cmd, git_dir, names)
    tips: list[str] = []
    seen: set[str] = set()
    for name in names:
        c = peeled.get(name)
        if c and c not in seen:
            seen.add(c)
            tips.append(c)
    return tips, [(refname, otype, sha, symref, peeled.get(sha)) for refname, otype, sha, symref in rows]


def _cat_file_batch(git_cmd: str, git_dir: str, names: list[str], check: bool) -> list[tuple[str, str, bytes]]:
    """``git cat-file --batch[-check]`` for ``names``: (sha, type, content) per name ('' type if missing)."""
    if not names:
        return []
    data = _run_git(
        git_cmd,
        git_dir,
        ["cat-file", "--batch-check" if check else "--batch"],
        stdin=("\n".join(names) + "\n").encode(),
    )
    res: list[tuple[str, str, bytes]] = []
    pos = 0
    for _ in names:
        nl = data.index(b"\n", pos)
        header = data[pos:nl].decode("utf-8", "surrogateescape").split(" ")
        pos = nl + 1
        if len(header) >= 3 and header[-1].isdigit() and header[1] in ("commit", "tag", "tree", "blob"):
            size = int(header[2])
            content = b""
            if not check:
                content = data[pos : pos + size]
                pos += size + 1
            res.append((header[0], header[1], content))
        else:  # "<name> missing" / "ambiguous"
            res.append(("", "", b""))
    return res


def _peel(git_cmd: str, git_dir: str, names: list[str]) -> dict[str, str]:
    uniq = list(dict.fromkeys(names))
    rows = _cat_file_batch(git_cmd, git_dir, [f"{n}^{{commit}}" for n in uniq], check=True)
    return {n: sha for n, (sha, otype, _) in zip(uniq, rows) if otype == "commit"}


def _parse_ident(text: str) -> tuple[str, str, int]:
    """``Name <email> 1700000000 +0100`` → (name, email, seconds)."""
    lt = text.find("<")
    gt = text.rfind(">")
    if lt < 0 or gt < lt:
        return text.strip(), "", 0
    rest = text[gt + 1 :].split()
    return text[:lt], text[lt + 1 : gt], _int(rest[0]) if rest else 0


_SIGNATURES = ("-----BEGIN PGP SIGNATURE-----", "-----BEGIN SSH SIGNATURE-----", "-----BEGIN SIGNED MESSAGE-----")


def _read_refs(
    git_cmd: str, git_dir: str, rows: list[_RefRow], commits: dict[str, GitCommit], users: _Users
) -> list[GitRef]:
    refs: list[GitRef] = []
    tag_objects = []
    for refname, otype, sha, symref, target in rows:
        if symref or not target or target not in commits:
            continue
        kind = next((k for prefix, k in REF_KINDS if refname.startswith(prefix)), None)
        if kind is None:
            continue
        ref = GitRef(refname, kind, target)
        refs.append(ref)
        if otype == "tag":
            tag_objects.append((ref, sha))
    contents = _cat_file_batch(git_cmd, git_dir, [sha for _, sha in tag_objects], check=False)
    for (ref, _), (_, otype, content) in zip(tag_objects, contents):
        if otype != "tag":
            continue
        text = content.decode("utf-8", "surrogateescape")
        head, _, message = text.partition("\n\n")
        tagger = None
        for line in head.split("\n"):
            if line.startswith("tagger "):
                tagger = _parse_ident(line[7:])
        for marker in _SIGNATURES:
            cut = message.find(marker)
            if cut >= 0 and (cut == 0 or message[cut - 1] == "\n"):
                message = message[:cut]
                break
        ref.annotated = True
        ref.tag_message = clean_text(message)
        if tagger is not None:
            ref.tagger_id = users.key(tagger[0], tagger[1])
            ref.tagged_at = tagger[2] or None
    refs.sort(key=lambda r: r.refname)
    return refs


__all__ = [
    "GitHistory",
    "GitCommit",
    "GitRevision",
    "GitUser",
    "GitRef",
    "read_git",
    "revision_id",
    "file_id",
    "commit_id",
    "ref_id",
    "path_segment",
    "clean_text",
]
