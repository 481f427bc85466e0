"""`passport()`: where a registered model version or a run came from, in one sentence and a compact card.

The chain followed (docs/prov-model.md#relations): alias → model version (#44) → its source, a logged model or a
model folder (#40) → the run that produced it (#28, #21) with its params, final metrics, datasets (#27) and user →
the commit it ran at (#45) → the entry-point file revision (#46). Every gap is said plainly in
``missing``; ``subgraph`` is the document of exactly the records the passport used.

For people who don't know PROV: :attr:`Passport.headline` answers in one sentence ("champion = version 2
of wine-classifier, logged by run rf-40-trees (f45c0e1a…, bob, 2026-12-06 13:31 UTC), from commit a90e976
on main, trained on wine (digest 53e13291)"); :meth:`Passport.sections` is the card's content (times to
the second, short ids with the full id beside them), rendered as Markdown here and as HTML by
``notebook/cards.py``; :attr:`Passport.chain` and :attr:`Passport.show_ids` are what a graph view draws
left → right.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..core.errors import Mlflow2ProvError
from ..core.provdoc import Element, ProvDoc, Relation
from .lineage import subdocument
from .plain import cut, short_id, when


class UnknownReferenceError(Mlflow2ProvError):
    """A passport reference naming no model version, alias, logged model or run of the document."""

    exit_code = 2


REFERENCE_FORMS = "models:/<name>@<alias>, models:/<name>/<version>, models:/<model_id>, runs:/<run_id> or a run id"


@dataclass(frozen=True)
class Text:
    """One value of the card: ``text`` as shown, ``full`` the whole value when ``text`` shortens an id."""

    text: str
    full: str = ""


@dataclass(frozen=True)
class Table:
    """A list inside a section (params, metrics, …); ``folded``: closed until the reader opens it."""

    title: str
    header: tuple[str, ...]
    rows: list[tuple[Text, ...]]
    folded: bool = True


@dataclass(frozen=True)
class Section:
    """One step of the chain on the card: its title, the element it describes, (label, value) fields and
    the lists that belong to it."""

    title: str
    element: str | None
    fields: list[tuple[str, Text]]
    tables: list[Table] = field(default_factory=list)


@dataclass
class Passport:
    """The provenance card of a model version, alias, logged model or run.

    Sections are plain dicts (None when the chain does not reach them): ``alias``, ``model_version``,
    ``model`` (logged model or model folder), ``run``, ``commit``, ``entry_point``. ``missing`` lists
    what could not be followed, ``notes`` other remarks; ``subgraph`` holds exactly the records used.
    ``chain``: the element ids of the steps found, in order alias → version → model → run → commit;
    ``context``: the ids beside the chain (registered model, the run's execution, entry point, datasets,
    experiment, people).
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
    chain: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    subgraph: ProvDoc = field(default_factory=ProvDoc, repr=False)

    SECTIONS = ("alias", "model_version", "model", "run", "commit", "entry_point")

    @property
    def show_ids(self) -> list[str]:
        """Every id a drawing of the passport shows: the chain, then its context (each once)."""
        return list(dict.fromkeys(self.chain + self.context))

    def view(self) -> dict[str, Any]:
        """The ViewOptions that draw the chain under the headline, opening on the chain itself (``zoom_to``; the
        card already says what a selection's details would); left → right, or top → bottom where only that
        shows the whole chain readably (``direction: auto``, e.g. beside the explorer's side panel)."""
        return {"show": self.show_ids, "direction": "auto", "title": self.headline, "zoom_to": list(self.chain)}

    # -- the one-sentence answer -------------------------------------------------------------------
    @property
    def headline(self) -> str:
        """One plain sentence: what the reference is, which run logged it (who, when), from which commit
        and branch, trained on which data. Gaps are said in the sentence ("its run is not in the
        document"); the card lists them in full."""
        mv, m, run = self.model_version, self.model, self.run
        if self.alias:
            a = self.alias
            subject = f"{a['alias']} = version {_text(a.get('version'))} of {a['name']}"
        elif mv:
            subject = f"version {_text(mv.get('version'))} of {mv['name']}"
        elif m and m["kind"] == "logged model":
            subject = f"logged model {short_id(m.get('model_id'), 12)}"
            if m.get("name"):
                subject += f" ({m['name']})"
        elif m:
            subject = f"{m['kind']} {m.get('path') or ''}".strip()
        elif run:
            subject = f"run {_run_words(run)}"
        else:
            subject = self.ref
        parts = [cut(subject, 120)]
        if run and (mv or m):
            parts.append(f"logged by run {_run_words(run)}")
        elif (mv or m) and not run and not self.commit:
            parts.append("its run is not in the document")
        if self.commit:
            c = self.commit
            words = f"from commit {c['sha'][:7]}"
            if run and run.get("branch"):
                words += f" on {cut(run['branch'], 40)}"
            if c.get("dirty"):
                words += " with uncommitted changes"
            parts.append(words)
        elif run and run.get("git_commit"):
            parts.append(f"from commit {str(run['git_commit'])[:7]}, which is not in the document")
        elif run:
            parts.append("with no Git commit recorded")
        if run and run.get("datasets"):
            training = [d for d in run["datasets"] if d.get("context") == "training"]
            verb = "trained on" if training else "reading"
            data = training or run["datasets"]
            parts.append(
                f"{verb} "
                + " and ".join(
                    f"{cut(d['name'], 40)} (digest {short_id(d['digest'], 12)})"
                    if d.get("digest")
                    else cut(d["name"], 40)
                    for d in data[:3]
                )
                + (f" and {len(data) - 3} more" if len(data) > 3 else "")
            )
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (times as ISO text; the subgraph as its element ids)."""
        out: dict[str, Any] = {"ref": self.ref, "subject": self.subject, "headline": self.headline}
        for name in self.SECTIONS:
            out[name] = _jsonable(getattr(self, name))
        out["missing"] = list(self.missing)
        out["notes"] = list(self.notes)
        out["chain"] = list(self.chain)
        out["context"] = list(self.context)
        out["records"] = sorted(self.subgraph.elements)
        return out

    # -- the card's content ------------------------------------------------------------------------
    def sections(self) -> list[Section]:
        """The card, step by step, as text ready for a renderer (times to the second, short ids)."""
        out: list[Section] = []
        if self.alias:
            a = self.alias
            out.append(
                Section(
                    "Alias",
                    a["id"],
                    [
                        ("alias", Text(f"{a['name']}@{a['alias']}")),
                        ("points to", Text(f"version {_text(a.get('version'))}")),
                    ],
                )
            )
        if self.model_version:
            out.append(self._version_card(self.model_version))
        if self.model:
            out.append(self._model_card(self.model))
        if self.run:
            out.append(self._run_card(self.run))
        if self.commit:
            c = self.commit
            fields = [("commit", Text(c["sha"][:7], c["sha"]))]
            if c.get("title"):
                fields.append(("title", Text(cut(c["title"], 120), c["title"] if len(c["title"]) > 120 else "")))
            if c.get("author") or c.get("author_email"):
                fields.append(("author", Text(f"{c.get('author') or ''} <{c.get('author_email') or ''}>".strip())))
            if c.get("authored_at"):
                fields.append(("date", Text(when(c["authored_at"]))))
            branch = (self.run or {}).get("branch")
            if branch:
                fields.append(("branch", Text(branch)))
            dirty = c.get("dirty")
            fields.append(
                (
                    "dirty",
                    Text(
                        "unknown: the run records no dirty flag"
                        if dirty is None
                        else "yes: uncommitted changes when the run started"
                        if dirty
                        else "no"
                    ),
                )
            )
            out.append(Section("Commit", c["id"], fields))
        if self.entry_point:
            e = self.entry_point
            fields = [("path", Text(e["path"]))]
            if e.get("commit"):
                fields.append(("revision of commit", Text(e["commit"][:7], e["commit"])))
            if e.get("blob"):
                fields.append(("blob", Text(e["blob"][:7], e["blob"])))
            out.append(Section("Entry point", e["id"], fields))
        return out

    def _version_card(self, mv: dict[str, Any]) -> Section:
        fields = [("model", Text(f"{mv['name']} version {_text(mv['version'])}"))]
        for key, label in (
            ("aliases", "aliases"),
            ("status", "status"),
            ("stage", "stage"),
            ("description", "description"),
            ("user", "registered by"),
            ("created_at", "created"),
        ):
            v = mv.get(key)
            if v in (None, "", []) or (key == "stage" and v == "None"):
                continue
            fields.append((label, Text(when(v) if key == "created_at" else _text(v))))
        if mv.get("source"):
            fields.append(("source", _id_text(mv["source"], 40)))
        tables = (
            [Table("tags", ("key", "value"), [(Text(k), Text(_text(v))) for k, v in sorted(mv["tags"].items())])]
            if mv.get("tags")
            else []
        )
        return Section("Model version", mv["id"], fields, tables)

    def _model_card(self, m: dict[str, Any]) -> Section:
        fields = [("kind", Text(m["kind"]))]
        if m.get("model_id"):
            fields.append(("model id", _id_text(m["model_id"], 12)))
        for key, label in (("name", "name"), ("path", "path"), ("status", "status"), ("created_at", "created")):
            if m.get(key) not in (None, ""):
                fields.append((label, Text(when(m[key]) if key == "created_at" else _text(m[key]))))
        tables = []
        if m.get("metrics"):
            rows: list[tuple[Text, ...]] = [
                (
                    Text(x["key"]),
                    Text(_text(x["value"])),
                    Text(_text(x.get("step"))),
                    Text(_text(x.get("dataset"))),
                    _id_text(x.get("run_id"), 8),
                )
                for x in m["metrics"]
            ]
            tables.append(Table("metrics linked to the model", ("key", "value", "step", "dataset", "run"), rows))
        return Section("Model", m["id"], fields, tables)

    def _run_card(self, r: dict[str, Any]) -> Section:
        fields = [("run", Text(r.get("name") or short_id(r["run_id"]), "")), ("run id", _id_text(r["run_id"], 8))]
        for key, label in (("status", "status"), ("user", "user"), ("experiment", "experiment")):
            if r.get(key) not in (None, ""):
                fields.append((label, Text(_text(r[key]))))
        if r.get("start"):
            fields.append(("started", Text(when(r["start"]))))
        if r.get("end"):
            fields.append(("ended", Text(when(r["end"]))))
        if r.get("parent_run_id"):
            fields.append(("parent run", _id_text(r["parent_run_id"], 8)))
        if r.get("datasets"):
            fields.append(("datasets", Text(", ".join(_dataset_words(d) for d in r["datasets"]))))
        tables = []
        if r.get("params"):
            tables.append(
                Table("params", ("key", "value"), [(Text(k), Text(_text(v))) for k, v in sorted(r["params"].items())])
            )
        if r.get("metrics"):
            tables.append(
                Table(
                    "final metrics (value at the largest step)",
                    ("key", "value", "step"),
                    [
                        (Text(k), Text(_text(v["value"])), Text(_text(v["step"])))
                        for k, v in sorted(r["metrics"].items())
                    ],
                )
            )
        if r.get("artifacts"):
            tables.append(Table("artifacts", ("path",), [(Text(a),) for a in r["artifacts"]]))
        if r.get("input_models"):
            tables.append(Table("input models", ("model id",), [(_id_text(m, 12),) for m in r["input_models"]]))
        return Section("Run", r["id"], fields, tables)

    # -- renderings --------------------------------------------------------------------------------
    def to_markdown(self) -> str:
        """The card as Markdown: the headline first, then one part per step (all text escaped; ids in full)."""
        md = [_md_escape(self.headline), "", f"## Passport of `{_code(self.ref)}`", ""]
        for s in self.sections():
            md.append(f"### {s.title}")
            md.append("")
            for k, v in s.fields:
                md.append(f"- **{k}**: {_md_escape(v.full or v.text)}")
            for t in s.tables:
                md.append("")
                md.append(f"*{_md_escape(t.title)}*")
                md.append("")
                md.append("| " + " | ".join(_md_escape(h) for h in t.header) + " |")
                md.append("|" + "---|" * len(t.header))
                for row in t.rows:
                    md.append("| " + " | ".join(_md_escape(x.full or x.text) for x in row) + " |")
            md.append("")
        for title, items in (("Missing", self.missing), ("Notes", self.notes)):
            if items:
                md.append(f"### {title}")
                md.append("")
                md.extend(f"- {_md_escape(m)}" for m in items)
                md.append("")
        return "\n".join(md)

    def _repr_html_(self) -> str:
        # The HTML of cards is built in one place, the notebook layer (plain strings, no Jupyter import).
        from ..notebook.cards import passport_card

        return passport_card(self)


def _run_words(run: dict[str, Any]) -> str:
    """``rf-40-trees (f45c0e1a…, bob, 2026-12-06 13:31 UTC)``: a run's name, short id, user and start."""
    inside = [short_id(run["run_id"])]
    if run.get("user"):
        inside.append(cut(run["user"], 40))
    if isinstance(run.get("start"), datetime):
        inside.append(when(run["start"], "minutes"))
    name = cut(run["name"], 60) + " " if run.get("name") else ""
    return f"{name}({', '.join(inside)})"


