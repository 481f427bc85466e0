"""docs/prov-model.md lists everything the extractor emits.

The doc's element tables (``| element | kind | prov:type | id | attributes |``) and relation table
(``| # | relation | from | to | role | time | other attributes | when |``) are parsed; the sample project and a
project covering every documented case (a real Git repository, a real SQLite store, plus the builder fed
with what stock MLflow cannot store) are extracted; every element type, extra prov:type, attribute, relation
(kind, source type, target type), role, time and relation attribute emitted must be documented, and every
documented element type and relation row must be emitted by the covering project.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from gitrepo import BOB, GitRepo
from mlflowstore import T0, StoreWriter, no_store_in_cwd  # noqa: F401  (autouse guard)

from mlflow2prov_jupyter.core.extract import extract
from mlflow2prov_jupyter.core.mlflow.build import build_mlflow
from mlflow2prov_jupyter.core.mlflow.records import (
    ExperimentRecord,
    LoggedModelRecord,
    MetricPoint,
    MlflowSnapshot,
    ModelVersionRecord,
    RegisteredModelRecord,
    RunRecord,
)
from mlflow2prov_jupyter.core.options import ExtractOptions
from mlflow2prov_jupyter.core.provdoc import ENDPOINTS, RELATION_FORMALS, ProvDoc

DOC = Path(__file__).resolve().parents[1] / "docs" / "prov-model.md"
ELEMENT_HEADER = ["element", "kind", "prov:type", "id", "attributes"]
RELATION_HEADER = ["#", "relation", "from", "to", "role", "time", "other attributes", "when"]
ALWAYS = {"prov:type", "prov:label"}  # on every element (doc section "Values")
NONE = "–"


# --------------------------------------------------------------------------------------------- the doc
@dataclass
class ElementRow:
    name: str
    kind: str
    extra_types: set[str]
    attributes: set[str]  # qualified: m2p:x, prov:startTime


@dataclass
class RelationRow:
    number: str
    kind: str
    sources: set[str]
    targets: set[str]
    role: bool
    time: bool
    attributes: set[str] = field(default_factory=set)


def _tables(text: str) -> list[list[list[str]]]:
    """Every Markdown table of ``text`` as rows of stripped cells (header first, separator dropped)."""
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    return tables


def _ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _names(cell: str) -> set[str]:
    return {n.strip() for n in cell.split(",") if n.strip()}


def parse_doc(text: str) -> tuple[dict[str, ElementRow], list[RelationRow]]:
    elements: dict[str, ElementRow] = {}
    relations: list[RelationRow] = []
    for table in _tables(text):
        header, rows = table[0], table[1:]
        if header == ELEMENT_HEADER:
            for name, kind, ptype, _id, attrs in rows:
                names = set()
                for token in _ticked(attrs):
                    if re.fullmatch(r"prov:[A-Za-z]+", token):
                        names.add(token)
                    elif re.fullmatch(r"[a-z][a-z_]*", token):
                        names.add(f"m2p:{token}")
                assert name not in elements, f"{name} is documented twice"
                elements[name] = ElementRow(name, kind, set(_ticked(ptype)), names)
        elif header == RELATION_HEADER:
            for number, kind, src, tgt, role, time, other, _when in rows:
                attrs = {t for t in _ticked(other) if re.fullmatch(r"[a-z0-9]+:[A-Za-z_]+", t)}
                relations.append(RelationRow(number, kind, _names(src), _names(tgt), role != NONE, time != NONE, attrs))
    return elements, relations


@pytest.fixture(scope="module")
def documented():
    elements, relations = parse_doc(DOC.read_text(encoding="utf-8"))
    assert len(elements) > 30 and len(relations) > 50, "the doc's tables were not found"
    return elements, relations


# --------------------------------------------------------------------------------------- what is emitted
def _primary(doc: ProvDoc, element_id: str) -> str:
    el = doc.elements[element_id]
    names = [str(t)[4:] for t in el.types if str(t).startswith("m2p:")]
    assert len(names) == 1, f"{element_id} has m2p types {names}"
    return names[0]


def undocumented(doc: ProvDoc, documented) -> tuple[list[str], set[str], set[str]]:
    """Problems (emitted, not documented), and the element names and relation rows ``doc`` exercises."""
    elements, relations = documented
    anywhere = elements["any"].attributes
    problems: list[str] = []
    seen_elements: set[str] = set()
    seen_rows: set[str] = set()
    for el in doc.elements.values():
        name = _primary(doc, el.id)
        row = elements.get(name)
        if row is None:
            problems.append(f"element type m2p:{name} ({el.id})")
            continue
        seen_elements.add(name)
        if el.kind != row.kind:
            problems.append(f"{name} is a {el.kind}, documented as {row.kind}")
        extra = {str(t) for t in el.types} - {f"m2p:{name}"} - row.extra_types
        if extra:
            problems.append(f"{name} has prov:type {sorted(extra)}")
        for attr in set(el.attrs) - ALWAYS - row.attributes - anywhere:
            problems.append(f"{name} attribute {attr}")
    for rel in doc.relations:
        source, target = rel.source, rel.target
        if source not in doc.elements or target not in doc.elements:
            problems.append(f"{rel.kind} {source} → {target}: an endpoint is not in the document")
            continue
        s, t = _primary(doc, source), _primary(doc, target)
        rows = [r for r in relations if r.kind == rel.kind and s in r.sources and t in r.targets]
        if not rows:
            problems.append(f"relation {rel.kind} {s} → {t}")
            continue
        ends = ENDPOINTS[rel.kind]
        formals = {RELATION_FORMALS[rel.kind][i] for i, a in enumerate(rel.args) if a is not None and i not in ends}
        attrs = set(rel.attrs or ()) | formals
        fits = [
            r
            for r in rows
            if ("prov:role" not in attrs or r.role)
            and ("prov:time" not in attrs or r.time)
            and attrs - {"prov:role", "prov:time"} <= r.attributes
        ]
        if not fits:
            problems.append(f"relation {rel.kind} {s} → {t} with {sorted(attrs)} (rows {[r.number for r in rows]})")
        seen_rows.update(r.number for r in fits)
    return problems, seen_elements, seen_rows


# ------------------------------------------------------------------------------------- the covering project
def _covering_git(path: Path) -> tuple[GitRepo, dict[str, str]]:
    repo = GitRepo(path)
    c = {}
    repo.write("README.md", "# p\n").write("src/train.py", "print(1)\n").write("old.py", "x = 1\n")
    c["root"] = repo.commit("Root")
    repo.write("src/train.py", "print(2)\n")
    c["edit"] = repo.commit("Edit", committer=BOB)  # author Ann, committer Bob
    repo.branch("side").checkout("side").write("b.py", "b\n")
    repo.commit("Side")
    repo.checkout("main").rename("old.py", "new.py")
    repo.commit("Rename")
    c["merge"] = repo.merge("side")
    repo.delete("b.py")
    c["delete"] = repo.commit("Delete b")
    repo.tag("v0").annotated_tag("v1", "Release\n", tagger=BOB)
    repo.git("update-ref", "refs/remotes/origin/main", "HEAD")
    return repo, c


def _covering_store(path: Path, commit: str) -> StoreWriter:
    s = StoreWriter.sqlite(path)
    cl = s.client
    e = s.experiment("exp", tags={"k": "v", "mlflow.user": "alice"})
    gone = s.experiment("gone", tags={"k": "v"})
    s.run(gone, start=T0 + 10, end=T0 + 20, params={"p": "1"})
    cl.delete_experiment(gone)
    source = {"mlflow.source.git.commit": commit, "mlflow.source.name": "src/train.py"}
    parent = s.run(e, name="parent", start=T0 + 100, end=T0 + 5000, tags=source)
    run = s.run(
        e,
        name="train",
        start=T0 + 200,
        end=T0 + 4000,
        parent=parent,
        tags=source,
        params={"lr": "0.1"},
        metrics=[("loss", 0.5, 0, T0 + 300), ("loss", 0.4, 1, T0 + 400), ("loss", 0.3, 1, T0 + 500)],
    )
    s.files(run, {"model/MLmodel": "flavors: {}\n", "data/sub/f.txt": "x", "metrics.json": "{}"})
    s.datasets(run, [("wine", "d1", "training")])
    model = s.logged_model(e, "net", source_run_id=run, step=1, params={"a": "1"}, tags={"mlflow.user": "alice"})
    created = cl.get_logged_model(model).creation_timestamp
    cl.log_metric(
        run, "acc", 0.9, timestamp=created + 1000, step=2, model_id=model, dataset_name="wine", dataset_digest="d1"
    )
    cl.log_metric(run, "early", 0.1, timestamp=created - 1000, step=0, model_id=model)
    s.logged_model(e, "agent", tags={"mlflow.source.git.commit": commit})
    evaluation = s.run(e, name="eval", start=T0 + 6000, end=T0 + 7000)
    s.model_input(evaluation, model)
    deleted = s.run(e, name="deleted", start=T0 + 8000, end=T0 + 9000, params={"q": "2"})
    cl.delete_run(deleted)
    cl.create_registered_model("clf", tags={"team": "x", "mlflow.user": "bob"}, description="classifier")
    with s.fluent():  # MLflow's SQL registry looks the logged model up through the global tracking URI
        cl.create_model_version("clf", f"models:/{model}", run_id=run, model_id=model, tags={"t": "a"})
    cl.create_model_version("clf", f"runs:/{run}/model", run_id=run)
    cl.create_model_version("clf", f"runs:/{run}/data", run_id=run)
    cl.set_registered_model_alias("clf", "champion", "1")
    return s


def _builder_fed() -> ProvDoc:
    """What stock MLflow 3 stores cannot hold: a version's user and deletion, an unlistable or damaged run,
    LM-only metrics."""
    run = RunRecord(run_id="r1", experiment_id="1", start_time=T0, artifacts_listed=False, incomplete="params not read")
    lm = LoggedModelRecord(
        model_id="m-1",
        experiment_id="1",
        name="net",
        creation_timestamp=T0 + 5,
        metrics=[MetricPoint("score", 0.5, 0, T0 + 6)],
    )
    version = ModelVersionRecord(
        name="clf",
        version=1,
        user_id="bob",
        stage="Deleted_Internal",
        creation_timestamp=T0 + 7,
        last_updated_timestamp=T0 + 9,
        tags={"k": "v"},
    )
    snap = MlflowSnapshot(
        experiments=[ExperimentRecord("1", name="e", creation_time=T0)],
        runs=[run],
        logged_models=[lm],
        registered_models=[RegisteredModelRecord(name="clf", creation_timestamp=T0, versions=[version])],
    )
    doc = ProvDoc()
    build_mlflow(doc, snap, ExtractOptions())
    return doc


@pytest.fixture(scope="module")
def covering(tmp_path_factory) -> list[ProvDoc]:
    d = tmp_path_factory.mktemp("model-doc")
    repo, commits = _covering_git(d / "repo")
    store = _covering_store(d / "store", commits["edit"])
    user_map = [{"name": "Ann", "email": "ann@x.org", "aliases": ["alice"]}]
    full = extract(str(repo.path), store.uri, user_map=user_map, progress=False)
    cut = extract(str(repo.path), store.uri, max_text_length=2, metric_history="latest", progress=False)
    keyed = extract(str(repo.path), store.uri, store_key="a", since="2000-01-01", progress=False)
    return [full, cut, keyed, _builder_fed()]


# ----------------------------------------------------------------------------------------------- the tests
def test_sample_project_is_documented(sample_doc, documented):
    problems, seen, _ = undocumented(sample_doc, documented)
    assert problems == []
    assert {"Commit", "Run", "Metric", "LoggedModel", "ModelVersion", "ModelAlias"} <= seen


def test_covering_project_is_documented_and_covers_the_doc(covering, documented):
    elements, relations = documented
    problems, seen_elements, seen_rows = [], set(), set()
    for doc in covering:
        p, e, r = undocumented(doc, documented)
        problems += p
        seen_elements |= e
        seen_rows |= r
    assert sorted(set(problems)) == []
    assert sorted(set(elements) - {"any"} - seen_elements) == [], "documented element types never emitted"
    assert sorted({r.number for r in relations} - seen_rows) == [], "documented relations never emitted"
    assert any(el.get("m2p:truncated") for doc in covering for el in doc.elements.values())


def test_the_parser_sees_an_undocumented_attribute(sample_doc, documented):
    """The check is real: an attribute, type or relation the doc does not list is reported."""
    doc = sample_doc.copy()
    commit = next(el for el in doc.elements.values() if _primary(doc, el.id) == "Commit")
    commit.attrs["m2p:undocumented"] = "x"
    doc.add_relation("wasDerivedFrom", commit.id, commit.id)
    problems, _, _ = undocumented(doc, documented)
    assert "Commit attribute m2p:undocumented" in problems
    assert "relation wasDerivedFrom Commit → Commit" in problems


def test_namespaces_and_examples_are_the_real_ones(sample_doc):
    """The doc's namespace table is the code's; every concrete identifier it quotes is in the sample project."""
    from mlflow2prov_jupyter.core.namespaces import PREFIXES

    text = DOC.read_text(encoding="utf-8")
    (table,) = [t for t in _tables(text) if t[0] == ["prefix", "URI", "holds"]]
    assert {_ticked(prefix)[0]: _ticked(uri)[0] for prefix, uri, _ in table[1:]} == PREFIXES
    quoted = {t for t in _ticked(text) if re.fullmatch(r"(git|mlflow|user):[^<>…\s]+", t)}
    assert quoted and sorted(quoted - set(sample_doc.elements)) == []
