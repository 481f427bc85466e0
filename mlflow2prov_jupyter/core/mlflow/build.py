"""MLflow side of the PROV model from a snapshot (docs/prov-model.md: MLflow and registry elements, #13–#44).

:func:`build_mlflow` adds to a :class:`ProvDoc` and returns the :class:`LinkInputs` that ``link()`` needs
for #32, #45–#47. Every element is emitted once (docs/prov-model.md#identifiers): ids are unique per snapshot object,
shared objects (datasets, users) are collected first and written once, where referenced.

Windows (docs/prov-model.md#time-windows): each owner (experiment, run, logged model, registered model, version) is
kept when its creation time lies in [since, until) or is unknown; members and owned relations follow their owner;
agents and datasets appear in every document that references them; an alias appears with its version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from .. import namespaces
from ..gcpause import gc_paused
from ..ids import encode_path, encode_segment
from ..link import MlflowUserAgent, ModelSource, RunSource
from ..options import ExtractOptions
from ..provdoc import ProvDoc, QName, add_value
from ..values import from_millis, label, metric_value, strip_secrets, truncate
from .records import (
    DELETED_INTERNAL_STAGE,
    ArtifactEntry,
    DatasetRecord,
    ExperimentRecord,
    LoggedModelRecord,
    MetricPoint,
    MlflowSnapshot,
    ModelVersionRecord,
    RegisteredModelRecord,
    RunRecord,
    clean_user,
    run_user,
    tag_user,
)

COLLECTION = QName("prov:Collection")
PERSON = QName("prov:Person")
UNFINISHED = frozenset({"RUNNING", "SCHEDULED"})
# Free-text attributes cut by max_text_length (identity keys, ids and URIs are never cut).
TEXT_ATTRS = frozenset(
    {
        "m2p:value",
        "m2p:name",
        "m2p:description",
        "m2p:status_message",
        "m2p:source_name",
        "m2p:schema",
        "m2p:profile",
    }
)


@dataclass
class LinkInputs:
    """What ``link()`` needs from the MLflow side (records of :mod:`.link`)."""

    runs: list[RunSource] = field(default_factory=list)
    models: list[ModelSource] = field(default_factory=list)
    users: list[MlflowUserAgent] = field(default_factory=list)


def build_mlflow(doc: ProvDoc, snap: MlflowSnapshot, options: ExtractOptions) -> LinkInputs:
    """Add the MLflow elements and relations #13–#44 of ``snap`` to ``doc``; return the link inputs."""
    doc.prefixes["mlflow"] = namespaces.mlflow_namespace(options.store_key)
    with gc_paused():  # many small acyclic records: see gcpause
        return _Builder(doc, snap, options).build()


def _t(name: str) -> QName:
    return QName(f"m2p:{name}")


def _types(name: str, collection: bool = False) -> Any:
    return (_t(name), COLLECTION) if collection else _t(name)


def _kv_label(key: str, value: Any) -> str:
    return label(f"{key}={value}")


def _uri_key(uri: str | None) -> str | None:
    """A URI or path normalised for prefix comparison: ``file:`` → path, no trailing ``/``."""
    if not uri:
        return None
    from .reader import local_path

    local = local_path(uri)
    text = local if local is not None else uri
    return text.rstrip("/") or text


