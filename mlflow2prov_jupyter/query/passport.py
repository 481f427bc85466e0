"""`passport()`: where a registered model version or a run came from, as one compact card.

The chain followed (docs/prov-model.md#relations): alias → model version (#44) → its source, a logged model or a
model folder (#40) → the run that produced it (#28, #21) with its params, final metrics, datasets (#27) and user →
the commit it ran at (#45) → the entry-point file revision (#46). Every gap is said plainly in
``missing``; ``subgraph`` is the document of exactly the records the passport used.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..core.errors import Mlflow2ProvError
from ..core.provdoc import Element, ProvDoc, Relation
from .lineage import subdocument


class UnknownReferenceError(Mlflow2ProvError):
    """A passport reference naming no model version, alias, logged model or run of the document."""

    exit_code = 2


REFERENCE_FORMS = "models:/<name>@<alias>, models:/<name>/<version>, models:/<model_id>, runs:/<run_id> or a run id"


@dataclass
class Passport:
    """The provenance card of a model version, alias, logged model or run.

    Sections are plain dicts (None when the chain does not reach them): ``alias``, ``model_version``,
    ``model`` (logged model or model folder), ``run``, ``commit``, ``entry_point``. ``missing`` lists
    what could not be followed, ``notes`` other remarks; ``subgraph`` holds exactly the records used.
    """

    ref: str
    subject: str
    alias: dict[str, Any] | None = None
    model_version: dict[str, Any] | None = None
    model: dict[str, Any] | None = None
    run: dict[str, Any] | None = None
    commit: dict[str, Any] | None = None
    entry_point: dict[str, Any] | None = None
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    subgraph: ProvDoc = field(default_factory=ProvDoc, repr=False)

    SECTIONS = ("alias", "model_version", "model", "run", "commit", "entry_point")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (times as ISO text; the subgraph as its element ids)."""
        out: dict[str, Any] = {"ref": self.ref, "subject": self.subject}
        for name in self.SECTIONS:
            out[name] = _jsonable(getattr(self, name))
        out["missing"] = list(self.missing)
        out["notes"] = list(self.notes)
        out["records"] = sorted(self.subgraph.elements)
        return out

    # -- rendering ---------------------------------------------------------------------------------
    def _lines(self) -> list[tuple[str, list[tuple[str, str]], list[tuple[str, list[str], list[list[str]]]]]]:
        """Sections as (title, [(field, text)], [(table title, header, rows)]) for both renderings."""
        out = []
        if self.alias:
            a = self.alias
            out.append(("Alias", [("alias", f"{a['name']}@{a['alias']}"), ("version", _s(a.get("version")))], []))
        if self.model_version:
            mv = self.model_version
            fields = [("model", f"{mv['name']} version {mv['version']}")]
            for k in ("aliases", "status", "stage", "description", "user", "created_at", "source"):
                if mv.get(k) not in (None, "", []) and not (k == "stage" and mv[k] == "None"):
                    fields.append((k.replace("_", " "), _s(mv[k])))
            tables = [("tags", ["key", "value"], [[k, _s(v)] for k, v in sorted(mv.get("tags", {}).items())])] if mv.get("tags") else []
            out.append(("Model version", fields, tables))
        if self.model:
            m = self.model
            fields = [("kind", m["kind"])]
            for k in ("model_id", "name", "path", "status", "created_at", "artifact_location"):
                if m.get(k) not in (None, ""):
                    fields.append((k.replace("_", " "), _s(m[k])))
            tables = []
            if m.get("metrics"):
                rows = [[x["key"], _s(x["value"]), _s(x.get("step")), _s(x.get("dataset")), _s(x.get("run_id"))]
                        for x in m["metrics"]]
                tables.append(("metrics linked to the model", ["key", "value", "step", "dataset", "run"], rows))
            out.append(("Model", fields, tables))
        if self.run:
            r = self.run
            fields = [("run", f"{r.get('name') or ''} ({r['run_id']})".strip())]
            for k in ("status", "user", "experiment", "start", "end", "parent_run_id"):
                if r.get(k) not in (None, ""):
                    fields.append((k.replace("_", " "), _s(r[k])))
            tables = []
            if r.get("params"):
                tables.append(("params", ["key", "value"], [[k, _s(v)] for k, v in sorted(r["params"].items())]))
            if r.get("metrics"):
                tables.append(("final metrics (value at the largest step)", ["key", "value", "step"],
                               [[k, _s(v["value"]), _s(v["step"])] for k, v in sorted(r["metrics"].items())]))
            if r.get("datasets"):
                tables.append(("datasets", ["name", "digest", "context"],
                               [[d["name"], _s(d.get("digest")), _s(d.get("context"))] for d in r["datasets"]]))
            if r.get("input_models"):
                tables.append(("input models", ["model id"], [[m] for m in r["input_models"]]))
            out.append(("Run", fields, tables))
        if self.commit:
            c = self.commit
            fields = [("commit", f"{c['sha'][:7]} {c.get('title') or ''}".strip()), ("sha", c["sha"])]
            author = c.get("author")
            if author or c.get("author_email"):
                fields.append(("author", f"{author or ''} <{c.get('author_email') or ''}>".strip()))
            if c.get("authored_at"):
                fields.append(("date", _s(c["authored_at"])))
            dirty = c.get("dirty")
            fields.append(("dirty", "unknown: the run records no dirty flag" if dirty is None else
                           "yes: uncommitted changes when the run started" if dirty else "no"))
            out.append(("Commit", fields, []))
        if self.entry_point:
            e = self.entry_point
            fields = [("path", e["path"])]
            if e.get("commit"):
                fields.append(("revision of commit", e["commit"]))
            if e.get("blob"):
                fields.append(("blob", e["blob"]))
            out.append(("Entry point", fields, []))
        return out

    def to_markdown(self) -> str:
        """The card as Markdown (all text escaped for Markdown tables and emphasis)."""
        md = [f"## Passport of `{_code(self.ref)}`", ""]
        for title, fields, tables in self._lines():
            md.append(f"### {title}")
            md.append("")
            for k, v in fields:
                md.append(f"- **{k}**: {_md(v)}")
            for ttitle, header, rows in tables:
                md.append("")
                md.append(f"*{_md(ttitle)}*")
                md.append("")
                md.append("| " + " | ".join(_md(h) for h in header) + " |")
                md.append("|" + "---|" * len(header))
                for row in rows:
                    md.append("| " + " | ".join(_md(x) for x in row) + " |")
            md.append("")
        if self.missing:
            md.append("### Missing")
            md.append("")
            md.extend(f"- {_md(m)}" for m in self.missing)
            md.append("")
        if self.notes:
            md.append("### Notes")
            md.append("")
            md.extend(f"- {_md(n)}" for n in self.notes)
            md.append("")
        return "\n".join(md)

    def _repr_html_(self) -> str:
        e = html.escape
        parts = [
            '<div class="m2p-passport" style="border:1px solid #ccc;border-radius:6px;padding:8px 12px;'
            'font-family:sans-serif;font-size:13px;max-width:60em">',
            f"<h3 style='margin:4px 0'>Passport of <code>{e(self.ref)}</code></h3>",
        ]
        for title, fields, tables in self._lines():
            parts.append(f"<h4 style='margin:8px 0 2px'>{e(title)}</h4><table>")
            for k, v in fields:
                parts.append(f"<tr><th style='text-align:left;padding-right:1em'>{e(k)}</th><td>{e(v)}</td></tr>")
            parts.append("</table>")
            for ttitle, header, rows in tables:
                parts.append(f"<details open><summary>{e(ttitle)} ({len(rows)})</summary><table>")
                parts.append("<tr>" + "".join(f"<th style='text-align:left'>{e(h)}</th>" for h in header) + "</tr>")
                for row in rows:
                    parts.append("<tr>" + "".join(f"<td>{e(x)}</td>" for x in row) + "</tr>")
                parts.append("</table></details>")
        if self.missing:
            parts.append("<h4 style='margin:8px 0 2px;color:#cf222e'>Missing</h4><ul>")
            parts.extend(f"<li>{e(m)}</li>" for m in self.missing)
            parts.append("</ul>")
        if self.notes:
            parts.append("<h4 style='margin:8px 0 2px'>Notes</h4><ul>")
            parts.extend(f"<li>{e(n)}</li>" for n in self.notes)
            parts.append("</ul>")
        n = len(self.subgraph.elements)
        parts.append(f"<p style='color:#666'>{n} records in <code>passport.subgraph</code></p></div>")
        return "".join(parts)


