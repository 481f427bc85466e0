"""Git side of the PROV document (docs/prov-model.md#git-elements, relations #1–#12)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..gcpause import gc_paused
from ..options import ExtractOptions
from ..provdoc import ProvDoc, QName, Relation
from ..values import from_seconds, label, truncate
from .reader import (
    GitHistory,
    clean_text,
    commit_id,
    file_id,
    path_segment,
    ref_id,
)
from .records import GitCommit, GitRef, GitUser

T_COMMIT = QName("m2p:Commit")
T_FILE = QName("m2p:File")
T_REVISION = QName("m2p:FileRevision")
T_USER = (QName("m2p:GitUser"), QName("prov:Person"))
T_PROV_REVISION = QName("prov:Revision")
_GEN_ROLE = {"added": "AddedRevision", "modified": "ModifiedRevision", "renamed": "RenamedRevision"}


def build_git(doc: ProvDoc, history: GitHistory, options: ExtractOptions) -> None:
    """Add the Git elements and relations #1–#12 of ``history`` to ``doc``.

    Commits (and their Files and FileRevisions) are kept when ``options.in_window(committed_at)``; agents are
    added wherever a kept relation references them; refs (``include_refs``) belong to every window.
    """
    with gc_paused():
        _build(doc, history, options)


def _build(doc: ProvDoc, history: GitHistory, options: ExtractOptions) -> None:
    limit = options.max_text_length
    revisions_on = options.git_history and history.has_revisions
    agents: set[str] = set()
    rels = doc.relations
    for c in history.commits.values():
        committed = from_seconds(c.committed_at)
        if not options.in_window(committed):
            continue
        cid = commit_id(c.sha)
        start = _add_commit(doc, c, cid, committed, limit)
        for parent in c.parents:  # 1
            rels.append(Relation("wasInformedBy", (cid, commit_id(parent))))
        author, committer = c.author_id, c.committer_id
        if author is not None and author == committer:  # 2
            rels.append(Relation("wasAssociatedWith", (cid, author), {"prov:role": ("CommitAuthor", "Committer")}))
        else:
            if author is not None:
                rels.append(Relation("wasAssociatedWith", (cid, author), {"prov:role": "CommitAuthor"}))
            if committer is not None:
                rels.append(Relation("wasAssociatedWith", (cid, committer), {"prov:role": "Committer"}))
        if author is not None:
            agents.add(author)
        if committer is not None:
            agents.add(committer)
        if revisions_on and c.revisions:
            _add_revisions(doc, c, cid, author, committed, start)
    if options.include_refs:
        for ref in history.refs:
            _add_ref(doc, ref, limit)
            if ref.tagger_id is not None:
                agents.add(ref.tagger_id)
    for uid in sorted(agents):
        add_git_user(doc, history.users[uid])


def _add_commit(doc: ProvDoc, c: GitCommit, cid: str, committed: datetime | None, limit: int) -> datetime | None:
    authored = from_seconds(c.authored_at)
    start = authored if authored is not None and (committed is None or authored <= committed) else committed
    title, cut_title = truncate(c.title, limit)
    message, cut_message = truncate(c.message, limit)
    attrs: dict[str, Any] = {}
    if start is not None:
        attrs["prov:startTime"] = start
    if committed is not None:
        attrs["prov:endTime"] = committed
    attrs["prov:type"] = T_COMMIT
    attrs["prov:label"] = label(f"{c.sha[:7]} {c.title}")
    attrs["m2p:sha"] = c.sha
    attrs["m2p:title"] = title
    attrs["m2p:message"] = message
    if authored is not None:
        attrs["m2p:authored_at"] = authored
    if committed is not None:
        attrs["m2p:committed_at"] = committed
    if cut_title or cut_message:
        attrs["m2p:truncated"] = True
    doc.add_element("activity", cid, attrs)
    return start


def _add_revisions(
    doc: ProvDoc,
    c: GitCommit,
    cid: str,
    author: str | None,
    committed: datetime | None,
    start: datetime | None,
) -> None:
    """FileRevisions of one commit (#5–#10) and the Files whose lineage starts there (#3, #4)."""
    rels = doc.relations
    add = doc.add_element
    sha = c.sha
    short = sha[:7]
    used: set[str] = set()  # one usage (#9) per commit, even if two revisions share a predecessor
    author_known = author is not None
    for rev in c.revisions:
        raw = rev.path
        path = raw if raw.isascii() else clean_text(raw)
        seg = path_segment(raw)
        rid = f"git:revision/{sha}/{seg}"
        rev_label = f"{short} {path}"
        if len(rev_label) > 80 or "\n" in rev_label:
            rev_label = label(rev_label)
        if rev.starts_file:
            fid = f"git:file/{sha}/{seg}"
            add(
                "entity",
                fid,
                {
                    "prov:type": T_FILE,
                    "prov:label": path if len(path) <= 80 and "\n" not in path else label(path),
                    "m2p:path": path,
                    "m2p:origin_commit": sha,
                },
            )
            rels.append(
                Relation(
                    "wasGeneratedBy",
                    (fid, cid) if committed is None else (fid, cid, committed),
                    {"prov:role": "AddedFile"},
                )
            )  # 3
            if author_known:
                rels.append(Relation("wasAttributedTo", (fid, author)))  # 4
        else:
            fid = file_id(*rev.file)
        status = rev.status
        attrs: dict[str, Any] = {
            "prov:type": T_REVISION,
            "prov:label": rev_label,
            "m2p:path": path,
            "m2p:name": path.rsplit("/", 1)[-1],
            "m2p:status": status,
            "m2p:commit": sha,
        }
        if rev.blob is not None:
            attrs["m2p:blob"] = rev.blob
        if rev.previous_path is not None:
            attrs["m2p:previous_path"] = clean_text(rev.previous_path)
        add("entity", rid, attrs)
        rels.append(Relation("specializationOf", (rid, fid)))  # 5
        timed = (rid, cid) if committed is None else (rid, cid, committed)
        if status == "deleted":
            rels.append(Relation("wasInvalidatedBy", timed, {"prov:role": "DeletedRevision"}))  # 10
        else:
            rels.append(Relation("wasGeneratedBy", timed, {"prov:role": _GEN_ROLE[status]}))  # 6
            if author_known:
                rels.append(Relation("wasAttributedTo", (rid, author)))  # 7
        for psha, ppath in rev.previous:
            prev = f"git:revision/{psha}/{path_segment(ppath)}"
            rels.append(Relation("wasDerivedFrom", (rid, prev), {"prov:type": T_PROV_REVISION}))  # 8
            if prev not in used:
                used.add(prev)
                rels.append(
                    Relation(
                        "used", (cid, prev) if start is None else (cid, prev, start), {"prov:role": "PreviousRevision"}
                    )
                )  # 9


def _add_ref(doc: ProvDoc, ref: GitRef, limit: int) -> None:
    rid = ref_id(ref.target, ref.refname)
    name = clean_text(ref.refname)
    attrs: dict[str, Any] = {
        "prov:type": QName(f"m2p:{ref.kind}"),
        "prov:label": label(clean_text(ref.short_name)),
        "m2p:ref": name,
        "m2p:target": ref.target,
    }
    if ref.annotated:
        message, cut = truncate(ref.tag_message or "", limit)
        attrs["m2p:tag_message"] = message
        tagged = from_seconds(ref.tagged_at)
        if tagged is not None:
            attrs["m2p:tagged_at"] = tagged
        if cut:
            attrs["m2p:truncated"] = True
    doc.entity(rid, attrs)
    doc.add_relation("wasInfluencedBy", rid, commit_id(ref.target))  # 11
    if ref.annotated and ref.tagger_id is not None:
        doc.add_relation("wasAttributedTo", rid, ref.tagger_id)  # 12


def git_user_attrs(user: GitUser) -> dict[str, Any]:
    """Attributes of a GitUser agent: types, label (its identity key), every name spelling, email."""
    names = tuple(sorted(user.names))
    attrs: dict[str, Any] = {
        "prov:type": T_USER,
        "prov:label": label(user.email or (names[0] if names else user.id)),
    }
    if names:
        attrs["m2p:name"] = names[0] if len(names) == 1 else names
    if user.email:
        attrs["m2p:email"] = user.email
    return attrs


def add_git_user(doc: ProvDoc, user: GitUser) -> None:
    """Add the GitUser agent unless the document already holds it."""
    if user.id not in doc.elements:
        doc.agent(user.id, git_user_attrs(user))


__all__ = ["build_git", "add_git_user", "git_user_attrs"]
