"""merge (spec §6): union, unification like prov's unified(), every conflict collected, prefixes by URI."""

from __future__ import annotations

import time
import warnings
from datetime import datetime, timedelta, timezone

import pytest
from test_ops_load_save import synthetic  # one generator of big synthetic documents

from mlflow2prov_jupyter.core.errors import MergeConflictError, Mlflow2ProvError, OptionError
from mlflow2prov_jupyter.core.namespaces import M2P, MLFLOW, mlflow_namespace
from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName
from mlflow2prov_jupyter.ops import MergeConflictWarning, load, merge, save
from mlflow2prov_jupyter.ops.dedupe import dedupe

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
T1 = T0 + timedelta(hours=1)
T2 = T0 + timedelta(hours=2)


def activity_doc(start: datetime, end: datetime | None = None, **attrs) -> ProvDoc:
    d = ProvDoc()
    d.activity("mlflow:run/r1/creation", start, end, {"prov:type": QName("m2p:RunCreation"), **attrs})
    return d


def run_doc(status: str, end: datetime | None, name: str = "train") -> ProvDoc:
    """A run as one extraction sees it (cf. cases 24 and 65)."""
    d = ProvDoc()
    d.entity(
        "mlflow:run/r1",
        {"prov:type": (QName("m2p:Run"), QName("prov:Collection")), "m2p:name": name, "m2p:status": status},
    )
    d.activity("mlflow:run/r1/creation", T0, end, {"prov:type": QName("m2p:RunCreation")})
    d.agent(
        "user:mlflow/alice", {"prov:type": (QName("m2p:MlflowUser"), QName("prov:Person")), "m2p:username": "alice"}
    )
    d.add_relation("wasGeneratedBy", "mlflow:run/r1", "mlflow:run/r1/creation", time=T0, role="AddedRun")
    d.add_relation("wasAssociatedWith", "mlflow:run/r1/creation", "user:mlflow/alice", role="RunAuthor")
    d.add_relation("wasAttributedTo", "mlflow:run/r1", "user:mlflow/alice")
    return d


def test_case_67_conflicting_start_times() -> None:
    a = activity_doc(T0)
    b = activity_doc(T1)
    before = (a.to_json(), b.to_json())
    with pytest.raises(MergeConflictError) as err:
        merge([a, b])
    e = err.value
    assert isinstance(e, Mlflow2ProvError) and e.exit_code == 3
    assert e.conflicts == [
        {
            "identifier": "mlflow:run/r1/creation",
            "kind": "activity",
            "attribute": "prov:startTime",
            "values": [T0, T1],
            "documents": [0, 1],
        }
    ]
    lines = e.lines()
    assert len(lines) == 1 and "\n" not in lines[0]
    assert "mlflow:run/r1/creation" in lines[0] and "prov:startTime" in lines[0]
    assert T0.isoformat() in lines[0] and T1.isoformat() in lines[0]
    assert "\n" not in str(e) and "mlflow:run/r1/creation" in str(e)
    assert (a.to_json(), b.to_json()) == before  # inputs untouched

    with pytest.warns(MergeConflictWarning, match="prov:startTime"):
        m = merge([a, b], on_conflict="first")
    assert m["mlflow:run/r1/creation"].get("prov:startTime") == T0
    with pytest.warns(MergeConflictWarning):
        m = merge([b, a], on_conflict="first")
    assert m["mlflow:run/r1/creation"].get("prov:startTime") == T1
    assert (a.to_json(), b.to_json()) == before


