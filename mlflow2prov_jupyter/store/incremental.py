"""An incremental sync round: read what changed since the catalogue's watermark, replace exactly those units.

The watermark (catalogue fields ``sync_*``, docs/store.md#sync): the MLflow time ``W`` from which the next
round lists again, the Git refs, the runs RUNNING and the runs deleted at the last round. A round:

1. lists the sources (:func:`~..core.mlflow.changes.list_changes`, :func:`~..core.git.changes.ref_heads`);
   a fingerprint of the listing equal to the catalogue's means nothing changed (nothing is read or written);
2. picks the changed records: runs started or ended since ``W``, running now or at the last round, deleted or
   restored (and their child runs); logged models updated since ``W`` or touching those runs; model versions
   updated since ``W`` or naming those runs or models; every experiment and registered model (small); the
   commits ``rev-list new ^old`` and those whose refs moved;
3. reads those runs, plus the *context* runs their units point at (parents, the runs a logged model or
   version names: their membership and outputs shape the changed units), with the one MLflow reader;
4. builds the document of what was read (Git: the full walk when the refs moved — cheap, see docs — else no
   walk, :class:`~..core.git.changes.KnownHistory` answers the links) and encodes only the changed units;
5. checks what it could not see whole: a data set or MLflow user unit that already exists must come out
   equal, an entry point's FileRevision must exist in the store with the same blob, a changed run may output
   only logged models it re-read; otherwise, and for anything removed (experiments, commits, models,
   versions), it gives up with :class:`FullRound` and the caller extracts everything.

The units are then pushed with ``prune=False`` (other units stay), the deleted runs' units removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from ..core.ids import encode_segment
from ..core.namespaces import M2P
from ..core.options import ExtractOptions
from .backends import Backend
from .catalogue import Catalogue, SyncFields, unit_iri
from .push import PushResult, push

MARGIN_MS = 5 * 60 * 1000  # the next round lists again from 5 min before this one started (late writes, clocks)


class FullRound(Exception):
    """The round cannot be done incrementally (the reason is the message): extract everything instead."""


@dataclass
class SyncState:
    """The watermark a round leaves in the catalogue for the next one."""

    since_ms: int
    git_heads: dict[str, str] | None
    running: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, cat: Catalogue | None) -> "SyncState | None":
        if cat is None or not cat.sync_since_ms:
            return None
        try:
            heads = json.loads(cat.sync_git_heads) if cat.sync_git_heads else None
            return cls(
                int(cat.sync_since_ms),
                heads,
                set((cat.sync_running_runs or "").split()),
                set((cat.sync_deleted_runs or "").split()),
            )
        except (ValueError, TypeError):
            return None

    def fields(self) -> SyncFields:
        return {
            "sync_since_ms": str(self.since_ms),
            "sync_git_heads": None if self.git_heads is None else json.dumps(self.git_heads, sort_keys=True),
            "sync_running_runs": " ".join(sorted(self.running)),
            "sync_deleted_runs": " ".join(sorted(self.deleted)),
        }


@dataclass
class Listing:
    """The sources' listing of one round, and what the next round starts from."""

    heads: dict[str, str] | None
    mlflow: Any  # MlflowChanges | None
    next_state: SyncState
    fingerprint_now: str  # of this listing, as the last round filtered it
    fingerprint_next: str  # of this listing, as the next round will filter it
    seconds: float