def _s(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return ", ".join(_s(x) for x in v)
    return str(v)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def _md(text: Any) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(_s(text).split()))


def _code(text: str) -> str:
    return " ".join(str(text).split()).replace("`", "'")


def _jsonable(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


# --------------------------------------------------------------------------------------------- walking
class _Graph:
    """Relations of a document indexed by endpoint, plus the trail of records a passport uses."""

    def __init__(self, doc: ProvDoc):
        self.doc = doc
        self.out: dict[str, list[Relation]] = defaultdict(list)
        self.inc: dict[str, list[Relation]] = defaultdict(list)
        for r in doc.relations:
            if r.source is not None:
                self.out[r.source].append(r)
            if r.target is not None:
                self.inc[r.target].append(r)
        self.ids: set[str] = set()
        self.rels: list[Relation] = []
        self._rel_ids: set[int] = set()

    def el(self, eid: str | None) -> Element | None:
        return self.doc.elements.get(eid) if eid else None

    def use(self, eid: str | None) -> Element | None:
        el = self.el(eid)
        if el is not None:
            self.ids.add(el.id)
        return el

    def via(self, r: Relation) -> None:
        if id(r) not in self._rel_ids:
            self._rel_ids.add(id(r))
            self.rels.append(r)
            for x in (r.source, r.target):
                if x in self.doc.elements:
                    self.ids.add(x)

    def follow(self, eid: str, kind: str, typ: str | None = None, role: str | None = None,
               incoming: bool = False) -> list[tuple[Relation, Element]]:
        """Relations of ``kind`` from (or, ``incoming``, to) ``eid`` whose other end has prov:type ``typ``."""
        out = []
        for r in (self.inc if incoming else self.out).get(eid, ()):
            if r.kind != kind:
                continue
            if role is not None and role not in r.roles:
                continue
            other = self.el(r.source if incoming else r.target)
            if other is None or (typ is not None and typ not in other.types):
                continue
            out.append((r, other))
        return out

    def find(self, typ: str, **attrs: Any) -> list[Element]:
        out = []
        for el in self.doc.elements.values():
            if typ not in el.types:
                continue
            if all(_matches(el.get(f"m2p:{k}"), v) for k, v in attrs.items()):
                out.append(el)
        return out


def _matches(value: Any, want: Any) -> bool:
    vals = value if isinstance(value, tuple) else (value,)
    return any(v == want or (v is not None and str(v) == str(want)) for v in vals)


def _first(v: Any) -> Any:
    if isinstance(v, tuple):
        return v[0] if v else None
    return v


def _int(v: Any) -> int | None:
    try:
        return int(_first(v))
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------------------------- resolving
def _parse_ref(ref: str) -> tuple[str, dict[str, str]]:
    text = str(ref).strip()
    if text.startswith("models:/"):
        rest = text[len("models:/"):].strip("/")
        if "@" in rest:
            name, alias = rest.rsplit("@", 1)
            return "alias", {"name": name, "alias": alias}
        if "/" in rest:
            name, version = rest.rsplit("/", 1)
            return "version", {"name": name, "version": version}
        return "model", {"model_id": rest}
    if text.startswith("runs:/"):
        rest = text[len("runs:/"):].strip("/")
        run_id, _, path = rest.partition("/")
        return "run", {"run_id": run_id, "path": path}
    return "bare", {"value": text}


def _resolve(g: _Graph, ref: str, p: Passport) -> tuple[str, Element]:
    """(kind, element) that ``ref`` names; raises UnknownReferenceError with what exists instead."""
    kind, parts = _parse_ref(ref)
    if not ref or not str(ref).strip():
        raise UnknownReferenceError(f"empty passport reference; give {REFERENCE_FORMS}")
    if kind == "alias":
        cands = g.find("m2p:ModelAlias", name=parts["name"], alias=parts["alias"])
        if not cands:
            known = sorted({f"{_s(a.get('m2p:name'))}@{_s(a.get('m2p:alias'))}" for a in g.find("m2p:ModelAlias")})
            raise UnknownReferenceError(
                f"no alias {parts['alias']!r} of registered model {parts['name']!r} in the document"
                + (f"; known aliases: {', '.join(known[:8])}" if known else "; the document holds no model aliases"))
        cands.sort(key=lambda a: (_int(a.get("m2p:version")) or -1, a.id))
        if len(cands) > 1:
            p.notes.append(
                f"alias {parts['alias']} points to versions "
                f"{', '.join(_s(a.get('m2p:version')) for a in cands)} in this document (merged extractions); "
                f"showing the highest, {_s(cands[-1].get('m2p:version'))}")
        return "alias", cands[-1]
    if kind == "version":
        name, version = parts["name"], parts["version"]
        mvs = g.find("m2p:ModelVersion", name=name)
        if version.lower() == "latest" and mvs:
            return "version", max(mvs, key=lambda m: _int(m.get("m2p:version")) or -1)
        hit = [m for m in mvs if _int(m.get("m2p:version")) == _int(version) and _int(version) is not None]
        if hit:
            return "version", hit[0]
        if mvs:
            have = sorted(_int(m.get("m2p:version")) or 0 for m in mvs)
            raise UnknownReferenceError(f"registered model {name!r} has no version {version!r} in the document; "
                                        f"its versions: {', '.join(map(str, have))}")
        raise UnknownReferenceError(f"no registered model {name!r} in the document; {_known_models(g)}")
    if kind == "model":
        mid = parts["model_id"]
        hit = g.find("m2p:LoggedModel", model_id=mid)
        if hit:
            return "model", hit[0]
        if g.find("m2p:RegisteredModel", name=mid):
            raise UnknownReferenceError(
                f"models:/{mid} names a registered model; give a version or alias: models:/{mid}/<version> "
                f"or models:/{mid}@<alias>")
        raise UnknownReferenceError(f"no logged model with id {mid!r} in the document; {_known_models(g)}")
    if kind == "run":
        run = g.find("m2p:Run", run_id=parts["run_id"])
        if not run:
            raise UnknownReferenceError(f"no run {parts['run_id']!r} in the document; check the run id "
                                        "(mlflow runs list) or extract the store that holds it")
        if parts["path"]:
            return "run-path:" + parts["path"], run[0]
        return "run", run[0]
    value = parts["value"]
    el = g.el(value)
    if el is not None:
        for typ, k in (("m2p:ModelAlias", "alias"), ("m2p:ModelVersion", "version"), ("m2p:LoggedModel", "model"),
                       ("m2p:Run", "run")):
            if typ in el.types:
                return k, el
        raise UnknownReferenceError(f"{value} is not a model version, alias, logged model or run; give {REFERENCE_FORMS}")
    run = g.find("m2p:Run", run_id=value)
    if run:
        return "run", run[0]
    model = g.find("m2p:LoggedModel", model_id=value)
    if model:
        return "model", model[0]
    raise UnknownReferenceError(f"{value!r} is no run id, model id or reference in the document; give {REFERENCE_FORMS}")


def _known_models(g: _Graph) -> str:
    names = sorted({_s(r.get("m2p:name")) for r in g.find("m2p:RegisteredModel")})
    return f"registered models: {', '.join(names[:8])}" if names else "the document holds no registered models"


# --------------------------------------------------------------------------------------------- sections
def _alias_section(g: _Graph, alias: Element, p: Passport) -> Element | None:
    g.use(alias.id)
    p.alias = {"id": alias.id, "name": _s(alias.get("m2p:name")), "alias": _s(alias.get("m2p:alias")),
               "version": _int(alias.get("m2p:version"))}
    hits = g.follow(alias.id, "specializationOf", "m2p:ModelVersion")
    if hits:
        g.via(hits[0][0])
        return hits[0][1]
    mvs = [m for m in g.find("m2p:ModelVersion", name=p.alias["name"])
           if _int(m.get("m2p:version")) == p.alias["version"]]
    if mvs:
        p.notes.append("alias is not linked to its version; matched the version by name and number")
        return g.use(mvs[0].id)
    p.missing.append(f"alias {p.alias['alias']} names version {p.alias['version']}, which is not in the document")
    return None


def _version_section(g: _Graph, mv: Element, p: Passport) -> tuple[Element | None, Element | None]:
    """Fill model_version; return (source element, run element hinted by the version)."""
    g.use(mv.id)
    tags = {}
    for r, tag in g.follow(mv.id, "hadMember", "m2p:ModelVersionTag"):
        g.via(r)
        tags[_s(tag.get("m2p:key"))] = _s(tag.get("m2p:value"))
    aliases = sorted(_s(a.get("m2p:alias")) for _, a in g.follow(mv.id, "specializationOf", "m2p:ModelAlias",
                                                                  incoming=True))
    user = _s(mv.get("m2p:user_id")) or None
    for r, agent in g.follow(mv.id, "wasAttributedTo"):
        g.via(r)
        user = _s(agent.get("m2p:username")) or user
    p.model_version = {
        "id": mv.id,
        "name": _s(mv.get("m2p:name")),
        "version": _int(mv.get("m2p:version")),
        "aliases": aliases,
        "status": _first(mv.get("m2p:status")),
        "stage": _first(mv.get("m2p:stage")),
        "description": _first(mv.get("m2p:description")),
        "user": user,
        "created_at": _first(mv.get("m2p:created_at")),
        "source": _first(mv.get("m2p:source")),
        "run_id": _first(mv.get("m2p:run_id")),
        "model_id": _first(mv.get("m2p:model_id")),
        "tags": tags,
    }
    source = None
    for r, el in g.follow(mv.id, "wasDerivedFrom"):
        if {"m2p:LoggedModel", "m2p:ModelArtifact", "m2p:Artifact"} & set(el.types):
            g.via(r)
            source = el
            break
    if source is None:
        mid = p.model_version["model_id"]
        lm = g.find("m2p:LoggedModel", model_id=mid) if mid else []
        if lm:
            source = g.use(lm[0].id)
            p.notes.append(f"version source not linked; used the logged model of its model_id {mid}")
        else:
            src = p.model_version["source"]
            p.missing.append(f"version source {src} could not be resolved to a logged model or model folder"
                             if src else "version records no source")
    run = None
    rid = p.model_version["run_id"]
    if rid:
        found = g.find("m2p:Run", run_id=rid)
        if found:
            run = found[0]
        elif source is None or "m2p:LoggedModel" not in source.types:
            p.missing.append(f"version names run {rid}, which is not in the document")
    return source, run


def _model_section(g: _Graph, model: Element, p: Passport) -> Element | None:
    """Fill model from a logged model or model folder; return the run that produced it (or None)."""
    g.use(model.id)
    types = set(model.types)
    if "m2p:LoggedModel" in types:
        metrics = []
        for r, met in g.follow(model.id, "wasDerivedFrom", "m2p:Metric", incoming=True):
            g.via(r)
            ds = met.get("m2p:dataset_name")
            metrics.append({"key": _s(met.get("m2p:key")), "value": _first(met.get("m2p:value")),
                            "step": _int(met.get("m2p:step")), "run_id": _run_of_metric(g, met),
                            "dataset": f"{_s(ds)} ({_s(met.get('m2p:dataset_digest'))})" if ds else None})
        metrics.sort(key=lambda m: (m["key"], m["run_id"] or "", m["step"] or 0))
        p.model = {"id": model.id, "kind": "logged model", "model_id": _first(model.get("m2p:model_id")),
                   "name": _first(model.get("m2p:name")), "status": _first(model.get("m2p:status")),
                   "created_at": _first(model.get("m2p:created_at")),
                   "source_run_id": _first(model.get("m2p:source_run_id")), "metrics": metrics}
        for r, rc in g.follow(model.id, "wasGeneratedBy", "m2p:RunCreation"):
            run = _run_of_creation(g, rc)
            if run is not None:
                g.via(r)
                return run
        rid = p.model["source_run_id"]
        if rid:
            found = g.find("m2p:Run", run_id=rid)
            if found:
                p.notes.append("logged model not linked to its run's creation; matched the run by source_run_id")
                return found[0]
            p.missing.append(f"logged model names source run {rid}, which is not in the document")
        else:
            # Spec #32: a logged model without source run may name a commit.
            for r, c in g.follow(model.id, "wasInfluencedBy", "m2p:Commit"):
                g.via(r)
                _commit_section(g, c, None, p)
                break
            else:
                p.missing.append("logged model has no source run"
                                 + ("" if model.get("m2p:source_git_commit") is None else
                                    " and its commit is not in the repository"))
        return None
    kind = "model folder" if "m2p:ModelArtifact" in types else "artifact"
    p.model = {"id": model.id, "kind": kind, "path": _first(model.get("m2p:path"))}
    for r, run in g.follow(model.id, "hadMember", "m2p:Run", incoming=True):
        g.via(r)
        return run
    p.missing.append(f"{kind} {p.model['path']} is not linked to a run")
    return None


def _run_of_creation(g: _Graph, rc: Element) -> Element | None:
    for r, run in g.follow(rc.id, "wasGeneratedBy", "m2p:Run", incoming=True):
        g.via(r)
        return run
    return None


def _creation_of_run(g: _Graph, run: Element) -> tuple[Relation, Element] | None:
    hits = g.follow(run.id, "wasGeneratedBy", "m2p:RunCreation")
    return hits[0] if hits else None


def _run_of_metric(g: _Graph, met: Element) -> str | None:
    for _, run in g.follow(met.id, "hadMember", "m2p:Run", incoming=True):
        return _first(run.get("m2p:run_id"))
    return None


def _run_section(g: _Graph, run: Element, p: Passport) -> Element | None:
    """Fill run; return its creation activity."""
    g.use(run.id)
    params: dict[str, Any] = {}
    finals: dict[str, dict[str, Any]] = {}
    for r, m in g.follow(run.id, "hadMember"):
        types = set(m.types)
        if "m2p:Param" in types:
            g.via(r)
            params[_s(m.get("m2p:key"))] = _first(m.get("m2p:value"))
        elif "m2p:Metric" in types:
            key = _s(m.get("m2p:key"))
            step = _int(m.get("m2p:step")) or 0
            cur = finals.get(key)
            if cur is None or step > cur["step"]:
                finals[key] = {"value": _first(m.get("m2p:value")), "step": step,
                               "timestamp": _first(m.get("m2p:timestamp")), "_r": r}
    metrics = {}
    for key, v in finals.items():
        g.via(v.pop("_r"))
        metrics[key] = v
    user = _first(run.get("m2p:user"))
    for r, agent in g.follow(run.id, "wasAttributedTo"):
        g.via(r)
        user = _s(agent.get("m2p:username")) or user
    experiment = None
    for r, exp in g.follow(run.id, "hadMember", "m2p:Experiment", incoming=True):
        g.via(r)
        experiment = f"{_s(exp.get('m2p:name'))} ({_s(exp.get('m2p:experiment_id'))})"
    p.run = {"id": run.id, "run_id": _first(run.get("m2p:run_id")), "name": _first(run.get("m2p:name")),
             "status": _first(run.get("m2p:status")), "lifecycle_stage": _first(run.get("m2p:lifecycle_stage")),
             "user": user, "experiment": experiment, "parent_run_id": _first(run.get("m2p:parent_run_id")),
             "start": None, "end": None, "params": params, "metrics": metrics, "datasets": [], "input_models": []}
    hit = _creation_of_run(g, run)
    if hit is None:
        p.missing.append(f"run {p.run['run_id']} has no creation activity in the document")
        return None
    r, rc = hit
    g.via(r)
    p.run["start"] = rc.get("prov:startTime")
    p.run["end"] = rc.get("prov:endTime")
    for r, ds in g.follow(rc.id, "used", "m2p:Dataset"):
        g.via(r)
        roles = r.roles
        p.run["datasets"].append({"name": _s(ds.get("m2p:name")), "digest": _s(ds.get("m2p:digest")),
                                  "context": _s(roles) if roles else None,
                                  "source": _first(ds.get("m2p:source"))})
    p.run["datasets"].sort(key=lambda d: (d["name"], d["digest"], d["context"] or ""))
    for r, lm in g.follow(rc.id, "used", "m2p:LoggedModel", role="InputModel"):
        g.via(r)
        p.run["input_models"].append(_s(lm.get("m2p:model_id")))
    p.run["input_models"].sort()
    return rc


def _dirty(run: Element) -> bool | None:
    v = _first(run.get("m2p:source_git_dirty"))
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in ("true", "1", "yes"):
        return True
    if s in ("false", "0", "no"):
        return False
    return None


def _commit_section(g: _Graph, c: Element, run: Element | None, p: Passport) -> None:
    g.use(c.id)
    author = email = None
    for r, agent in g.follow(c.id, "wasAssociatedWith"):
        if "CommitAuthor" in r.roles:
            g.via(r)
            author = _s(agent.get("m2p:name")) or None
            email = _first(agent.get("m2p:email"))
    p.commit = {"id": c.id, "sha": _s(c.get("m2p:sha")), "title": _first(c.get("m2p:title")),
                "author": author, "author_email": email, "authored_at": _first(c.get("m2p:authored_at")),
                "committed_at": _first(c.get("m2p:committed_at")), "dirty": _dirty(run) if run is not None else None}


def _git_sections(g: _Graph, run: Element, rc: Element | None, p: Passport) -> None:
    named = _first(run.get("m2p:source_git_commit"))
    commit = None
    if rc is not None:
        for r, c in g.follow(rc.id, "wasInformedBy", "m2p:Commit"):
            g.via(r)
            commit = c
            break
    if commit is None:
        if not named:
            p.missing.append("run records no Git commit (tag mlflow.source.git.commit)")
        elif not any(True for _ in g.doc.of_type("m2p:Commit")):
            p.missing.append(f"run names commit {named}, but the document holds no Git history "
                             "(extract with the repository)")
        else:
            p.missing.append(f"run names a commit that is not in the repository: {named}")
        return
    _commit_section(g, commit, run, p)
    if p.commit and p.commit["dirty"]:
        p.notes.append("the run started from a work tree with uncommitted changes: the commit is not the exact code")
    for r, rev in g.follow(rc.id, "used", "m2p:FileRevision", role="EntryPoint"):
        g.via(r)
        file_id = None
        for r2, f in g.follow(rev.id, "specializationOf", "m2p:File"):
            g.via(r2)
            file_id = f.id
        p.entry_point = {"id": rev.id, "path": _s(rev.get("m2p:path")), "commit": _first(rev.get("m2p:commit")),
                         "blob": _first(rev.get("m2p:blob")), "file": file_id}
        return
    source = _first(run.get("m2p:source_name"))
    if source:
        p.missing.append(f"entry point {source} could not be matched to one file of commit {p.commit['sha'][:12]}")
    else:
        p.missing.append("run records no entry point (tag mlflow.source.name)")


def _run_path_model(g: _Graph, run: Element, path: str, p: Passport) -> Element | None:
    """The model of ``runs:/<run>/<path>``: the run's logged model named path (newest), else the folder."""
    rid = _first(run.get("m2p:run_id"))
    lms = [m for m in g.find("m2p:LoggedModel", source_run_id=rid) if _s(m.get("m2p:name")) == path]
    if lms:
        return max(lms, key=lambda m: (_s(_first(m.get("m2p:created_at"))), m.id))
    for typ in ("m2p:ModelArtifact", "m2p:Artifact"):
        for r, a in g.follow(run.id, "hadMember", typ):
            if _s(a.get("m2p:path")) == path:
                return a
    p.missing.append(f"run {rid} has no logged model or artifact named {path}")
    return None


# --------------------------------------------------------------------------------------------- entry point
def passport(doc: ProvDoc, ref: str) -> Passport:
    """The provenance passport of ``ref`` in ``doc``.

    ``ref``: ``models:/<name>@<alias>``, ``models:/<name>/<version>`` (or ``/latest``),
    ``models:/<model_id>``, ``runs:/<run_id>`` (``runs:/<run_id>/<path>`` for the model at path), a bare
    run or model id, or the element id of a run, logged model, version or alias. Raises
    :class:`UnknownReferenceError` (one line, naming what exists) when nothing matches.
    """
    g = _Graph(doc)
    p = Passport(ref=str(ref), subject="")
    kind, el = _resolve(g, str(ref), p)
    p.subject = el.id
    mv = model = run = run_hint = None
    if kind == "alias":
        mv = _alias_section(g, el, p)
    elif kind == "version":
        mv = el
    elif kind == "model":
        model = el
    elif kind.startswith("run"):
        run = el
        if kind.startswith("run-path:"):
            model = _run_path_model(g, el, kind[len("run-path:"):], p)
    if mv is not None:
        model, run_hint = _version_section(g, mv, p)
        if model is None:
            run = run_hint
    if model is not None:
        produced_by = _model_section(g, model, p)
        if run is None:
            run = produced_by or run_hint
        elif produced_by is not None and produced_by.id != run.id:
            p.notes.append(f"the model was produced by run {_first(produced_by.get('m2p:run_id'))}, "
                           f"not by {_first(run.get('m2p:run_id'))}")
    if run is None and mv is not None:
        # Spec #41: the version's creation was informed by the run's creation.
        for r, mvc in g.follow(mv.id, "wasGeneratedBy", "m2p:ModelVersionCreation"):
            for r2, rc in g.follow(mvc.id, "wasInformedBy", "m2p:RunCreation"):
                run = _run_of_creation(g, rc)
                if run is not None:
                    g.via(r)
                    g.via(r2)
                    p.notes.append("run found through the version's creation (#41), not through its source")
                    break
            if run is not None:
                break
    if run is not None:
        rc = _run_section(g, run, p)
        _git_sections(g, run, rc, p)
    elif p.commit is None and (mv is not None or model is not None):
        if not any("run" in m for m in p.missing):
            p.missing.append("no run could be found for this model")
    p.subgraph = subdocument(doc, g.ids, relations=g.rels, name=f"passport of {p.ref}")
    return p


__all__ = ["passport", "Passport", "UnknownReferenceError", "REFERENCE_FORMS"]