def test_every_conflict_is_collected() -> None:
    a = activity_doc(T0, T1)
    a.entity("mlflow:experiment/1", {"prov:type": QName("m2p:Experiment")})
    a.activity("mlflow:experiment/1/creation", T0, T0)
    b = activity_doc(T0, T2)
    b.activity("mlflow:experiment/1", T0)  # an activity where a has an entity
    b.activity("mlflow:experiment/1/creation", T1, T1)
    c = activity_doc(T1, T2)
    with pytest.raises(MergeConflictError) as err:
        merge([a, b, c])
    got = {(c["identifier"], c["attribute"]): c for c in err.value.conflicts}
    assert set(got) == {
        ("mlflow:run/r1/creation", "prov:startTime"),
        ("mlflow:run/r1/creation", "prov:endTime"),
        ("mlflow:experiment/1", "kind"),
        ("mlflow:experiment/1/creation", "prov:startTime"),
        ("mlflow:experiment/1/creation", "prov:endTime"),
    }
    start = got[("mlflow:run/r1/creation", "prov:startTime")]
    assert start["values"] == [T0, T1] and start["documents"] == [0, 2]
    end = got[("mlflow:run/r1/creation", "prov:endTime")]
    assert end["values"] == [T1, T2, T2] and end["documents"] == [0, 1, 2]
    assert got[("mlflow:experiment/1", "kind")]["values"] == ["entity", "activity"]
    assert len(err.value.lines()) == 5
    assert "5 conflicts" in str(err.value)


def test_times_compare_as_instants_and_absent_formals_are_filled() -> None:
    cet = timezone(timedelta(hours=1))
    a = activity_doc(T0)
    b = activity_doc(T0.astimezone(cet), T1)  # same instant, other offset; end known later (case 65)
    m = merge([a, b])
    el = m["mlflow:run/r1/creation"]
    assert el.get("prov:startTime") == T0 and el.get("prov:endTime") == T1


def test_case_65_running_then_finished() -> None:
    running = run_doc("RUNNING", None)
    finished = run_doc("FINISHED", T1)
    m = merge([running, finished])
    assert m["mlflow:run/r1"].values("m2p:status") == ("FINISHED", "RUNNING")
    assert m["mlflow:run/r1/creation"].get("prov:endTime") == T1
    assert len(m.relations) == 3


def test_case_24_renamed_attributes_accumulate() -> None:
    m = merge([run_doc("FINISHED", T1, name="old"), run_doc("FINISHED", T1, name="new")])
    assert m["mlflow:run/r1"].values("m2p:name") == ("new", "old")


def test_merge_with_itself_changes_nothing() -> None:
    d = run_doc("FINISHED", T1)
    assert merge([d, d]) == d
    assert merge([d]) == d
    assert merge([d, d, d]).to_json() == d.to_json()
    assert merge([]) == ProvDoc()


def test_relations_deduplicated_roles_unioned() -> None:
    a = run_doc("FINISHED", T1)
    b = run_doc("FINISHED", T1)
    b.relations = [r for r in b.relations if r.kind != "wasAssociatedWith"]
    b.add_relation("wasAssociatedWith", "mlflow:run/r1/creation", "user:mlflow/alice", role="Reviewer")
    m = merge([a, b])
    assoc = list(m.relations_of("wasAssociatedWith"))
    assert len(assoc) == 1 and assoc[0].roles == ("Reviewer", "RunAuthor")
    assert len(m.relations) == 3
    # the inputs keep their own relation
    assert [r.roles for r in a.relations_of("wasAssociatedWith")] == [("RunAuthor",)]


def test_relations_at_other_times_stay_distinct() -> None:
    a = run_doc("FINISHED", T1)
    b = run_doc("FINISHED", T1)
    b.relations[0] = type(b.relations[0])(
        "wasGeneratedBy", ("mlflow:run/r1", "mlflow:run/r1/creation", T1), {"prov:role": "AddedRun"}
    )
    assert len(merge([a, b]).relations) == 4


