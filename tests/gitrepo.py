"""Build real Git repositories in tests with the git CLI: commits with chosen identities and dates, file edits,
renames, branches, merges, tags, raw commits with identities git itself would clean up."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ANN = ("Ann", "ann@x.org")
BOB = ("Bob", "bob@x.org")
BASE_TIME = 1_700_000_000  # 2023-11-14T22:13:20Z


class GitRepo:
    """A repository under ``path``; every commit gets the next tick of a deterministic clock (60 s apart)."""

    def __init__(self, path: str | os.PathLike, branch: str = "main", start: int = BASE_TIME):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.clock = start
        self.git("init", "-q", "-b", branch)

    # -- plumbing -------------------------------------------------------------------------------------------
    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_CONFIG_GLOBAL": os.devnull,
                "GIT_AUTHOR_NAME": ANN[0],
                "GIT_AUTHOR_EMAIL": ANN[1],
                "GIT_COMMITTER_NAME": ANN[0],
                "GIT_COMMITTER_EMAIL": ANN[1],
                "GIT_EDITOR": "true",
                "GIT_MERGE_AUTOEDIT": "no",
            }
        )
        if extra:
            env.update(extra)
        return env

    def git(self, *args: str, env: dict[str, str] | None = None, check: bool = True, input: bytes | None = None) -> str:
        """Run git in the repository and return its stdout (text)."""
        proc = subprocess.run(
            ["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
            cwd=self.path,
            env=self.env(env),
            input=input,
            capture_output=True,
        )
        if check and proc.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
        return proc.stdout.decode("utf-8", "surrogateescape")

    def is_ancestor(self, a: str, b: str) -> bool:
        """Whether commit ``a`` is an ancestor of (or equal to) ``b``."""
        proc = subprocess.run(["git", "merge-base", "--is-ancestor", a, b], cwd=self.path, env=self.env())
        return proc.returncode == 0

    def rev(self, name: str = "HEAD") -> str:
        return self.git("rev-parse", "--verify", f"{name}^{{commit}}").strip()

    # -- working tree -------------------------------------------------------------------------------------------
    def write(self, rel: str, content: str | bytes) -> "GitRepo":
        """Create or overwrite a file and stage it."""
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode()
        p.write_bytes(content)
        self.git("add", "--", rel)
        return self

    def delete(self, rel: str) -> "GitRepo":
        self.git("rm", "-q", "-f", "--", rel)
        return self

    def rename(self, old: str, new: str) -> "GitRepo":
        (self.path / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", "--", old, new)
        return self

    # -- history -----------------------------------------------------------------------------------------------
    def tick(self) -> int:
        self.clock += 60
        return self.clock

    def commit(
        self,
        message: str = "change",
        author: tuple[str, str] = ANN,
        committer: tuple[str, str] | None = None,
        authored_at: int | None = None,
        committed_at: int | None = None,
    ) -> str:
        """Commit what is staged (empty commits allowed); returns the new sha."""
        committer = committer or author
        t = self.tick()
        env = {
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_COMMITTER_NAME": committer[0],
            "GIT_COMMITTER_EMAIL": committer[1],
            "GIT_AUTHOR_DATE": f"@{authored_at or t} +0000",
            "GIT_COMMITTER_DATE": f"@{committed_at or t} +0000",
        }
        self.git("commit", "-q", "--allow-empty", "--no-verify", "-m", message, env=env)
        return self.rev()

    def branch(self, name: str, start: str = "HEAD") -> "GitRepo":
        self.git("branch", name, start)
        return self

    def checkout(self, name: str, detach: bool = False) -> "GitRepo":
        self.git("checkout", "-q", *(["--detach"] if detach else []), name)
        return self

    def merge(self, name: str, message: str | None = None, resolve: dict[str, str] | None = None) -> str:
        """Merge ``name`` into the current branch (no fast-forward); ``resolve`` writes conflicting files."""
        t = self.tick()
        env = {"GIT_AUTHOR_DATE": f"@{t} +0000", "GIT_COMMITTER_DATE": f"@{t} +0000"}
        msg = message or f"Merge {name}"
        proc_ok = True
        try:
            self.git("merge", "-q", "--no-ff", "-m", msg, name, env=env)
        except RuntimeError:
            proc_ok = False
        if not proc_ok:
            if not resolve:
                raise RuntimeError(f"merge of {name} conflicts; pass resolve=")
            for rel, content in resolve.items():
                self.write(rel, content)
            self.git("commit", "-q", "--no-verify", "-m", msg, env=env)
        return self.rev()

    def tag(self, name: str, target: str = "HEAD") -> "GitRepo":
        self.git("tag", name, target)
        return self

    def annotated_tag(
        self, name: str, message: str, tagger: tuple[str, str] = ANN, target: str = "HEAD", at: int | None = None
    ) -> "GitRepo":
        t = at or self.tick()
        env = {"GIT_COMMITTER_NAME": tagger[0], "GIT_COMMITTER_EMAIL": tagger[1], "GIT_COMMITTER_DATE": f"@{t} +0000"}
        self.git("tag", "-a", name, "-m", message, target, env=env)
        return self

    def raw_commit(
        self,
        message: str,
        author_ident: str,
        committer_ident: str | None = None,
        parents: tuple[str, ...] | None = None,
        ref: str | None = "HEAD",
    ) -> str:
        """Write a commit object verbatim (identities exactly as given, e.g. ``'Ann < Ann@X.org >'``) on the
        current index tree, parents default HEAD; moves ``ref`` (HEAD = current branch) to it."""
        tree = self.git("write-tree").strip()
        if parents is None:
            head = self.git("rev-parse", "-q", "--verify", "HEAD", check=False).strip()
            parents = (head,) if head else ()
        t = self.tick()
        lines = [f"tree {tree}"] + [f"parent {p}" for p in parents]
        lines.append(f"author {author_ident} {t} +0000")
        lines.append(f"committer {committer_ident or author_ident} {t} +0000")
        body = "\n".join(lines) + "\n\n" + message
        sha = self.git("hash-object", "-t", "commit", "-w", "--stdin", "--literally", input=body.encode()).strip()
        if ref:
            self.git("update-ref", ref, sha)
        return sha


def random_history(repo: GitRepo, seed: int, steps: int = 40) -> None:
    """A random history on three branches: adds, edits, deletes, renames, reverts to earlier contents,
    empty commits and merges (conflicts resolved with random contents or deletions)."""
    import random

    rnd = random.Random(seed)
    pool = [f"content {k}\n" * 3 for k in range(6)]
    names = [f"d{k % 3}/f{k}.txt" for k in range(8)]
    repo.write("seed.txt", "seed\n")
    repo.commit("seed")
    for b in ("b1", "b2"):
        repo.branch(b)
    current = "main"

    def files() -> list[str]:
        return [p for p in repo.git("ls-files", "-z").split("\0") if p]

    for step in range(steps):
        roll = rnd.random()
        if roll < 0.25:
            current = rnd.choice([b for b in ("main", "b1", "b2") if b != current])
            repo.checkout(current)
            continue
        others = [b for b in ("main", "b1", "b2") if b != current and not repo.is_ancestor(b, "HEAD")]
        if roll < 0.45 and others:
            other = rnd.choice(others)
            try:
                repo.merge(other, f"merge {other} into {current}")
            except RuntimeError:
                unmerged = sorted(set(repo.git("diff", "--name-only", "--diff-filter=U", "-z").split("\0")) - {""})
                for p in unmerged:
                    if rnd.random() < 0.2:
                        repo.git("rm", "-q", "--", p, check=False)
                    else:
                        repo.write(p, rnd.choice(pool) + f"merged {step}\n")
                repo.git("add", "-A")
                repo.commit(f"merge {other} into {current} (resolved)")
            continue
        present = files()
        for _ in range(rnd.randint(0, 3)):
            op = rnd.random()
            if op < 0.3 or not present:
                p = rnd.choice(names)
                repo.write(p, rnd.choice(pool))
            elif op < 0.6:
                repo.write(rnd.choice(present), rnd.choice(pool))
            elif op < 0.75:
                repo.delete(rnd.choice(present))
            else:
                src = rnd.choice(present)
                dst = rnd.choice(names)
                if dst not in present and dst != src:
                    repo.rename(src, dst)
            present = files()
        repo.commit(f"step {step}")