class _Builder:
    def __init__(self, doc: ProvDoc, snap: MlflowSnapshot, opts: ExtractOptions) -> None:
        self.doc = doc
        self.rel = doc.add_relation  # (kind, source, target, time=, role=, attrs=)
        self.snap = snap
        self.opts = opts
        self.limit = opts.max_text_length
        self.deletions = opts.include_deleted
        self.out = LinkInputs()
        self.users_ref: set[str] = set()
        self.datasets_ref: set[tuple[str, str]] = set()
        self.exp_ids = {e.experiment_id for e in snap.experiments}
        self.runs = {r.run_id: r for r in snap.runs}
        self.lms = {m.model_id: m for m in snap.logged_models}
        self.datasets = {(d.name, d.digest): d for d in snap.datasets}
        self.versions = {(rm.name, v.version): v for rm in snap.registered_models for v in rm.versions}
        self.artifact_paths: dict[str, set[str]] = {}
        self.model_artifact_paths: dict[str, set[str]] = {}
        for r in snap.runs:
            arts = r.artifacts or []
            self.artifact_paths[r.run_id] = {a.path for a in arts}
            self.model_artifact_paths[r.run_id] = _model_artifact_dirs(arts)
        self.outputs_of: dict[str, list[tuple[str, int | None]]] = {}
        for r in snap.runs:
            for mo in r.model_outputs:
                self.outputs_of.setdefault(mo.model_id, []).append((r.run_id, mo.step))
        self.lm_points = self._index_lm_metrics()
        self.lm_point_runs = {k[0] for k in self.lm_points}  # runs with points a logged model also holds
        self.lm_by_run_name: dict[tuple[str, str], list[LoggedModelRecord]] = {}
        self.lm_by_location: dict[str, LoggedModelRecord] = {}
        for lm in snap.logged_models:
            runs = {lm.source_run_id} | {r for r, _ in self.outputs_of.get(lm.model_id, [])}
            for run_id in runs:
                if run_id is None:
                    continue
                self.lm_by_run_name.setdefault((run_id, lm.name or ""), []).append(lm)
            loc = _uri_key(lm.artifact_location)
            if loc:
                self.lm_by_location[loc] = lm

    # -- element helpers --------------------------------------------------------------------------------
    def _attrs(self, types: Any, lbl: str, items: Iterable[tuple[str, Any]]) -> dict[str, Any]:
        attrs: dict[str, Any] = {"prov:type": types, "prov:label": label(lbl)}
        cut = False
        for name, value in items:
            if value is None:
                continue
            if self.limit and name in TEXT_ATTRS and isinstance(value, str):
                value, was = truncate(value, self.limit)
                cut = cut or was
            attrs[name] = value
        if cut:
            attrs["m2p:truncated"] = True
        return attrs

    def entity(self, id: str, types: Any, lbl: str, items: Iterable[tuple[str, Any]]) -> None:
        self.doc.entity(id, self._attrs(types, lbl, items))

    def activity(self, id: str, start: datetime | None, end: datetime | None, types: Any, lbl: str) -> None:
        self.doc.activity(id, start, end, self._attrs(types, lbl, ()))

    def user(self, name: str | None) -> str | None:
        name = clean_user(name)
        if name is None:
            return None
        self.users_ref.add(name)
        return f"user:mlflow/{encode_segment(name)}"

    def tags(
        self, owner: str, tags: dict[str, str], element: str, generator: str | None, role: str | None
    ) -> list[str]:
        """Tag entities of ``owner`` (#14/#35/#39 or the #30 membership); their ids."""
        ids = []
        for key in sorted(tags):
            value = tags[key]
            tid = f"{owner}/tag/{encode_segment(key)}"
            self.entity(tid, _t(element), _kv_label(key, value), (("m2p:key", key), ("m2p:value", value)))
            self.rel("hadMember", owner, tid)
            if generator is not None:
                self.rel("wasGeneratedBy", tid, generator, role=role)
            ids.append(tid)
        return ids

    # -- build --------------------------------------------------------------------------------------------
    def build(self) -> LinkInputs:
        for e in self.snap.experiments:
            self.experiment(e)
        for r in self.snap.runs:
            self.run(r)
        for m in self.snap.logged_models:
            self.logged_model(m)
        for rm in self.snap.registered_models:
            self.registered_model(rm)
        for key in sorted(self.datasets_ref):
            self.dataset(self.datasets[key])
        for name in sorted(self.users_ref):
            aid = f"user:mlflow/{encode_segment(name)}"
            self.doc.agent(
                aid, {"prov:type": (_t("MlflowUser"), PERSON), "prov:label": label(name), "m2p:username": name}
            )
            self.out.users.append(MlflowUserAgent(aid, name))
        return self.out

    # -- experiments ----------------------------------------------------------------------------------------
    def experiment(self, e: ExperimentRecord) -> None:
        created = from_millis(e.creation_time)
        if not self.opts.in_window(created):
            return
        updated = from_millis(e.last_update_time)
        x = f"mlflow:experiment/{encode_segment(e.experiment_id)}"
        ec = f"{x}/creation"
        name = e.name or e.experiment_id
        self.entity(
            x,
            _types("Experiment", True),
            name,
            (
                ("m2p:experiment_id", e.experiment_id),
                ("m2p:name", e.name),
                ("m2p:artifact_location", strip_secrets(e.artifact_location)),
                ("m2p:lifecycle_stage", e.lifecycle_stage),
                ("m2p:created_at", created),
                ("m2p:last_updated_at", updated),
            ),
        )
        self.activity(ec, created, created, _t("ExperimentCreation"), f"create experiment {name}")
        self.rel("wasGeneratedBy", x, ec, time=created, role="AddedExperiment")
        tag_ids = self.tags(x, e.tags, "ExperimentTag", ec, "AddedExperimentTag")
        u = self.user(tag_user(e.tags))
        if u:
            self.rel("wasAttributedTo", x, u)
            self.rel("wasAssociatedWith", ec, u, role="ExperimentAuthor")
        if self.deletions and e.lifecycle_stage == "deleted":
            ed = f"{x}/deletion"
            self.activity(ed, updated, updated, _t("ExperimentDeletion"), f"delete experiment {name}")
            for target in [x] + tag_ids:
                self.rel("wasInvalidatedBy", target, ed, time=updated, role="DeletedExperiment")

    # -- runs -----------------------------------------------------------------------------------------------
    def run(self, r: RunRecord) -> None:
        start = from_millis(r.start_time)
        if not self.opts.in_window(start):
            return
        end = None if (r.status or "") in UNFINISHED else from_millis(r.end_time)
        rid = r.run_id
        R = f"mlflow:run/{encode_segment(rid)}"
        rc = f"{R}/creation"
        name = r.name or rid
        tags = r.tags
        username = run_user(r)
        items: list[tuple[str, Any]] = [
            ("m2p:run_id", rid),
            ("m2p:name", r.name),
            ("m2p:experiment_id", r.experiment_id),
            ("m2p:status", r.status),
            ("m2p:lifecycle_stage", r.lifecycle_stage),
            ("m2p:artifact_uri", strip_secrets(r.artifact_uri)),
            ("m2p:user", username),
            ("m2p:parent_run_id", _nz(tags.get("mlflow.parentRunId"))),
            ("m2p:source_name", _nz(tags.get("mlflow.source.name"))),
            ("m2p:source_type", _nz(tags.get("mlflow.source.type"))),
            ("m2p:source_git_commit", _nz(tags.get("mlflow.source.git.commit"))),
            ("m2p:source_git_branch", _nz(tags.get("mlflow.source.git.branch"))),
            ("m2p:source_git_dirty", _nz(tags.get("mlflow.source.git.dirty"))),
        ]
        if not r.artifacts_listed:
            items.append(("m2p:artifacts_listed", False))
        if r.incomplete:
            items.append(("m2p:incomplete", r.incomplete))
        self.entity(R, _types("Run", True), name, items)
        self.activity(rc, start, end, _t("RunCreation"), f"run {name}")
        if r.experiment_id in self.exp_ids:
            self.rel("hadMember", f"mlflow:experiment/{encode_segment(r.experiment_id)}", R)
        self.rel("wasGeneratedBy", R, rc, time=start, role="AddedRun")
        u = self.user(username)
        if u:
            self.rel("wasAttributedTo", R, u)
            self.rel("wasAssociatedWith", rc, u, role="RunAuthor")
        parent = _nz(tags.get("mlflow.parentRunId"))
        if parent and parent in self.runs and parent != rid:
            self.rel("wasStartedBy", rc, f"mlflow:run/{encode_segment(parent)}/creation", time=start)

        members: list[str] = []
        for key in sorted(r.params):
            value = r.params[key]
            pid = f"{R}/param/{encode_segment(key)}"
            self.entity(pid, _t("Param"), _kv_label(key, value), (("m2p:key", key), ("m2p:value", value)))
            self.rel("hadMember", R, pid)
            self.rel("wasGeneratedBy", pid, rc, role="AddedParam")
            members.append(pid)
        for m in self.run_metrics(r):
            mid = f"{R}/metric/{encode_segment(m.key)}/{m.step}"
            self.metric_entity(mid, m)
            self.rel("hadMember", R, mid)
            self.rel("wasGeneratedBy", mid, rc, time=m.time, role="AddedMetric")
            members.append(mid)
        for key in sorted(tags):
            value = tags[key]
            tid = f"{R}/tag/{encode_segment(key)}"
            self.entity(tid, _t("RunTag"), _kv_label(key, value), (("m2p:key", key), ("m2p:value", value)))
            self.rel("hadMember", R, tid)
            self.rel("wasGeneratedBy", tid, rc, role="AddedRunTag")
            members.append(tid)
        members.extend(self.artifacts(r, R, rc))
        if self.deletions and r.lifecycle_stage == "deleted":
            rd = f"{R}/deletion"
            self.activity(rd, None, None, _t("RunDeletion"), f"delete run {name}")
            for target in [R] + members:
                self.rel("wasInvalidatedBy", target, rd, role="DeletedRun")
        seen_ds: set[tuple[str, str, str | None]] = set()
        for d in r.dataset_inputs:
            ds_key = (d.name, d.digest)
            if ds_key not in self.datasets or (d.name, d.digest, d.context) in seen_ds:
                continue
            seen_ds.add((d.name, d.digest, d.context))
            self.datasets_ref.add(ds_key)
            self.rel("used", rc, _dataset_id(d.name, d.digest), role=d.context)
        for model_id in r.model_inputs:
            if model_id in self.lms:
                self.rel("used", rc, f"mlflow:model/{encode_segment(model_id)}", role="InputModel")
        self.out.runs.append(
            RunSource(
                run_creation_id=rc,
                start_time=start,
                source_git_commit=_nz(tags.get("mlflow.source.git.commit")),
                source_name=_nz(tags.get("mlflow.source.name")),
            )
        )

    def artifacts(self, r: RunRecord, R: str, rc: str) -> list[str]:
        if not r.artifacts:
            return []
        ids = []
        for a in sorted(r.artifacts, key=lambda a: a.path):
            aid = f"{R}/artifact/{encode_path(a.path)}"
            items = [("m2p:path", a.path), ("m2p:is_dir", a.is_dir)]
            if not a.is_dir and a.file_size is not None:
                items.append(("m2p:file_size", int(a.file_size)))
            self.entity(aid, _types("Artifact", a.is_dir), a.path, items)
            self.rel("hadMember", R, aid)
            self.rel("wasGeneratedBy", aid, rc, role="AddedArtifact")
            parent = a.path.rsplit("/", 1)[0] if "/" in a.path else None
            if parent is not None and parent in self.artifact_paths[r.run_id]:
                self.rel("hadMember", f"{R}/artifact/{encode_path(parent)}", aid)
            ids.append(aid)
        for path in sorted(self.model_artifact_paths[r.run_id]):
            maid = f"{R}/model-artifact/{encode_path(path)}"
            self.entity(maid, _t("ModelArtifact"), f"model {path}", (("m2p:path", path),))
            self.rel("hadMember", R, maid)
            self.rel("wasGeneratedBy", maid, rc, role="AddedModelArtifact")
            self.rel("specializationOf", maid, f"{R}/artifact/{encode_path(path)}")
            ids.append(maid)
        return ids

    # -- metrics --------------------------------------------------------------------------------------------
    def _index_lm_metrics(self) -> dict[tuple[Any, ...], list[MetricPoint]]:
        """LM metrics with a run, by (run_id, key, timestamp, value): a history point they name (model doc: Metrics)."""
        index: dict[tuple[Any, ...], list[MetricPoint]] = {}
        for m in self.snap.logged_models:
            for p in m.metrics:
                if p.run_id:
                    index.setdefault((p.run_id, p.key, p.timestamp, metric_value(p.value)), []).append(p)
        for pts in index.values():
            pts.sort(key=lambda p: (p.step, p.model_id or "", p.dataset_name or "", p.dataset_digest or ""))
        return index

    def run_metrics(self, r: RunRecord) -> list["_MetricEntity"]:
        groups: dict[tuple[str, int], list[tuple[MetricPoint, list[MetricPoint]]]] = {}
        linked = r.run_id in self.lm_point_runs
        none: list[MetricPoint] = []
        for p in r.metrics:
            links = self.lm_points.get((r.run_id, p.key, p.timestamp, metric_value(p.value)), none) if linked else none
            step = links[0].step if links else p.step
            groups.setdefault((p.key, step), []).append((p, links))
        count_all = not self.opts.latest_metrics_only
        return [_MetricEntity.of(key, step, pts, count_all) for (key, step), pts in sorted(groups.items())]

    def metric_entity(self, mid: str, m: "_MetricEntity") -> None:
        value = metric_value(m.value)
        items = [("m2p:key", m.key), ("m2p:value", value), ("m2p:step", m.step), ("m2p:timestamp", m.time)]
        if m.model_ids:
            items.append(("m2p:model_id", _one_or_tuple(m.model_ids)))
        if m.datasets:
            items.append(("m2p:dataset_name", _one_or_tuple(sorted({d[0] for d in m.datasets}))))
            items.append(("m2p:dataset_digest", _one_or_tuple(sorted({d[1] for d in m.datasets}))))
        if m.count > 1:
            items.append(("m2p:value_count", m.count))
        self.entity(mid, _t("Metric"), f"{m.key}[{m.step}]={value}", items)
        for model_id in m.model_ids:
            lm = self.lms.get(model_id)
            if lm is not None:
                # #33: a metric logged before its model existed (log_model(step=N) adopts the run's
                # metrics at step N) cannot be derived from it (PROV-CONSTRAINTS derivation ordering):
                # it is then only influenced by the model.
                created = from_millis(lm.creation_timestamp)
                kind = "wasInfluencedBy" if m.time and created and m.time < created else "wasDerivedFrom"
                self.rel(kind, mid, f"mlflow:model/{encode_segment(model_id)}")
        for name, digest in sorted(m.datasets):
            if (name, digest) in self.datasets:
                self.datasets_ref.add((name, digest))
                self.rel("wasDerivedFrom", mid, _dataset_id(name, digest))

    # -- logged models --------------------------------------------------------------------------------------
    def logged_model(self, m: LoggedModelRecord) -> None:
        created = from_millis(m.creation_timestamp)
        if not self.opts.in_window(created):
            return
        L = f"mlflow:model/{encode_segment(m.model_id)}"
        self.entity(
            L,
            _types("LoggedModel", True),
            m.name or m.model_id,
            (
                ("m2p:model_id", m.model_id),
                ("m2p:name", m.name),
                ("m2p:experiment_id", m.experiment_id),
                ("m2p:source_run_id", m.source_run_id),
                ("m2p:model_type", m.model_type),
                ("m2p:status", m.status),
                ("m2p:status_message", m.status_message),
                ("m2p:artifact_location", strip_secrets(m.artifact_location)),
                ("m2p:created_at", created),
                ("m2p:last_updated_at", from_millis(m.last_updated_timestamp)),
            ),
        )
        if m.experiment_id in self.exp_ids:
            self.rel("hadMember", f"mlflow:experiment/{encode_segment(m.experiment_id)}", L)
        steps: dict[str, set[int]] = {}
        if m.source_run_id:
            steps.setdefault(m.source_run_id, set())
        for run_id, step in self.outputs_of.get(m.model_id, []):
            run_steps = steps.setdefault(run_id, set())
            if step is not None:
                run_steps.add(int(step))
        for run_id in sorted(steps):
            if run_id not in self.runs:
                continue
            attrs: dict[str, Any] = {"prov:role": "OutputModel"}
            for s in sorted(steps[run_id]):
                add_value(attrs, "m2p:step", s)
            self.rel("wasGeneratedBy", L, f"mlflow:run/{encode_segment(run_id)}/creation", time=created, attrs=attrs)
        for key in sorted(m.params):
            value = m.params[key]
            pid = f"{L}/param/{encode_segment(key)}"
            self.entity(pid, _t("LoggedModelParam"), _kv_label(key, value), (("m2p:key", key), ("m2p:value", value)))
            self.rel("hadMember", L, pid)
        self.tags(L, m.tags, "LoggedModelTag", None, None)
        u = self.user(tag_user(m.tags))
        if u:
            self.rel("wasAttributedTo", L, u)
        own = [p for p in m.metrics if not p.run_id]
        if self.opts.latest_metrics_only:
            latest: dict[str, MetricPoint] = {}
            for p in own:
                cur = latest.get(p.key)
                if cur is None or (p.step, *_point_order(p)) > (cur.step, *_point_order(cur)):
                    latest[p.key] = p
            own = list(latest.values())
        groups: dict[tuple[str, int], list[tuple[MetricPoint, list[MetricPoint]]]] = {}
        for p in own:
            groups.setdefault((p.key, p.step), []).append((p, [p]))
        for (key, step), pts in sorted(groups.items()):
            me = _MetricEntity.of(key, step, pts, not self.opts.latest_metrics_only)
            self.metric_entity(f"{L}/metric/{encode_segment(key)}/{step}", me)
        commit = _nz(m.tags.get("mlflow.source.git.commit"))
        if not m.source_run_id and commit:
            self.out.models.append(ModelSource(L, commit))

    # -- datasets -------------------------------------------------------------------------------------------
    def dataset(self, d: DatasetRecord) -> None:
        self.entity(
            _dataset_id(d.name, d.digest),
            _t("Dataset"),
            f"{d.name} ({d.digest})",
            (
                ("m2p:name", d.name),
                ("m2p:digest", d.digest),
                ("m2p:source_type", d.source_type),
                ("m2p:source", strip_text_uris(d.source)),
                ("m2p:schema", d.schema),
                ("m2p:profile", d.profile),
            ),
        )

    # -- registry -------------------------------------------------------------------------------------------
    def registered_model(self, rm: RegisteredModelRecord) -> None:
        M = f"mlflow:registered-model/{encode_segment(rm.name)}"
        created = from_millis(rm.creation_timestamp)
        if self.opts.in_window(created):
            rmc = f"{M}/creation"
            self.entity(
                M,
                _types("RegisteredModel", True),
                rm.name,
                (
                    ("m2p:name", rm.name),
                    ("m2p:description", rm.description),
                    ("m2p:created_at", created),
                    ("m2p:last_updated_at", from_millis(rm.last_updated_timestamp)),
                ),
            )
            self.activity(rmc, created, created, _t("RegisteredModelCreation"), f"register {rm.name}")
            self.rel("wasGeneratedBy", M, rmc, time=created, role="AddedRegisteredModel")
            self.tags(M, rm.tags, "RegisteredModelTag", rmc, "AddedRegisteredModelTag")
            u = self.user(tag_user(rm.tags))
            if u:
                self.rel("wasAttributedTo", M, u)
                self.rel("wasAssociatedWith", rmc, u, role="RegisteredModelAuthor")
        shown: set[int] = set()
        for v in rm.versions:
            if self.opts.in_window(from_millis(v.creation_timestamp)):
                self.model_version(M, v)
                shown.add(v.version)
        for alias in sorted(rm.aliases):
            ver = rm.aliases[alias]
            exists = (rm.name, ver) in self.versions
            if exists and ver not in shown:
                continue
            aid = f"{M}/alias/{encode_segment(alias)}/{ver}"
            self.entity(
                aid,
                _t("ModelAlias"),
                f"{rm.name}@{alias} (v{ver})",
                (("m2p:alias", alias), ("m2p:name", rm.name), ("m2p:version", int(ver))),
            )
            if exists:
                self.rel("specializationOf", aid, f"{M}/version/{ver}")

    def model_version(self, M: str, v: ModelVersionRecord) -> None:
        V = f"{M}/version/{v.version}"
        mvc = f"{V}/creation"
        created = from_millis(v.creation_timestamp)
        updated = from_millis(v.last_updated_timestamp)
        source_id, lm = self.resolve_source(v)
        self.entity(
            V,
            _types("ModelVersion", True),
            f"{v.name} v{v.version}",
            (
                ("m2p:name", v.name),
                ("m2p:version", int(v.version)),
                ("m2p:description", v.description),
                ("m2p:stage", v.stage),
                ("m2p:status", v.status),
                ("m2p:status_message", v.status_message),
                ("m2p:source", strip_secrets(v.source)),
                ("m2p:run_id", v.run_id),
                ("m2p:run_link", strip_secrets(v.run_link)),
                ("m2p:model_id", lm.model_id if lm else None),
                ("m2p:user_id", v.user_id),
                ("m2p:created_at", created),
                ("m2p:last_updated_at", updated),
            ),
        )
        self.rel("specializationOf", V, M)
        self.activity(mvc, created, created, _t("ModelVersionCreation"), f"create {v.name} v{v.version}")
        self.rel("wasGeneratedBy", V, mvc, time=created, role="AddedModelVersion")
        tag_ids = self.tags(V, v.tags, "ModelVersionTag", mvc, "AddedModelVersionTag")
        if source_id:
            self.rel("wasDerivedFrom", V, source_id)
            self.rel("used", mvc, source_id, role="ModelSource")
        run_id = v.run_id if v.run_id in self.runs else None
        if run_id is None and lm is not None and lm.source_run_id in self.runs:
            run_id = lm.source_run_id
        if run_id:
            self.rel("wasInformedBy", mvc, f"mlflow:run/{encode_segment(run_id)}/creation")
        u = self.user(v.user_id)
        if u:
            self.rel("wasAttributedTo", V, u)
            self.rel("wasAssociatedWith", mvc, u, role="ModelVersionAuthor")
        if self.deletions and v.stage == DELETED_INTERNAL_STAGE:
            mvd = f"{V}/deletion"
            self.activity(mvd, updated, updated, _t("ModelVersionDeletion"), f"delete {v.name} v{v.version}")
            for target in [V] + tag_ids:
                self.rel("wasInvalidatedBy", target, mvd, time=updated, role="DeletedModelVersion")

    def resolve_source(self, v: ModelVersionRecord) -> tuple[str | None, LoggedModelRecord | None]:
        """The element a version's source names (docs/prov-model.md#model-version-sources), and its LM."""
        src = (v.source or "").strip()
        if not src:
            return None, None
        if src.startswith("models:/"):
            model_id = src[len("models:/") :].strip("/")
            if model_id in self.lms:
                return f"mlflow:model/{encode_segment(model_id)}", self.lms[model_id]
        if src.startswith("runs:/"):
            rest = src[len("runs:/") :]
            run_id, _, path = rest.partition("/")
            path = path.strip("/")
            if run_id in self.runs:
                lm = self._newest_lm(run_id, path)
                if lm is not None:
                    return f"mlflow:model/{encode_segment(lm.model_id)}", lm
                found = self._run_artifact(run_id, path)
                if found:
                    return found, None
        key = _uri_key(src)
        if key:
            probe = key
            while probe:  # the longest LM artifact location the source lies under
                lm = self.lm_by_location.get(probe)
                if lm is not None:
                    return f"mlflow:model/{encode_segment(lm.model_id)}", lm
                if "/" not in probe.rstrip("/"):
                    break
                probe = probe.rstrip("/").rsplit("/", 1)[0]
            run = self.runs.get(v.run_id or "")
            root = _uri_key(run.artifact_uri) if run else None
            if run and root and key.startswith(root + "/"):
                found = self._run_artifact(run.run_id, key[len(root) + 1 :].strip("/"))
                if found:
                    return found, None
        return None, None

    def _newest_lm(self, run_id: str, name: str) -> LoggedModelRecord | None:
        cands = self.lm_by_run_name.get((run_id, name))
        if not cands:
            return None
        return max(cands, key=lambda lm: (lm.creation_timestamp or 0, lm.model_id))

    def _run_artifact(self, run_id: str, path: str) -> str | None:
        if not path:
            return None
        R = f"mlflow:run/{encode_segment(run_id)}"
        if path in self.model_artifact_paths.get(run_id, ()):
            return f"{R}/model-artifact/{encode_path(path)}"
        if path in self.artifact_paths.get(run_id, ()):
            return f"{R}/artifact/{encode_path(path)}"
        return None