def test_identified_relations_unify_like_prov() -> None:
    a = ProvDoc()
    a.entity("m2p:e")
    a.activity("m2p:a")
    rel = a.add_relation("wasGeneratedBy", "m2p:e", "m2p:a", role="X")
    rel.id = "m2p:gen"
    b = ProvDoc()
    b.entity("m2p:e")
    b.activity("m2p:a")
    rel = b.add_relation("wasGeneratedBy", "m2p:e", "m2p:a", time=T0, role="Y")
    rel.id = "m2p:gen"
    m = merge([a, b])
    gens = list(m.relations_of("wasGeneratedBy"))
    assert len(gens) == 1 and gens[0].time == T0 and gens[0].roles == ("X", "Y") and gens[0].id == "m2p:gen"
    assert m == expected_by_prov([a, b])
    c = ProvDoc()
    rel = c.add_relation("wasGeneratedBy", "m2p:e", "m2p:a", time=T1)
    rel.id = "m2p:gen"
    with pytest.raises(MergeConflictError) as err:
        merge([a, b, c])
    assert err.value.conflicts[0]["attribute"] == "prov:time"
    assert err.value.conflicts[0]["documents"] == [1, 2]


def test_case_64_two_stores_conflict_unless_store_keys() -> None:
    a = ProvDoc()
    a.activity("mlflow:experiment/1/creation", T0, T0)
    b = ProvDoc()
    b.activity("mlflow:experiment/1/creation", T1, T1)
    with pytest.raises(MergeConflictError) as err:
        merge([a, b])
    assert {c["attribute"] for c in err.value.conflicts} == {"prov:startTime", "prov:endTime"}
    assert all(c["identifier"] == "mlflow:experiment/1/creation" for c in err.value.conflicts)
    # with store keys the mlflow prefix names different URIs: renamed, no conflict
    a.prefixes["mlflow"] = mlflow_namespace("a")
    b.prefixes["mlflow"] = mlflow_namespace("b")
    m = merge([a, b])
    assert m.prefixes["mlflow"] == mlflow_namespace("a")
    assert m.prefixes["mlflow_1"] == mlflow_namespace("b")
    assert set(m.elements) == {"mlflow:experiment/1/creation", "mlflow_1:experiment/1/creation"}
    assert m["mlflow_1:experiment/1/creation"].get("prov:startTime") == T1
    assert a.prefixes["mlflow"] == mlflow_namespace("a") and "mlflow:experiment/1/creation" in b


def test_names_compare_by_uri() -> None:
    a = run_doc("FINISHED", T1)
    b = ProvDoc(prefixes={"vocab": M2P, "ml": MLFLOW, "m2p": "http://example.org/other#"})
    b.entity("ml:run/r1", {"prov:type": QName("vocab:Run"), "vocab:status": "KILLED", "m2p:note": "other vocabulary"})
    b.add_relation("hadMember", "ml:run/r1", "ml:run/r1/param/lr")
    m = merge([a, b])
    run = m["mlflow:run/r1"]
    assert run.values("m2p:status") == ("FINISHED", "KILLED")
    assert QName("m2p:Run") in run.types
    assert run.get("m2p_1:note") == "other vocabulary"
    assert m.prefixes["m2p_1"] == "http://example.org/other#"
    assert "ml" not in m.prefixes and "vocab" not in m.prefixes
    assert [r.args for r in m.relations_of("hadMember")] == [("mlflow:run/r1", "mlflow:run/r1/param/lr")]
    # the merged document is valid for prov: every prefix it uses is declared
    assert ProvDoc.from_prov(m.to_prov()) == m


def test_nested_namespaces_compare_by_full_uri() -> None:
    a = run_doc("FINISHED", T1)
    b = ProvDoc(prefixes={"ns1": MLFLOW + "run/", "m2p": M2P})
    b.entity("ns1:r1", {"m2p:status": "KILLED"})
    m = merge([a, b])
    assert m["mlflow:run/r1"].values("m2p:status") == ("FINISHED", "KILLED")
    assert "ns1:r1" not in m


def expected_by_prov(docs: list[ProvDoc]) -> ProvDoc:
    """prov's own merge: update() every document into one, unified(), then relation dedupe."""
    target = docs[0].to_prov()
    for d in docs[1:]:
        target.update(d.to_prov())
    return dedupe(ProvDoc.from_prov(target.unified()))


