"""A question about one record reads only the units its answer needs (store/reach.py), and answers exactly what the
whole linked document answers: lineage in every direction, with a depth and a relation filter, and passports."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import pytest
from storecases import BACKENDS, store_uri_for
from test_store_crossproject import two_projects  # noqa: F401  (the fixture: project prep feeds project train)

from mlflow2prov_jupyter.core.namespaces import MLFLOW
from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName
from mlflow2prov_jupyter.query.lineage import lineage
from mlflow2prov_jupyter.query.passport import passport
from mlflow2prov_jupyter.store import links
from mlflow2prov_jupyter.store.backends import open_store
from mlflow2prov_jupyter.store.catalogue import read_catalogue
from mlflow2prov_jupyter.store.push import push
from mlflow2prov_jupyter.store.reach import UnitReader, lineage_document, passport_document, store_lineage


class CountingBackend:
    """A store backend that counts the graphs read through it (every other call passes through)."""

    def __init__(self, backend: Any):
        self.backend = backend
        self.graphs: list[str] = []

    def triples_of(self, graphs: Iterable[str]) -> list:
        graphs = list(graphs)
        self.graphs.extend(graphs)
        return self.backend.triples_of(graphs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)


@pytest.fixture(params=BACKENDS)
def store_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_uri_for(request.param, tmp_path, request)


@pytest.fixture
def three_projects(store_uri: str, two_projects, sample_doc) -> dict:  # noqa: F811
    """prep and train (train's data set is prep's artifact) and "copy", the sample project under its own store key:
    Git history and people shared by all three, the sample's data sets and models in prep, train and copy."""
    for name, doc in two_projects["docs"].items():
        push(doc, store_uri, name)
    copy = ProvDoc.from_json(sample_doc.to_json(), name="copy")
    copy.prefixes["mlflow"] = f"{MLFLOW}copy/"  # what store_key="copy" makes of the same store
    push(copy, store_uri, "copy")
    links._CACHE.clear()
    return {**two_projects, "uri": store_uri}


def _iri(doc: ProvDoc, qname: str) -> str:
    return links._expand(doc, qname)


def _first(doc: ProvDoc, typ: str, where: str = "") -> str:
    return sorted(e.id for e in doc.elements.values() if QName(typ) in e.types and where in _iri(doc, e.id))[0]


def _unitwise(uri: str, node: str, direction: str = "up", depth: int | None = None, relations: Any = None) -> ProvDoc:
    found = lineage_document(uri, node, direction, relations)
    assert found is not None, node
    return lineage(found[0], node, direction=direction, depth=depth, relations=relations)


def test_lineage_from_units_equals_the_linked_document(three_projects: dict) -> None:
    uri = three_projects["uri"]
    train_run = three_projects["trained"]["run_id"]
    # the first question in a fresh process goes unit-wise (nothing cached), and answers what the whole store answers
    whole_free = store_lineage(uri, f"{MLFLOW}train/run/{train_run}")
    assert links._CACHE == {}, "a cold question decoded whole projects"
    linked = links.linked_document(uri)
    run = next(e for e in linked.elements if _iri(linked, e) == f"{MLFLOW}train/run/{train_run}")
    assert whole_free == lineage(linked, run)
    artifact = next(e for e in linked.elements if e.endswith("artifact/data/wine-clean.csv"))
    alias = _first(linked, "m2p:ModelAlias", "/copy/")
    commit = _first(linked, "m2p:Commit")
    shared_dataset = _first(linked, "m2p:Dataset", "/train/dataset/wine/")
    questions: list[tuple[str, str, int | None, Any]] = [
        (run, "up", None, None),
        (run, "down", None, None),
        (run, "both", None, None),
        (run, "up", 2, None),
        (run, "up", None, ("used", "wasGeneratedBy", "alternateOf", "hadMember")),
        (run, "up", None, ("Usage", "Generation")),  # PROV-DM names; no cross-project links followed
        (artifact, "down", None, None),
        (artifact, "both", 3, None),
        (alias, "up", None, None),
        (alias, "both", None, None),
        (commit, "down", 2, None),
        (commit, "up", None, None),
        (shared_dataset, "both", None, None),
        (shared_dataset, "down", None, ("used", "alternateOf")),
    ]
    crossed = False
    for node, direction, depth, relations in questions:
        want = lineage(linked, node, direction=direction, depth=depth, relations=relations)
        # by element id of the linked document and by full IRI
        for name in (node, _iri(linked, node)):
            got = _unitwise(uri, name, direction, depth, relations)
            assert got == want, (node, direction, depth, relations)
            assert got.prefixes == want.prefixes
        crossed |= any(r.kind == "alternateOf" for r in want.relations)
    assert crossed, "no question crossed projects"
    # warm (the linked document cached): the cached adjacency answers, the same
    assert store_lineage(uri, run, "both") == lineage(linked, run, direction="both")


