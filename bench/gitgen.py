"""Git repository generator: ``commits`` commits over about ``files`` files, written with ``git fast-import``.

The history is deterministic (fixed dates, names and contents ⇒ the same shas on every machine): a root
commit adding every file, then mostly small edits on ``main``, with side branches merged back (clean
merges), pure renames, additions and deletions, lightweight and annotated tags, a remote-tracking branch
and a committer different from the author now and then. ``src/train.py`` exists in every commit and is
edited every tenth commit; it is the entry point the generated MLflow runs name.
"""

from __future__ import annotations

import json
import random
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

ENTRY_POINT = "src/train.py"
_BASE_TIME = 1_600_000_000  # 2020-09-13
_PEOPLE = (
    ("Ann Example", "ann@example.org"),
    ("Bob Builder", "bob@example.org"),
    ("Cleo Coder", "cleo@example.org"),
    ("Dan Dev", "dan@example.org"),
)


@dataclass
class RepoInfo:
    """A generated repository: its work tree path and the shas of its commits in creation order."""

    path: str
    commits: int
    files: int
    shas: list[str]
    merges: int = 0
    renames: int = 0

    def save(self, meta: Path) -> None:
        meta.write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, meta: Path) -> "RepoInfo":
        return cls(**json.loads(meta.read_text()))


def _content(origin: int, version: int) -> bytes:
    """Eight lines unique to the file's origin; one line changes per version (renames stay detectable)."""
    lines = [f"# module {origin}\n"]
    for k in range(7):
        v = version if k == version % 7 else 0
        lines.append(f"value_{origin}_{k} = {v}  # line {k} of module {origin}\n")
    return "".join(lines).encode()


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