def test_merge_equals_prov_unified_on_conflict_free_inputs() -> None:
    a = run_doc("RUNNING", None, name="old")
    b = run_doc("FINISHED", T1, name="new")
    b.entity("mlflow:run/r1/param/lr", {"prov:type": QName("m2p:Param"), "m2p:key": "lr", "m2p:value": "0.1"})
    b.add_relation("hadMember", "mlflow:run/r1", "mlflow:run/r1/param/lr")
    b.add_relation("wasGeneratedBy", "mlflow:run/r1/param/lr", "mlflow:run/r1/creation", role="AddedParam")
    c = run_doc("FINISHED", T1)
    c["mlflow:run/r1"].attrs["prov:label"] = "train"
    c.add_relation("hadMember", "mlflow:run/r1", "mlflow:run/r1/param/lr")
    docs = [a, b, c]
    assert merge(docs) == expected_by_prov(docs)


def test_merged_windows_equal_prov_and_full_document() -> None:
    full = synthetic(300)
    first, second = window(full, 0, 200), window(full, 100, 300)
    m = merge([first, second])
    assert m == full
    assert m == expected_by_prov([first, second])


def window(doc: ProvDoc, lo: int, hi: int) -> ProvDoc:
    """The records of runs lo..hi-1 (and the agent), as a windowed extraction would emit them."""
    keep = {f"mlflow:run/{i:032x}" for i in range(lo, hi)}

    def owned(ident: str) -> bool:
        return ident.startswith("user:") or "/".join(ident.split("/")[:2]) in keep

    out = ProvDoc()
    for el in doc.elements.values():
        if owned(el.id):
            out.add_element(el.kind, el.id, dict(el.attrs))
    out.relations = [r for r in doc.relations if owned(r.args[0])]
    return out


def test_timing_merge_two_25k_element_documents() -> None:
    a = synthetic(2500)
    b = synthetic(2500)
    b["mlflow:run/" + "0" * 32].attrs["m2p:status"] = "KILLED"
    assert len(a.elements) == 25001
    t = time.perf_counter()
    m = merge([a, b])
    elapsed = time.perf_counter() - t
    print(f"\nmerge of two {len(a.elements)}-element, {len(a.relations)}-relation documents: {elapsed:.2f}s")
    assert len(m.elements) == 25001 and len(m.relations) == len(a.relations)
    assert m["mlflow:run/" + "0" * 32].values("m2p:status") == ("FINISHED", "KILLED")
    assert elapsed < 8  # target 2 s; loose bound for busy CI machines


def test_merge_of_loaded_rdf_document_by_uri(tmp_path) -> None:
    a = run_doc("FINISHED", T1)
    a.prefixes["mlflow"] = mlflow_namespace("k")
    path = save(a, tmp_path / "a", formats=("nt",))[0]
    back = load(path)  # N-Triples keep no prefixes: names come back under the plain mlflow prefix
    m = merge([a, back])
    assert len(m.elements) == len(a.elements)
    assert len(m.relations) == len(a.relations)


def test_bad_options() -> None:
    with pytest.raises(OptionError) as err:
        merge([ProvDoc()], on_conflict="last")
    assert "\n" not in str(err.value)
    with pytest.raises(OptionError):
        merge([ProvDoc(), "not a document"])  # type: ignore[list-item]


def test_first_mode_keeps_earliest_kind() -> None:
    a = ProvDoc()
    a.entity("m2p:x", {"m2p:v": 1})
    b = ProvDoc()
    b.activity("m2p:x", T0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = merge([a, b], on_conflict="first")
    assert m["m2p:x"].kind == "entity" and m["m2p:x"].get("m2p:v") == 1
    assert any(issubclass(w.category, MergeConflictWarning) for w in caught)