def test_a_question_reads_few_units(three_projects: dict) -> None:
    uri = three_projects["uri"]
    counting = CountingBackend(open_store(uri))
    total = sum(len(read_catalogue(counting.backend, n).units) for n in ("copy", "prep", "train"))
    run = f"{MLFLOW}train/run/{three_projects['trained']['run_id']}"
    found = lineage_document(counting, run, "up")
    assert found is not None
    doc, reader = found
    assert isinstance(reader, UnitReader) and reader.graphs_read == len(counting.graphs)
    assert 0 < len(counting.graphs) <= total // 4, (len(counting.graphs), total)
    up = lineage(doc, run)
    assert any(e.endswith("artifact/data/wine-clean.csv") for e in up.elements), "did not cross into prep"
    # a shared unit (a commit, a person) with the same content in the three projects is read once
    assert len(set(counting.graphs)) == len(counting.graphs)
    assert reader.copies_skipped > 0
    # a passport reads little more
    counting.graphs.clear()
    passport_document(counting, f"runs:/{three_projects['trained']['run_id']}")
    assert 0 < len(counting.graphs) <= total // 3, (len(counting.graphs), total)


def _card(doc: ProvDoc, ref: str) -> tuple[dict, ProvDoc]:
    card = passport(doc, ref)
    links.add_cross_project_notes(doc, card)
    return card.to_dict(), card.subgraph


def test_passport_from_units_equals_the_linked_document(three_projects: dict) -> None:
    uri = three_projects["uri"]
    linked = links.linked_document(uri)
    alias = linked.elements[_first(linked, "m2p:ModelAlias", "/copy/")]
    version = linked.elements[_first(linked, "m2p:ModelVersion", "/copy/")]
    model = linked.elements[_first(linked, "m2p:LoggedModel", "/copy/")]
    refs = [
        f"runs:/{three_projects['trained']['run_id']}",
        f"runs:/{three_projects['produced']['run_id']}",
        f"models:/{alias.get('m2p:name')}@{alias.get('m2p:alias')}",
        f"models:/{version.get('m2p:name')}/{version.get('m2p:version')}",
        f"models:/{version.get('m2p:name')}/latest",
        f"models:/{model.get('m2p:model_id')}",
        _first(linked, "m2p:Run", "/copy/"),
    ]
    for ref in refs:
        doc = passport_document(uri, ref)
        assert doc is not None, ref
        assert _card(doc, ref) == _card(linked, ref), ref
    train, _ = _card(passport_document(uri, refs[0]), refs[0])  # type: ignore[arg-type]
    assert any("comes from project prep" in n for n in train["notes"]), train["notes"]
    assert passport_document(uri, "models:/no-such-model@x") is None  # the whole store names what exists


def test_projects_sharing_a_namespace_and_a_project_subset(store_uri: str, sample_doc) -> None:
    """Two projects pushed from one extraction (no store keys): every record in both, linked to itself across them;
    units of equal content that hold linked records are read from both. And --project limits the projects read."""
    for name in ("a", "b", "c"):
        push(ProvDoc.from_json(sample_doc.to_json(), name=name), store_uri, name)
    links._CACHE.clear()
    run = _first(sample_doc, "m2p:Run")
    model = sample_doc.elements[_first(sample_doc, "m2p:LoggedModel")]
    for names in (None, ["a", "b"]):
        linked = links.linked_document(store_uri, names)
        assert any(r.kind == "alternateOf" and r.source == r.target for r in linked.relations)
        for direction in ("up", "down", "both"):
            found = lineage_document(store_uri, run, direction, names=names)
            assert found is not None
            got, want = lineage(found[0], run, direction=direction), lineage(linked, run, direction=direction)
            assert got == want, (names, direction, _differences(got, want))
        ref = f"models:/{model.get('m2p:model_id')}"
        assert _card(passport_document(store_uri, ref, names), ref) == _card(linked, ref)  # type: ignore[arg-type]
        links._CACHE.clear()


def _differences(got: ProvDoc, want: ProvDoc) -> tuple:
    from collections import Counter

    g, w = Counter(r.key() for r in got.relations), Counter(r.key() for r in want.relations)
    return set(got.elements) ^ set(want.elements), list((w - g).items())[:4], list((g - w).items())[:4]