@dataclass
class _MetricEntity:
    """One Metric element: the value chosen at (key, step) and what it links to."""

    key: str
    step: int
    value: float
    time: datetime | None
    count: int
    model_ids: list[str]
    datasets: set[tuple[str, str]]

    @classmethod
    def of(
        cls, key: str, step: int, pts: list[tuple[MetricPoint, list[MetricPoint]]], count_all: bool
    ) -> "_MetricEntity":
        if len(pts) == 1 and not pts[0][1]:  # the common point: one value at its step, no model or dataset
            p = pts[0][0]
            return cls(key, step, p.value, from_millis(p.timestamp), 1, [], set())
        chosen = max(pts, key=lambda x: _point_order(x[0]))[0]
        model_ids: set[str] = set()
        datasets: set[tuple[str, str]] = set()
        for _, links in pts:
            for lp in links:
                if lp.model_id:
                    model_ids.add(lp.model_id)
                if lp.dataset_name and lp.dataset_digest:
                    datasets.add((lp.dataset_name, lp.dataset_digest))
        return cls(
            key=key,
            step=step,
            value=chosen.value,
            time=from_millis(chosen.timestamp),
            count=len(pts) if count_all else 1,
            model_ids=sorted(model_ids),
            datasets=datasets,
        )


def _point_order(p: MetricPoint) -> tuple[int, float]:
    """Latest timestamp, then largest value (NaN lowest), as MLflow picks a step's value."""
    v = p.value
    return (p.timestamp or 0, float("-inf") if v != v else v)


def _model_artifact_dirs(arts: list[ArtifactEntry]) -> set[str]:
    dirs = {a.path for a in arts if a.is_dir}
    out = set()
    for a in arts:
        if not a.is_dir and "/" in a.path:
            parent, base = a.path.rsplit("/", 1)
            if base == "MLmodel" and parent in dirs:
                out.add(parent)
    return out


def _dataset_id(name: str, digest: str) -> str:
    return f"mlflow:dataset/{encode_segment(name)}/{encode_segment(digest)}"


def _nz(value: str | None) -> str | None:
    return None if value is None or value == "" else value


def _one_or_tuple(values: list[str]) -> Any:
    if not values:
        return None
    return values[0] if len(values) == 1 else tuple(sorted(values))


def strip_text_uris(text: str | None) -> str | None:
    """P7 inside free text (a dataset source JSON): every URI in it loses userinfo and secret parameters."""
    if not text or "://" not in text:
        return text
    import re

    return re.sub(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>\\]+", lambda m: strip_secrets(m.group(0)) or "", text)
