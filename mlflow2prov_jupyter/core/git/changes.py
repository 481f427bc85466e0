"""What changed in a Git repository since known ref heads, and the run↔commit links without a walk.

An incremental sync keeps the refs it saw (:func:`ref_heads`). Unchanged refs: no history is read at all;
the links of new runs to (old) commits are answered by :class:`KnownHistory` — the commit must be one the
store holds, the entry point's FileRevision is the commit ``git log -1 <commit> -- <path>`` names (the walk's
own rule, see :meth:`~.reader.GitHistory._producer`). Changed refs: :func:`new_commits` lists the commits
``git rev-list <new heads> ^<old heads>``. Every call goes through the hardened :mod:`.command`.
"""

from __future__ import annotations

import os
from typing import Iterable

from ..errors import SourceError
from ..options import ExtractOptions
from .reader import GitHistory, _as_sha, _open_repo, _resolve_refs, _run_git, last_change, revision_id


def ref_heads(repo: str | os.PathLike[str], options: ExtractOptions) -> dict[str, str]:
    """The walked refs (``options.git_refs``) → the object each names and the commit it peels to; ``HEAD``
    too when walked. Equal dicts ⇔ the walk would read the same commits and refs."""
    git_dir, _, git_cmd = _open_repo(repo)
    tips, rows = _resolve_refs(git_cmd, git_dir, options.git_refs)
    heads = {refname: f"{sha} {peeled or ''}" for refname, _t, sha, _s, peeled in rows}
    heads[" tips"] = " ".join(sorted(tips))  # HEAD's commit is a tip when HEAD is walked
    return heads


def _tips(heads: dict[str, str]) -> list[str]:
    return [t for t in heads.get(" tips", "").split() if t]


def new_commits(repo: str | os.PathLike[str], old: dict[str, str], new: dict[str, str]) -> tuple[set[str], bool]:
    """(commits reachable from the new heads but not the old, whether some old commit is no longer reachable).

    An old head git no longer has (a rewritten, collected branch) counts as commits lost."""
    git_dir, _, git_cmd = _open_repo(repo)
    old_tips, new_tips = _tips(old), _tips(new)

    def rev_list(include: list[str], exclude: list[str]) -> set[str] | None:
        if not include:
            return set()
        try:
            out = _run_git(git_cmd, git_dir, ["rev-list", *include, *("^" + t for t in exclude), "--"])
        except SourceError:
            return None
        return {line for line in out.decode("ascii", "replace").split() if line}

    added = rev_list(new_tips, old_tips)
    lost = rev_list(old_tips, new_tips)
    if added is None or lost is None:
        return set(), True
    return added, bool(lost)


def changed_ref_targets(old: dict[str, str], new: dict[str, str]) -> set[str]:
    """Commits whose set of refs changed (a ref lives in the unit of the commit it points at)."""
    out: set[str] = set()
    for name in set(old) | set(new):
        if name == " tips" or old.get(name) == new.get(name):
            continue
        for text in (old.get(name), new.get(name)):
            if text:
                peeled = text.split(" ")[-1]
                if peeled:
                    out.add(peeled)
    return out


class KnownHistory(GitHistory):
    """Answers :func:`~..link.link`'s questions for a few runs without walking: commits are the ones the store
    holds (``known``), an entry point's producer is ``git log -1 <commit> -- <path>``. ``resolved`` records each
    FileRevision it named with the blob seen, for the caller to check against the store."""

    def __init__(self, repo: str | os.PathLike[str], known: Iterable[str], options: ExtractOptions) -> None:
        git_dir, workdir, git_cmd = _open_repo(repo)
        super().__init__(git_dir, workdir, {}, {}, [], options.git_history, {}, git_cmd=git_cmd)
        self.known = set(known)
        self.resolved: dict[str, str] = {}  # FileRevision id -> blob

    def resolve_commit(self, text: str | None) -> str | None:
        sha = _as_sha(text)
        return sha if sha in self.known else None

    def _producer(self, sha: str, path: str, blob: str) -> str | None:
        found = last_change(self._git_cmd, self.git_dir, sha, path)
        if not found:
            return None
        self.resolved[revision_id(found, path)] = blob
        return found