class _Writer:
    """Builds the fast-import stream."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def commit(
        self,
        ref: str,
        mark: int,
        when: int,
        author: tuple[str, str],
        committer: tuple[str, str],
        message: str,
        parents: list[int],
        changes: list[bytes],
    ) -> None:
        p = self.parts
        p.append(b"commit %s\nmark :%d\n" % (ref.encode(), mark))
        p.append(f"author {author[0]} <{author[1]}> {when} +0000\n".encode())
        p.append(f"committer {committer[0]} <{committer[1]}> {when + 30} +0000\n".encode())
        p.append(_data(message.encode()))
        if parents:
            p.append(b"from :%d\n" % parents[0])
            for q in parents[1:]:
                p.append(b"merge :%d\n" % q)
        p.extend(changes)
        p.append(b"\n")

    def reset(self, ref: str, mark: int) -> None:
        self.parts.append(b"reset %s\nfrom :%d\n\n" % (ref.encode(), mark))

    def annotated_tag(self, name: str, mark: int, when: int, tagger: tuple[str, str], message: str) -> None:
        self.parts.append(b"tag %s\nfrom :%d\n" % (name.encode(), mark))
        self.parts.append(f"tagger {tagger[0]} <{tagger[1]}> {when} +0000\n".encode())
        self.parts.append(_data(message.encode()))

    def stream(self) -> bytes:
        return b"".join(self.parts) + b"done\n"


def _modify(path: str, payload: bytes) -> bytes:
    return b"M 100644 inline " + path.encode() + b"\n" + _data(payload)


def generate_repo(path: Path, commits: int, files: int, *, seed: int = 7) -> RepoInfo:
    """Write a repository of ``commits`` commits (≥ 1) and about ``files`` files (≥ 2) at ``path``."""
    commits = max(1, int(commits))
    files = max(2, int(files))
    rng = random.Random(seed)
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    _git(path, "init", "-q", "-b", "main")
    _git(path, "config", "user.name", "bench")
    _git(path, "config", "user.email", "bench@example.org")

    # tree: path -> (origin, version); origins are unique ints, so contents never collide.
    tree: dict[str, tuple[int, int]] = {}
    paths = ["README.md", ENTRY_POINT] + [f"src/pkg{i // 50}/mod{i}.py" for i in range(files - 2)]
    for origin, p in enumerate(paths):
        tree[p] = (origin, 0)
    next_origin = len(paths)

    w = _Writer()
    mark = 0
    main_tip = 0
    merges = renames = 0
    side: dict | None = None  # {"tip", "tree", "reserved", "done", "since"}
    merge_every = 25 if commits >= 50 else max(4, commits // 3)
    side_len = 3 if commits >= 50 else 1

    def person(n: int) -> tuple[str, str]:
        return _PEOPLE[n % len(_PEOPLE)]

    def when(n: int) -> int:
        return _BASE_TIME + n * 3600

    # root commit
    mark += 1
    w.commit(
        "refs/heads/main",
        mark,
        when(0),
        person(0),
        person(0),
        "Initial import\n",
        [],
        [_modify(p, _content(o, v)) for p, (o, v) in tree.items()],
    )
    main_tip = mark
    editable = [p for p in tree if p != ENTRY_POINT]

    while mark < commits:
        n = mark  # index of the commit being written
        author = person(n)
        committer = person(n + 1) if n % 50 == 7 else author
        if side is None and n % merge_every == 0 and commits - mark > side_len + 3:
            reserved = set(rng.sample(editable, min(4, len(editable) - 1)))
            side = {"tip": main_tip, "tree": dict(tree), "reserved": reserved, "done": 0, "since": 0}
        if side is not None and side["done"] < side_len and n % 2 == 1:
            # a commit on the side branch: edit reserved files only
            st = side["tree"]
            changes = []
            for p in sorted(side["reserved"]):
                if rng.random() < 0.7 or not changes:
                    o, v = st[p]
                    st[p] = (o, v + 1)
                    changes.append(_modify(p, _content(o, v + 1)))
            mark += 1
            w.commit(
                "refs/heads/side",
                mark,
                when(n),
                author,
                committer,
                f"Side work {n}\n\nDetails of {n}.\n",
                [side["tip"]],
                changes,
            )
            side["tip"] = mark
            side["done"] += 1
            continue
        if side is not None and side["done"] >= side_len and side["since"] >= 2:
            # clean merge: main's tree plus the side branch's versions of the reserved files
            changes = []
            for p in sorted(side["reserved"]):
                if side["tree"][p] != tree.get(p):
                    tree[p] = side["tree"][p]
                    changes.append(_modify(p, _content(*tree[p])))
            mark += 1
            w.commit(
                "refs/heads/main",
                mark,
                when(n),
                author,
                committer,
                f"Merge branch 'side' ({n})\n",
                [main_tip, side["tip"]],
                changes,
            )
            main_tip = mark
            merges += 1
            side = None
            continue
        # a commit on main
        reserved = side["reserved"] if side else set()
        changes = []
        candidates = [p for p in rng.sample(editable, min(6, len(editable))) if p not in reserved]
        if n % 10 == 0:
            candidates.insert(0, ENTRY_POINT)
        for p in candidates[:3]:
            o, v = tree[p]
            tree[p] = (o, v + 1)
            changes.append(_modify(p, _content(o, v + 1)))
        if n % 40 == 5 and candidates[3:]:
            old = candidates[3]
            stem = old.rsplit(".", 1)[0]
            new = f"{stem}_r{n}.py"
            tree[new] = tree.pop(old)
            editable[editable.index(old)] = new
            changes.append(f"R {old} {new}\n".encode())
            renames += 1
        if n % 60 == 30 and candidates[4:]:
            gone = candidates[4]
            del tree[gone]
            editable.remove(gone)
            changes.append(f"D {gone}\n".encode())
            added = f"src/new/mod{next_origin}.py"
            tree[added] = (next_origin, 0)
            editable.append(added)
            changes.append(_modify(added, _content(next_origin, 0)))
            next_origin += 1
        mark += 1
        w.commit(
            "refs/heads/main",
            mark,
            when(n),
            author,
            committer,
            f"Change {n}: tune modules\n\nBody {n}.\n",
            [main_tip],
            changes,
        )
        main_tip = mark
        if side is not None:
            side["since"] += 1
        if mark % 500 == 0:
            w.reset(f"refs/tags/v{mark // 500}", mark)
        if mark % 500 == 250:
            w.annotated_tag(f"release-{mark // 500}", mark, when(n) + 60, person(1), f"Release {mark // 500}\n")
    w.reset("refs/heads/main", main_tip)
    w.reset("refs/remotes/origin/main", max(1, main_tip - 2))

    marks = path / ".git" / "bench-marks"
    subprocess.run(
        ["git", "fast-import", "--quiet", f"--export-marks={marks}"],
        cwd=path,
        input=w.stream(),
        check=True,
        capture_output=True,
    )
    by_mark = {}
    for line in marks.read_text().splitlines():
        m, sha = line.split()
        by_mark[int(m[1:])] = sha
    marks.unlink()
    _git(path, "checkout", "-q", "-f", "main")
    shas = [by_mark[m] for m in sorted(by_mark)]
    return RepoInfo(str(path), len(shas), len(tree), shas, merges, renames)


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout
