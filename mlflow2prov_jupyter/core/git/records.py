"""Plain records of a Git repository's history as read by :mod:`.reader` (docs/prov-model.md#git-elements).

Dataclasses of plain values (shas, paths, POSIX seconds); the builder (:mod:`.build`) turns them into PROV.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Ref namespaces walked and the PROV type of each (refs/notes/, refs/original/ and refs/stash are never walked).
REF_KINDS = (("refs/heads/", "GitBranch"), ("refs/tags/", "GitTag"), ("refs/remotes/", "GitRemoteBranch"))


@dataclass(slots=True)
class GitUser:
    """A git identity: ``id`` (``user:git/<enc email>`` or ``user:git-name/<enc name>``), email, every name seen."""

    id: str
    email: str | None
    names: set[str] = field(default_factory=set)


@dataclass(slots=True)
class GitRevision:
    """A FileRevision: ``path`` as of ``commit``; ``file`` = (origin sha, origin path) of its File lineage;
    ``previous`` = (sha, path) of the previous revision per parent holding the old path (deduplicated)."""

    commit: str
    path: str
    status: str  # added / modified / renamed / deleted
    blob: str | None
    previous_path: str | None
    file: tuple[str, str]
    previous: tuple[tuple[str, str], ...]

    @property
    def starts_file(self) -> bool:
        """Whether this revision starts its File's lineage (no predecessor)."""
        return self.file[0] == self.commit and self.file[1] == self.path


@dataclass(slots=True)
class GitCommit:
    """A walked commit with its revisions (empty when ``git_history`` is off)."""

    sha: str
    parents: tuple[str, ...]
    author_id: str | None
    committer_id: str | None
    authored_at: int
    committed_at: int
    message: str
    revisions: list[GitRevision] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.message.split("\n", 1)[0]


@dataclass(slots=True)
class GitRef:
    """A branch, tag or remote branch pointing at a walked commit; annotated tags carry message and tagger."""

    refname: str
    kind: str  # GitBranch / GitTag / GitRemoteBranch
    target: str
    annotated: bool = False
    tag_message: str | None = None
    tagged_at: int | None = None
    tagger_id: str | None = None

    @property
    def short_name(self) -> str:
        for prefix, _ in REF_KINDS:
            if self.refname.startswith(prefix):
                return self.refname[len(prefix) :]
        return self.refname