def _dataset_words(d: dict[str, Any]) -> str:
    """``wine (53e13291, training)``: a dataset's name with its digest and context."""
    return f"{d['name']} ({', '.join(x for x in (d.get('digest'), d.get('context')) if x)})"


def _id_text(value: Any, keep: int) -> Text:
    s = _text(value)
    short = short_id(s, keep)
    return Text(short, s if short != s else "")


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return when(v)
    if isinstance(v, (list, tuple)):
        return ", ".join(_text(x) for x in v)
    return str(v)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def _md_escape(text: Any) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(_text(text).split()))


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
        self.context: list[str] = []  # ids beside the chain, in the order met
        self._rel_ids: set[int] = set()

    def element(self, eid: str | None) -> Element | None:
        return self.doc.elements.get(eid) if eid else None

    def record(self, eid: str | None) -> Element | None:
        el = self.element(eid)
        if el is not None:
            self.ids.add(el.id)
        return el

    def beside(self, r: Relation, el: Element) -> None:
        """Record ``r`` and note its element ``el`` as context of the chain."""
        self.record_relation(r)
        self.context.append(el.id)

    def record_relation(self, r: Relation) -> None:
        if id(r) not in self._rel_ids:
            self._rel_ids.add(id(r))
            self.rels.append(r)
            for x in (r.source, r.target):
                if x in self.doc.elements:
                    self.ids.add(x)

    def follow(
        self, eid: str, kind: str, typ: str | None = None, role: str | None = None, incoming: bool = False
    ) -> list[tuple[Relation, Element]]:
        """Relations of ``kind`` from (or, ``incoming``, to) ``eid`` whose other end has prov:type ``typ``."""
        out = []
        for r in (self.inc if incoming else self.out).get(eid, ()):
            if r.kind != kind:
                continue
            if role is not None and role not in r.roles:
                continue
            other = self.element(r.source if incoming else r.target)
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
        rest = text[len("models:/") :].strip("/")
        if "@" in rest:
            name, alias = rest.rsplit("@", 1)
            return "alias", {"name": name, "alias": alias}
        if "/" in rest:
            name, version = rest.rsplit("/", 1)
            return "version", {"name": name, "version": version}
        return "model", {"model_id": rest}
    if text.startswith("runs:/"):
        rest = text[len("runs:/") :].strip("/")
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
            known = sorted(
                {f"{_text(a.get('m2p:name'))}@{_text(a.get('m2p:alias'))}" for a in g.find("m2p:ModelAlias")}
            )
            raise UnknownReferenceError(
                f"no alias {parts['alias']!r} of registered model {parts['name']!r} in the document"
                + (f"; known aliases: {', '.join(known[:8])}" if known else "; the document holds no model aliases")
            )
        cands.sort(key=lambda a: (_int(a.get("m2p:version")) or -1, a.id))
        if len(cands) > 1:
            p.notes.append(
                f"alias {parts['alias']} points to versions "
                f"{', '.join(_text(a.get('m2p:version')) for a in cands)} in this document (merged extractions); "
                f"showing the highest, {_text(cands[-1].get('m2p:version'))}"
            )
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
            raise UnknownReferenceError(
                f"registered model {name!r} has no version {version!r} in the document; "
                f"its versions: {', '.join(map(str, have))}"
            )
        raise UnknownReferenceError(f"no registered model {name!r} in the document; {_known_models(g)}")
    if kind == "model":
        mid = parts["model_id"]
        hit = g.find("m2p:LoggedModel", model_id=mid)
        if hit:
            return "model", hit[0]
        if g.find("m2p:RegisteredModel", name=mid):
            raise UnknownReferenceError(
                f"models:/{mid} names a registered model; give a version or alias: models:/{mid}/<version> "
                f"or models:/{mid}@<alias>"
            )
        raise UnknownReferenceError(f"no logged model with id {mid!r} in the document; {_known_models(g)}")
    if kind == "run":
        run = g.find("m2p:Run", run_id=parts["run_id"])
        if not run:
            raise UnknownReferenceError(
                f"no run {parts['run_id']!r} in the document; check the run id "
                "(mlflow runs list) or extract the store that holds it"
            )
        if parts["path"]:
            return "run-path:" + parts["path"], run[0]
        return "run", run[0]
    value = parts["value"]
    el = g.element(value)
    if el is not None:
        for typ, k in (
            ("m2p:ModelAlias", "alias"),
            ("m2p:ModelVersion", "version"),
            ("m2p:LoggedModel", "model"),
            ("m2p:Run", "run"),
        ):
            if typ in el.types:
                return k, el
        raise UnknownReferenceError(
            f"{value} is not a model version, alias, logged model or run; give {REFERENCE_FORMS}"
        )
    run = g.find("m2p:Run", run_id=value)
    if run:
        return "run", run[0]
    model = g.find("m2p:LoggedModel", model_id=value)
    if model:
        return "model", model[0]
    raise UnknownReferenceError(
        f"{value!r} is no run id, model id or reference in the document; give {REFERENCE_FORMS}"
    )