def list_sources(repo: Any, tracking_uri: Any, state: SyncState | None, opts: ExtractOptions) -> Listing:
    from ..core.git.changes import ref_heads
    from ..core.mlflow.changes import list_changes

    started = time.perf_counter()
    now_ms = int(time.time() * 1000)
    next_since = now_ms - MARGIN_MS
    since = state.since_ms if state is not None else next_since
    heads = ref_heads(os.fspath(repo), opts) if repo not in (None, "") else None
    ch = None
    if tracking_uri not in (None, ""):
        ch = list_changes(
            os.fspath(tracking_uri),
            since,
            also_runs=state.running if state else (),
            known_deleted=state.deleted if state else None,
            timeout=opts.timeout,
        )
    head_text = json.dumps(heads, sort_keys=True)

    def fingerprint(w: int) -> str:
        rows = ch.fingerprint_rows(w) if ch is not None else []
        return hashlib.sha256("\n".join([head_text, *rows]).encode("utf-8")).hexdigest()[:32]

    next_state = SyncState(next_since, heads, set(ch.running) if ch else set(), set(ch.deleted) if ch else set())
    return Listing(heads, ch, next_state, fingerprint(since), fingerprint(next_since), time.perf_counter() - started)


@dataclass
class Incremental:
    """What an incremental round changed."""

    result: PushResult
    runs: int = 0
    models: int = 0
    versions: int = 0
    commits: int = 0

    def what(self) -> str:
        parts = [
            f"{n} {word}{'' if n == 1 else 's'}"
            for n, word in (
                (self.runs, "run"),
                (self.models, "logged model"),
                (self.versions, "model version"),
                (self.commits, "commit"),
            )
            if n
        ]
        return ", ".join(parts) or "no records"


def _key(kind: str, ident: str) -> str:
    return f"{kind}/{encode_segment(ident)}"


def _version_key(name: str, version: int) -> str:
    return f"registered-model/{encode_segment(name)}/version/{version}"


def _git_agent_key(uid: str | None) -> str | None:
    return "agent/" + uid.split(":", 1)[1] if uid and ":" in uid else None


def _source_ids(source: str) -> tuple[str | None, str | None]:
    """(run id of a ``runs:/`` source, model id of a ``models:/`` source)."""
    src = (source or "").strip()
    if src.startswith("runs:/"):
        return src[len("runs:/") :].split("/", 1)[0] or None, None
    if src.startswith("models:/"):
        return None, src[len("models:/") :].strip("/") or None
    return None, None


def _old_generators(backend: Backend, cat: Catalogue, model_key: str) -> set[str]:
    """Run ids the stored unit of a logged model says generated it (runs not re-read may still do so)."""
    from .provo import decode_triples

    entry = cat.units.get(model_key)
    if entry is None:
        return set()
    doc = decode_triples(backend.triples(entry.graph), cat.prefixes)
    out = set()
    for r in doc.relations:
        if r.kind == "wasGeneratedBy" and len(r.args) > 1:
            local = str(r.args[1]).partition(":")[2]
            seg = local.split("/")
            if len(seg) == 3 and seg[0] == "run" and seg[2] == "creation":
                out.add(unquote(seg[1]))
    return out


def _units_naming(backend: Backend, project: str, shas: set[str]) -> set[str]:
    """Unit keys of ``project`` whose triples hold one of ``shas`` as a value (runs and models naming a commit)."""
    if not shas:
        return set()
    prefix = unit_iri(project, "")
    values = " ".join(f'"{s}" "{s.upper()}"' for s in sorted(shas))
    rows = backend.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?v }} VALUES ?v {{ {values} }} }}")
    keys = set()
    for row in rows:
        g = row[0].value
        if g.startswith(prefix) and "/@" in g:
            keys.add(g[len(prefix) : g.rindex("/@")])
    return keys


