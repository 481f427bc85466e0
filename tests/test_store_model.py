"""The store's PROV-O: equal to what `prov` writes for the same document, and read back to an equal ProvDoc."""

from __future__ import annotations

import warnings
from datetime import datetime, timezone

import pyoxigraph as ox
import pytest
from test_ops_load_save import rich_doc, synthetic

from mlflow2prov_jupyter.core.provdoc import Literal, ProvDoc, QName
from mlflow2prov_jupyter.query.example import example_document
from mlflow2prov_jupyter.store.provo import decode_triples
from mlflow2prov_jupyter.store.units import OTHER, encode_units, unit_key_function


def _mine(doc: ProvDoc) -> str:
    return "".join(line + "\n" for u in encode_units(doc).values() for line in u.lines)


def _prov(doc: ProvDoc) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return doc.to_prov().serialize(format="rdf", rdf_format="nt")


def _canonical(nt: str) -> set[str]:
    """The triples with blank nodes relabelled canonically (RDFC-1.0 style) and literals normalised by one parser."""
    ds = ox.Dataset(ox.parse(nt.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {str(q) for q in ds}


def typed_doc() -> ProvDoc:
    """Values the lean model carries beyond the rich document.

    Language tags, other datatypes, an identified relation.
    """
    t = datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    d = ProvDoc()
    d.entity(
        "mlflow:dataset/wine/abc",
        {
            "prov:type": QName("m2p:Dataset"),
            "m2p:note": Literal("vin", lang="fr"),
            "m2p:source": Literal("s3://b/wine.csv", "xsd:anyURI"),
            "m2p:inf": float("inf"),
            "m2p:huge": 2**70,
        },
    )
    d.activity("mlflow:run/r9/creation", t, None, {"prov:type": QName("m2p:RunCreation")})
    d.entity("mlflow:run/r9", {"prov:type": QName("m2p:Run"), "m2p:status": "RUNNING"})
    d.add_relation("used", "mlflow:run/r9/creation", "mlflow:dataset/wine/abc", role="training")
    d.relations.append(
        type(d.relations[0])(
            "wasGeneratedBy", ("mlflow:run/r9", "mlflow:run/r9/creation", t), {"prov:role": "AddedRun"}, "mlflow:gen1"
        )
    )
    d.add_relation("wasDerivedFrom", "mlflow:run/r9", "mlflow:dataset/wine/abc")
    return d


CASES = {
    "rich": lambda: rich_doc(),
    "example": example_document,
    "typed": typed_doc,
    "synthetic": lambda: synthetic(n_runs=40, metrics=3),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_provo_equals_what_prov_writes(case: str) -> None:
    doc = CASES[case]()
    mine, theirs = _canonical(_mine(doc)), _canonical(_prov(doc))
    assert mine == theirs, (sorted(mine - theirs)[:5], sorted(theirs - mine)[:5])


def test_provo_of_the_sample_project_equals_what_prov_writes(sample_doc: ProvDoc) -> None:
    assert _canonical(_mine(sample_doc)) == _canonical(_prov(sample_doc))


def _triples(nt: str) -> list[tuple]:
    return [(q.subject, q.predicate, q.object) for q in ox.parse(nt.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)]


@pytest.mark.parametrize("case", sorted(CASES))
def test_provo_reads_back_to_an_equal_document(case: str) -> None:
    doc = CASES[case]()
    back = decode_triples(_triples(_mine(doc)), doc.prefixes, name="x")
    assert back == doc
    assert back.prefixes == doc.prefixes


def test_sample_project_reads_back_equal(sample_doc: ProvDoc) -> None:
    assert decode_triples(_triples(_mine(sample_doc)), sample_doc.prefixes) == sample_doc


def test_units_of_the_sample_project(sample_doc: ProvDoc, sample_manifest) -> None:
    units = encode_units(sample_doc)
    kinds = {k.split("/")[0] for k in units}
    assert kinds == {"commit", "experiment", "run", "model", "registered-model", "dataset", "agent"}
    assert {f"run/{r.run_id}" for r in sample_manifest.runs} <= set(units)
    assert {f"commit/{c.sha}" for c in sample_manifest.commits} <= set(units)
    # every triple is in exactly one unit, and equal content hashes equal
    assert sum(u.size for u in units.values()) == len(_canonical(_mine(sample_doc)))
    again = encode_units(ProvDoc.from_json(sample_doc.to_json()))
    assert {k: u.hash for k, u in again.items()} == {k: u.hash for k, u in units.items()}


def test_unit_keys() -> None:
    unit_of = unit_key_function(
        {
            "git": "https://w3id.org/mlflow2prov-jupyter/git/",
            "mlflow": "https://w3id.org/mlflow2prov-jupyter/mlflow/k1/",
            "user": "https://w3id.org/mlflow2prov-jupyter/user/",
            "ex": "http://example.org/",
        }
    )
    assert unit_of("git:revision/abc/src/a.py") == "commit/abc"
    assert unit_of("git:file/abc/src/a.py") == "commit/abc"
    assert unit_of("mlflow:run/r1/metric/loss/3") == "run/r1"
    assert unit_of("mlflow:registered-model/m/version/2/tag/x") == "registered-model/m/version/2"
    assert unit_of("mlflow:registered-model/m/alias/prod/2") == "registered-model/m"
    assert unit_of("mlflow:dataset/wine/abc") == "dataset/wine/abc"
    assert unit_of("user:git/ann%40x.org") == "agent/git/ann%40x.org"
    assert unit_of("ex:thing") == OTHER


def test_a_new_run_changes_only_its_own_unit(sample_doc: ProvDoc) -> None:
    """hadMember Experiment → Run lives in the run's unit: adding a run leaves the experiment's graph alone."""
    before = encode_units(sample_doc)
    doc = ProvDoc.from_json(sample_doc.to_json())
    exp = next(
        e.id for e in doc.elements.values() if QName("m2p:Experiment") in e.types and e.get("m2p:experiment_id") != "0"
    )
    doc.entity("mlflow:run/new1", {"prov:type": (QName("m2p:Run"), QName("prov:Collection")), "m2p:run_id": "new1"})
    doc.add_relation("hadMember", exp, "mlflow:run/new1")
    after = encode_units(doc)
    changed = {k for k in after if k not in before or after[k].hash != before[k].hash}
    assert changed == {"run/new1"}