def _known_models(g: _Graph) -> str:
    names = sorted({_text(r.get("m2p:name")) for r in g.find("m2p:RegisteredModel")})
    return f"registered models: {', '.join(names[:8])}" if names else "the document holds no registered models"


# --------------------------------------------------------------------------------------------- sections
def _alias_section(g: _Graph, alias: Element, p: Passport) -> Element | None:
    g.record(alias.id)
    p.alias = {
        "id": alias.id,
        "name": _text(alias.get("m2p:name")),
        "alias": _text(alias.get("m2p:alias")),
        "version": _int(alias.get("m2p:version")),
    }
    hits = g.follow(alias.id, "specializationOf", "m2p:ModelVersion")
    if hits:
        g.record_relation(hits[0][0])
        return hits[0][1]
    mvs = [
        m for m in g.find("m2p:ModelVersion", name=p.alias["name"]) if _int(m.get("m2p:version")) == p.alias["version"]
    ]
    if mvs:
        p.notes.append("alias is not linked to its version; matched the version by name and number")
        return g.record(mvs[0].id)
    p.missing.append(f"alias {p.alias['alias']} names version {p.alias['version']}, which is not in the document")
    return None


def _version_section(g: _Graph, mv: Element, p: Passport) -> tuple[Element | None, Element | None]:
    """Fill model_version; return (source element, run element hinted by the version)."""
    g.record(mv.id)
    tags = {}
    for r, tag in g.follow(mv.id, "hadMember", "m2p:ModelVersionTag"):
        g.record_relation(r)
        tags[_text(tag.get("m2p:key"))] = _text(tag.get("m2p:value"))
    aliases = sorted(
        _text(a.get("m2p:alias")) for _, a in g.follow(mv.id, "specializationOf", "m2p:ModelAlias", incoming=True)
    )
    user = _text(mv.get("m2p:user_id")) or None
    for r, agent in g.follow(mv.id, "wasAttributedTo"):
        g.beside(r, agent)
        user = _text(agent.get("m2p:username")) or user
    for r, registered in g.follow(mv.id, "specializationOf", "m2p:RegisteredModel"):
        g.beside(r, registered)
    p.model_version = {
        "id": mv.id,
        "name": _text(mv.get("m2p:name")),
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
            g.record_relation(r)
            source = el
            break
    if source is None:
        mid = p.model_version["model_id"]
        lm = g.find("m2p:LoggedModel", model_id=mid) if mid else []
        if lm:
            source = g.record(lm[0].id)
            p.notes.append(f"version source not linked; used the logged model of its model_id {mid}")
        else:
            src = p.model_version["source"]
            p.missing.append(
                f"version source {src} could not be resolved to a logged model or model folder"
                if src
                else "version records no source"
            )
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
    g.record(model.id)
    types = set(model.types)
    if "m2p:LoggedModel" in types:
        metrics = []
        for r, met in g.follow(model.id, "wasDerivedFrom", "m2p:Metric", incoming=True):
            g.record_relation(r)
            ds = met.get("m2p:dataset_name")
            metrics.append(
                {
                    "key": _text(met.get("m2p:key")),
                    "value": _first(met.get("m2p:value")),
                    "step": _int(met.get("m2p:step")),
                    "run_id": _run_of_metric(g, met),
                    "dataset": f"{_text(ds)} ({_text(met.get('m2p:dataset_digest'))})" if ds else None,
                }
            )
        metrics.sort(key=lambda m: (m["key"], m["run_id"] or "", m["step"] or 0))
        p.model = {
            "id": model.id,
            "kind": "logged model",
            "model_id": _first(model.get("m2p:model_id")),
            "name": _first(model.get("m2p:name")),
            "status": _first(model.get("m2p:status")),
            "created_at": _first(model.get("m2p:created_at")),
            "source_run_id": _first(model.get("m2p:source_run_id")),
            "metrics": metrics,
        }
        for r, rc in g.follow(model.id, "wasGeneratedBy", "m2p:RunCreation"):
            run = _run_of_creation(g, rc)
            if run is not None:
                g.record_relation(r)
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
                g.record_relation(r)
                _commit_section(g, c, None, p)
                break
            else:
                p.missing.append(
                    "logged model has no source run"
                    + ("" if model.get("m2p:source_git_commit") is None else " and its commit is not in the repository")
                )
        return None
    kind = "model folder" if "m2p:ModelArtifact" in types else "artifact"
    p.model = {"id": model.id, "kind": kind, "path": _first(model.get("m2p:path"))}
    for r, run in g.follow(model.id, "hadMember", "m2p:Run", incoming=True):
        g.record_relation(r)
        return run
    p.missing.append(f"{kind} {p.model['path']} is not linked to a run")
    return None


def _run_of_creation(g: _Graph, rc: Element) -> Element | None:
    for r, run in g.follow(rc.id, "wasGeneratedBy", "m2p:Run", incoming=True):
        g.record_relation(r)
        return run
    return None


def _creation_of_run(g: _Graph, run: Element) -> tuple[Relation, Element] | None:
    hits = g.follow(run.id, "wasGeneratedBy", "m2p:RunCreation")
    return hits[0] if hits else None


def _run_of_metric(g: _Graph, met: Element) -> str | None:
    for _, run in g.follow(met.id, "hadMember", "m2p:Run", incoming=True):
        run_id: str | None = _first(run.get("m2p:run_id"))
        return run_id
    return None


def _run_section(g: _Graph, run: Element, p: Passport) -> Element | None:
    """Fill run; return its creation activity."""
    g.record(run.id)
    params: dict[str, Any] = {}
    finals: dict[str, dict[str, Any]] = {}
    artifacts: list[str] = []
    for r, m in g.follow(run.id, "hadMember"):
        types = set(m.types)
        if "m2p:Param" in types:
            g.record_relation(r)
            params[_text(m.get("m2p:key"))] = _first(m.get("m2p:value"))
        elif {"m2p:Artifact", "m2p:ModelArtifact"} & types:
            g.record_relation(r)
            artifacts.append(_text(m.get("m2p:path")) or m.id)
        elif "m2p:Metric" in types:
            key = _text(m.get("m2p:key"))
            step = _int(m.get("m2p:step")) or 0
            cur = finals.get(key)
            if cur is None or step > cur["step"]:
                finals[key] = {
                    "value": _first(m.get("m2p:value")),
                    "step": step,
                    "timestamp": _first(m.get("m2p:timestamp")),
                    "_r": r,
                }
    metrics = {}
    for key, v in finals.items():
        g.record_relation(v.pop("_r"))
        metrics[key] = v
    user = _first(run.get("m2p:user"))
    for r, agent in g.follow(run.id, "wasAttributedTo"):
        g.beside(r, agent)
        user = _text(agent.get("m2p:username")) or user
    experiment = None
    for r, exp in g.follow(run.id, "hadMember", "m2p:Experiment", incoming=True):
        g.beside(r, exp)
        experiment = f"{_text(exp.get('m2p:name'))} ({_text(exp.get('m2p:experiment_id'))})"
    p.run = {
        "id": run.id,
        "run_id": _first(run.get("m2p:run_id")),
        "name": _first(run.get("m2p:name")),
        "status": _first(run.get("m2p:status")),
        "lifecycle_stage": _first(run.get("m2p:lifecycle_stage")),
        "user": user,
        "experiment": experiment,
        "parent_run_id": _first(run.get("m2p:parent_run_id")),
        "start": None,
        "end": None,
        "params": params,
        "metrics": metrics,
        "datasets": [],
        "input_models": [],
        "artifacts": artifacts,
        "git_commit": _first(run.get("m2p:source_git_commit")),
        "branch": _first(run.get("m2p:source_git_branch")),
    }
    hit = _creation_of_run(g, run)
    if hit is None:
        p.missing.append(f"run {p.run['run_id']} has no creation activity in the document")
        return None
    r, rc = hit
    g.beside(r, rc)
    p.run["artifacts"].sort()
    p.run["start"] = rc.get("prov:startTime")
    p.run["end"] = rc.get("prov:endTime")
    for r, ds in g.follow(rc.id, "used", "m2p:Dataset"):
        g.beside(r, ds)
        roles = r.roles
        p.run["datasets"].append(
            {
                "name": _text(ds.get("m2p:name")),
                "digest": _text(ds.get("m2p:digest")),
                "context": _text(roles) if roles else None,
                "source": _first(ds.get("m2p:source")),
            }
        )
    p.run["datasets"].sort(key=lambda d: (d["name"], d["digest"], d["context"] or ""))
    for r, lm in g.follow(rc.id, "used", "m2p:LoggedModel", role="InputModel"):
        g.record_relation(r)
        p.run["input_models"].append(_text(lm.get("m2p:model_id")))
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


def _commit_section(g: _Graph, c: Element, run: Element | None, p: Passport) -> dict[str, Any]:
    """Fill commit (and return it)."""
    g.record(c.id)
    author = email = None
    for r, agent in g.follow(c.id, "wasAssociatedWith"):
        if "CommitAuthor" in r.roles:
            g.beside(r, agent)
            author = _text(agent.get("m2p:name")) or None
            email = _first(agent.get("m2p:email"))
    info: dict[str, Any] = {
        "id": c.id,
        "sha": _text(c.get("m2p:sha")),
        "title": _first(c.get("m2p:title")),
        "author": author,
        "author_email": email,
        "authored_at": _first(c.get("m2p:authored_at")),
        "committed_at": _first(c.get("m2p:committed_at")),
        "dirty": _dirty(run) if run is not None else None,
    }
    p.commit = info
    return info


def _git_sections(g: _Graph, run: Element, rc: Element | None, p: Passport) -> None:
    named = _first(run.get("m2p:source_git_commit"))
    commit = None
    if rc is not None:
        for r, c in g.follow(rc.id, "wasInformedBy", "m2p:Commit"):
            g.record_relation(r)
            commit = c
            break
    if commit is None or rc is None:  # (a commit is only found through the run's creation rc)
        if not named:
            p.missing.append("run records no Git commit (tag mlflow.source.git.commit)")
        elif not any(True for _ in g.doc.of_type("m2p:Commit")):
            p.missing.append(
                f"run names commit {named}, but the document holds no Git history (extract with the repository)"
            )
        else:
            p.missing.append(f"run names a commit that is not in the repository: {named}")
        return
    commit_info = _commit_section(g, commit, run, p)
    if commit_info["dirty"]:
        p.notes.append("the run started from a work tree with uncommitted changes: the commit is not the exact code")
    for r, rev in g.follow(rc.id, "used", "m2p:FileRevision", role="EntryPoint"):
        g.beside(r, rev)
        file_id = None
        for r2, f in g.follow(rev.id, "specializationOf", "m2p:File"):
            g.record_relation(r2)
            file_id = f.id
        p.entry_point = {
            "id": rev.id,
            "path": _text(rev.get("m2p:path")),
            "commit": _first(rev.get("m2p:commit")),
            "blob": _first(rev.get("m2p:blob")),
            "file": file_id,
        }
        return
    source = _first(run.get("m2p:source_name"))
    if source:
        p.missing.append(f"entry point {source} could not be matched to one file of commit {commit_info['sha'][:12]}")
    else:
        p.missing.append("run records no entry point (tag mlflow.source.name)")


def _run_path_model(g: _Graph, run: Element, path: str, p: Passport) -> Element | None:
    """The model of ``runs:/<run>/<path>``: the run's logged model named path (newest), else the folder."""
    rid = _first(run.get("m2p:run_id"))
    lms = [m for m in g.find("m2p:LoggedModel", source_run_id=rid) if _text(m.get("m2p:name")) == path]
    if lms:
        return max(lms, key=lambda m: (_text(_first(m.get("m2p:created_at"))), m.id))
    for typ in ("m2p:ModelArtifact", "m2p:Artifact"):
        for _r, a in g.follow(run.id, "hadMember", typ):
            if _text(a.get("m2p:path")) == path:
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
    mv: Element | None = None
    model: Element | None = None
    run: Element | None = None
    run_hint: Element | None = None
    if kind == "alias":
        mv = _alias_section(g, el, p)
    elif kind == "version":
        mv = el
    elif kind == "model":
        model = el
    elif kind.startswith("run"):
        run = el
        if kind.startswith("run-path:"):
            model = _run_path_model(g, el, kind[len("run-path:") :], p)
    if mv is not None:
        model, run_hint = _version_section(g, mv, p)
        if model is None:
            run = run_hint
    if model is not None:
        produced_by = _model_section(g, model, p)
        if run is None:
            run = produced_by or run_hint
        elif produced_by is not None and produced_by.id != run.id:
            p.notes.append(
                f"the model was produced by run {_first(produced_by.get('m2p:run_id'))}, "
                f"not by {_first(run.get('m2p:run_id'))}"
            )
    if run is None and mv is not None:
        # Spec #41: the version's creation was informed by the run's creation.
        for r, mvc in g.follow(mv.id, "wasGeneratedBy", "m2p:ModelVersionCreation"):
            for r2, rc in g.follow(mvc.id, "wasInformedBy", "m2p:RunCreation"):
                run = _run_of_creation(g, rc)
                if run is not None:
                    g.record_relation(r)
                    g.record_relation(r2)
                    p.notes.append("run found through the version's creation (#41), not through its source")
                    break
            if run is not None:
                break
    if run is not None:
        creation = _run_section(g, run, p)
        _git_sections(g, run, creation, p)
    elif p.commit is None and (mv is not None or model is not None):
        if not any("run" in m for m in p.missing):
            p.missing.append("no run could be found for this model")
    p.chain = [s["id"] for s in (p.alias, p.model_version, p.model, p.run, p.commit) if s]
    p.context = [i for i in dict.fromkeys(g.context) if i not in p.chain]
    p.subgraph = subdocument(doc, g.ids, relations=g.rels, name=f"passport of {p.ref}")
    return p


__all__ = ["passport", "Passport", "Section", "Table", "Text", "UnknownReferenceError", "REFERENCE_FORMS"]