def incremental_round(
    repo: Any,
    tracking_uri: Any,
    backend: Backend,
    project: str,
    cat: Catalogue,
    state: SyncState,
    listing: Listing,
    opts: ExtractOptions,
) -> Incremental:
    """Read, build and push the changed units (module doc); raises :class:`FullRound` when it cannot."""
    from ..core.extract import build_document
    from ..core.git.changes import KnownHistory, changed_ref_targets, new_commits
    from ..core.git.reader import read_git
    from ..core.link import entry_points_of
    from ..core.mlflow.reader import read_mlflow
    from .units import encode_units

    if opts.since is not None or opts.until is not None or opts.experiment_ids is not None:
        raise FullRound("a time window or an experiment scope is synced whole")
    if opts.user_map:
        raise FullRound("a user map links users across the whole history")
    has_repo, has_store = repo not in (None, ""), tracking_uri not in (None, "")
    stored = cat.units
    W = state.since_ms
    ch = listing.mlflow

    # -- MLflow: which records changed, which runs their units need ------------------------------------
    C: set[str] = set()
    T: set[str] = set()
    V: set[tuple[str, int]] = set()
    context: set[str] = set()
    if has_store and ch is not None:
        scoped = {e for e, stage in ch.experiment_stages.items() if opts.include_deleted or stage != "deleted"}
        if {k for k in stored if k.startswith("experiment/")} - {_key("experiment", e) for e in scoped}:
            raise FullRound("an experiment was removed")
        C = {r for r, row in ch.runs.items() if row.start >= W or row.end >= W}
        C |= ch.running | state.running | (ch.deleted ^ state.deleted) | ch.children
        listed_models = ch.logged_models
        if {k for k in stored if k.startswith("model/")} - {_key("model", m) for m in listed_models}:
            raise FullRound("a logged model was removed")
        outputs = {o for r in C if r in ch.runs for o in ch.runs[r].outputs}
        T = {
            m
            for m, row in listed_models.items()
            if row.last_updated >= W or _key("model", m) not in stored or row.source_run_id in C or m in outputs
        }
        versions = {
            k: v
            for k, v in ch.versions.items()
            if opts.include_deleted or "Deleted_Internal" not in v.text  # the reader's rule for deleted versions
        }
        stored_versions = {k for k in stored if k.startswith("registered-model/") and "/version/" in k}
        if stored_versions - {_version_key(n, v) for n, v in versions}:
            raise FullRound("a model version was removed")
        stored_models = {k for k in stored if k.startswith("registered-model/") and "/version/" not in k}
        if stored_models - {_key("registered-model", n) for n in ch.registered_models}:
            raise FullRound("a registered model was removed")
        for (name, number), v in versions.items():
            run_src, model_src = _source_ids(v.source)
            if (
                v.last_updated >= W
                or _version_key(name, number) not in stored
                or v.run_id in C
                or run_src in C
                or model_src in T
                or (run_src is None and model_src is None)  # resolved by location: cheap to redo
            ):
                V.add((name, number))
                context.update(x for x in (v.run_id, run_src) if x)
        for m in T:
            src = listed_models[m].source_run_id
            if src:
                context.add(src)
            context |= _old_generators(backend, cat, _key("model", m))
        context |= {ch.runs[r].parent for r in C if r in ch.runs and ch.runs[r].parent}

    # -- Git: new commits, and the older runs and models that name them ----------------------------------------
    refs_moved = has_repo and listing.heads != state.git_heads
    added: set[str] = set()
    touched_commits: set[str] = set()
    if refs_moved:
        if state.git_heads is None:
            raise FullRound("no Git refs recorded at the last round")
        added, lost = new_commits(os.fspath(repo), state.git_heads, listing.heads or {})
        if lost:
            raise FullRound("commits were removed from the walked refs")
        touched_commits = added | changed_ref_targets(state.git_heads, listing.heads or {})
        for k in _units_naming(backend, project, added):
            kind, _, ident = k.partition("/")
            if kind == "run" and has_store:
                C.add(unquote(ident))
            elif kind == "model" and has_store and ch is not None and unquote(ident) in ch.logged_models:
                m = unquote(ident)
                T.add(m)
                context |= {ch.logged_models[m].source_run_id or ""} | _old_generators(backend, cat, k)
            elif kind not in ("commit", "agent"):
                raise FullRound(f"unit {k} names a new commit")
        context.discard("")

    # -- read -------------------------------------------------------------------------------------------------
    snap = None
    if has_store:
        snap = read_mlflow(os.fspath(tracking_uri), opts, progress=False, runs=sorted(C | context))
        lms = {m.model_id for m in snap.logged_models}
        read_ids = {r.run_id for r in snap.runs}
        datasets = {(d.name, d.digest) for d in snap.datasets}
        for r in snap.runs:
            if r.run_id not in C:
                continue
            if {o.model_id for o in r.model_outputs if o.model_id in lms} - T:
                raise FullRound(f"run {r.run_id} outputs logged models not re-read")
            parent = r.tags.get("mlflow.parentRunId")
            if parent and parent not in C | context:
                raise FullRound(f"run {r.run_id} has a parent run not re-read")
        for lm in snap.logged_models:
            for p in lm.metrics:
                if p.run_id in C and p.dataset_name and p.dataset_digest:
                    if (p.dataset_name, p.dataset_digest) not in datasets:
                        raise FullRound(f"a metric of run {p.run_id} names a data set the run did not log")
    else:
        read_ids = set()

    history = None
    git_agents: set[str] = set()
    if refs_moved:  # the full walk: 0.2 s for 1,000 commits (docs/store.md); units only of the commits touched
        wanted = entry_points_of(snap) if snap is not None else None
        history = read_git(os.fspath(repo), opts, progress=False, entry_points=wanted)
        for sha in added:
            c = history.commits.get(sha)
            if c is not None:
                git_agents.update(k for k in (_git_agent_key(c.author_id), _git_agent_key(c.committer_id)) if k)
        for ref in history.refs:
            if ref.target in touched_commits:
                tagger = _git_agent_key(ref.tagger_id)
                if tagger:
                    git_agents.add(tagger)
    elif has_repo:
        known = {k.split("/", 1)[1] for k in stored if k.startswith("commit/")}
        history = KnownHistory(os.fspath(repo), known, opts)

    # -- build and encode the changed units --------------------------------------------------------------------
    doc = build_document(history, snap, opts)
    allowed = {_key("run", r) for r in C} | {_key("model", m) for m in T} | {_version_key(n, v) for n, v in V}
    allowed |= {"commit/" + c for c in touched_commits} | git_agents
    if snap is not None:
        allowed |= {_key("experiment", e.experiment_id) for e in snap.experiments}
        allowed |= {_key("registered-model", rm.name) for rm in snap.registered_models}

    class Wanted:
        def __contains__(self, key: object) -> bool:
            return key in allowed or (isinstance(key, str) and key.startswith(("dataset/", "agent/mlflow/")))

    units = encode_units(doc, only=Wanted())
    for key in [k for k in units if k not in allowed]:
        cur = stored.get(key)
        if cur is None:
            continue  # a new data set or user: complete from the run that names it
        if cur.hash != units[key].hash:
            raise FullRound(f"unit {key} would change beyond the records re-read")
        del units[key]
    if isinstance(history, KnownHistory):
        _check_entry_points(backend, cat, doc.prefixes.get("git", ""), history.resolved)
    remove = {_key("run", r) for r in C if r not in read_ids and _key("run", r) in stored}
    result = push(
        doc,
        backend,
        project,
        repository_url=repo,
        tracking_uri=tracking_uri,
        prune=False,
        source_fingerprint=listing.fingerprint_next,
        units=units,
        remove=remove,
        sync_state=listing.next_state.fields(),
    )
    return Incremental(result, len(C), len(T), len(V), len(touched_commits))


def _check_entry_points(backend: Backend, cat: Catalogue, git_ns: str, resolved: dict[str, str]) -> None:
    """Each FileRevision named without a walk must be in the store, with the blob the commit's tree holds."""
    for rid, blob in resolved.items():
        local = rid.partition(":")[2]  # revision/<sha>/<path>
        sha = local.split("/")[1]
        entry = cat.units.get("commit/" + sha)
        if entry is None:
            raise FullRound(f"entry point revision {rid} is not in the store")
        rows = backend.subject_triples(entry.graph, git_ns + local)
        if not any(p.value == M2P + "blob" and o.value == blob for _s, p, o in rows):
            raise FullRound(f"entry point revision {rid} is not in the store")
