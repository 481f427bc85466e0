"""validate(): PROV-DM structure and PROV-CONSTRAINTS findings on seeded violations; none on clean documents."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest

from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName
from mlflow2prov_jupyter.query import Finding, validate
from mlflow2prov_jupyter.query.example import example_document
from mlflow2prov_jupyter.query.validate import CODES, errors, findings_markdown

T = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


def h(n: float) -> datetime:
    return T + timedelta(hours=n)


def base() -> ProvDoc:
    """A small valid document: a run creation [0h, 2h] generating a run, using a dataset made by C."""
    d = ProvDoc()
    d.activity("git:commit/c", h(-2), h(-1), {"prov:type": QName("m2p:Commit")})
    d.activity("mlflow:run/r/creation", h(0), h(2), {"prov:type": QName("m2p:RunCreation")})
    d.entity("mlflow:run/r", {"prov:type": (QName("m2p:Run"), QName("prov:Collection"))})
    d.entity("mlflow:run/r/param/lr", {"prov:type": QName("m2p:Param")})
    d.entity("git:revision/c/a.py", {"prov:type": QName("m2p:FileRevision")})
    d.agent("user:mlflow/alice", {"prov:type": (QName("m2p:MlflowUser"), QName("prov:Person"))})
    d.add_relation("wasGeneratedBy", "mlflow:run/r", "mlflow:run/r/creation", time=h(0), role="AddedRun")
    d.add_relation("hadMember", "mlflow:run/r", "mlflow:run/r/param/lr")
    d.add_relation("wasGeneratedBy", "git:revision/c/a.py", "git:commit/c", time=h(-1))
    d.add_relation("used", "mlflow:run/r/creation", "git:revision/c/a.py", time=h(0), role="EntryPoint")
    d.add_relation("wasInformedBy", "mlflow:run/r/creation", "git:commit/c")
    d.add_relation("wasAttributedTo", "mlflow:run/r", "user:mlflow/alice")
    return d


def codes(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings}


def test_base_and_example_documents_are_valid():
    assert validate(base()) == []
    assert validate(example_document()) == []
    # Also through PROV-JSON text and dict.
    text = example_document().to_json()
    assert validate(text) == []
    assert validate(json.loads(text)) == []


# Each seeded violation: (builder mutating base(), expected code, ids the finding must name).
def _start_after_end(d):
    d["mlflow:run/r/creation"].attrs["prov:endTime"] = h(-0.5)
    return ["mlflow:run/r/creation"]


def _usage_outside(d):
    d.add_relation("used", "mlflow:run/r/creation", "git:revision/c/a.py", time=h(3), role="late")
    return ["mlflow:run/r/creation", "git:revision/c/a.py"]


def _generation_outside(d):
    d.entity("mlflow:run/r/metric/loss/0", {"prov:type": QName("m2p:Metric")})
    d.add_relation("wasGeneratedBy", "mlflow:run/r/metric/loss/0", "mlflow:run/r/creation", time=h(-5))
    return ["mlflow:run/r/metric/loss/0", "mlflow:run/r/creation"]


def _invalidation_before_generation(d):
    d.activity("mlflow:run/r/deletion", h(-3), h(-3))
    d.add_relation("wasInvalidatedBy", "mlflow:run/r", "mlflow:run/r/deletion", time=h(-3))
    return ["mlflow:run/r", "mlflow:run/r/deletion"]


def _usage_before_generation(d):
    d.activity("git:commit/early", h(-4), h(-3))
    d.add_relation("used", "git:commit/early", "git:revision/c/a.py", time=h(-3.5))
    return ["git:commit/early", "git:revision/c/a.py"]


def _usage_after_invalidation(d):
    d.activity("git:commit/del", h(-0.5), h(-0.5))
    d.add_relation("wasInvalidatedBy", "git:revision/c/a.py", "git:commit/del", time=h(-0.5))
    return ["mlflow:run/r/creation", "git:revision/c/a.py"]


def _derivation_order(d):
    d.entity("git:revision/c0/a.py")
    d.activity("git:commit/later", h(5), h(5))
    d.add_relation("wasGeneratedBy", "git:revision/c0/a.py", "git:commit/later", time=h(5))
    d.add_relation("wasDerivedFrom", "git:revision/c/a.py", "git:revision/c0/a.py")
    return ["git:revision/c/a.py", "git:revision/c0/a.py"]


def _informant_after_informed(d):
    d.activity("git:commit/future", h(10), h(10))
    d.add_relation("wasInformedBy", "mlflow:run/r/creation", "git:commit/future")
    return ["mlflow:run/r/creation", "git:commit/future"]


def _generation_twice(d):
    d.activity("mlflow:other", h(0), h(2))
    d.add_relation("wasGeneratedBy", "mlflow:run/r", "mlflow:other", time=h(1))
    return ["mlflow:run/r"]


def _invalidation_twice(d):
    d.activity("mlflow:run/r/deletion", h(3), h(4))
    d.add_relation("wasInvalidatedBy", "mlflow:run/r", "mlflow:run/r/deletion", time=h(3))
    d.add_relation("wasInvalidatedBy", "mlflow:run/r", "mlflow:run/r/deletion", time=h(4))
    return ["mlflow:run/r"]


def _start_time_mismatch(d):
    d.activity("mlflow:run/p/creation", h(-1), h(3))
    d.add_relation("wasStartedBy", "mlflow:run/r/creation", "mlflow:run/p/creation", time=h(0.5))
    return ["mlflow:run/r/creation"]


def _end_time_mismatch(d):
    d.add_relation("wasEndedBy", "mlflow:run/r/creation", "git:commit/c", time=h(1))
    return ["mlflow:run/r/creation"]


def _starter_after_start(d):
    d.activity("mlflow:run/p/creation", h(1), h(3))
    d.add_relation("wasStartedBy", "mlflow:run/r/creation", "mlflow:run/p/creation", time=h(0))
    return ["mlflow:run/r/creation", "mlflow:run/p/creation"]


def _trigger_after_start(d):
    d.entity("m2p:signal")
    d.add_relation("wasGeneratedBy", "m2p:signal", "mlflow:run/r/creation", time=h(1))
    d.add_relation("wasStartedBy", "mlflow:run/r/creation", None, time=h(0), formal={"prov:trigger": "m2p:signal"})
    return ["mlflow:run/r/creation", "m2p:signal"]


def _specialization_generation(d):
    d.entity("git:file/c/a.py")
    d.activity("git:commit/late", h(1), h(1))
    d.add_relation("wasGeneratedBy", "git:file/c/a.py", "git:commit/late", time=h(1))
    d.add_relation("specializationOf", "git:revision/c/a.py", "git:file/c/a.py")
    return ["git:revision/c/a.py", "git:file/c/a.py"]


def _specialization_invalidation(d):
    d.entity("git:file/c/a.py")
    d.activity("git:commit/d1", h(1), h(1))
    d.activity("git:commit/d2", h(3), h(3))
    d.add_relation("specializationOf", "git:revision/c/a.py", "git:file/c/a.py")
    d.add_relation("wasInvalidatedBy", "git:file/c/a.py", "git:commit/d1", time=h(1))
    d.add_relation("wasInvalidatedBy", "git:revision/c/a.py", "git:commit/d2", time=h(3))
    return ["git:revision/c/a.py", "git:file/c/a.py"]


def _self_derivation(d):
    d.add_relation("wasDerivedFrom", "git:revision/c/a.py", "git:revision/c/a.py")
    return ["git:revision/c/a.py"]


def _derivation_cycle(d):
    d.entity("m2p:x")
    d.entity("m2p:y")
    d.add_relation("wasDerivedFrom", "git:revision/c/a.py", "m2p:x")
    d.add_relation("wasDerivedFrom", "m2p:x", "m2p:y")
    d.add_relation("wasDerivedFrom", "m2p:y", "git:revision/c/a.py")
    return ["git:revision/c/a.py", "m2p:x", "m2p:y"]


def _self_specialization(d):
    d.add_relation("specializationOf", "mlflow:run/r", "mlflow:run/r")
    return ["mlflow:run/r"]


def _specialization_cycle(d):
    d.entity("m2p:x")
    d.add_relation("specializationOf", "mlflow:run/r", "m2p:x")
    d.add_relation("specializationOf", "m2p:x", "mlflow:run/r")
    return ["mlflow:run/r", "m2p:x"]


def _typing_conflict(d):
    # An id never declared, used as an entity by one relation and as an activity by another.
    d.add_relation("used", "mlflow:run/r/creation", "m2p:ghost")
    d.add_relation("wasInformedBy", "mlflow:run/r/creation", "m2p:ghost")
    return ["m2p:ghost"]


def _wrong_kind(d):
    # The activity is named as the generated entity.
    d.add_relation("wasGeneratedBy", "git:commit/c", "mlflow:run/r/creation")
    return ["git:commit/c"]


def _key_formal(d):
    d["git:commit/c"].attrs["prov:startTime"] = (h(-2), h(-3))
    return ["git:commit/c"]


def _unknown_endpoint(d):
    d.add_relation("wasAttributedTo", "mlflow:run/r", "user:mlflow/nobody")
    return ["user:mlflow/nobody"]


def _missing_argument(d):
    d.add_relation("wasDerivedFrom", "mlflow:run/r", None)
    return ["mlflow:run/r"]


def _undeclared_prefix(d):
    d.entity("foo:thing")
    return ["foo:thing"]


def _empty_collection(d):
    d.entity("m2p:bag", {"prov:type": QName("prov:EmptyCollection")})
    d.add_relation("hadMember", "m2p:bag", "mlflow:run/r/param/lr")
    return ["m2p:bag", "mlflow:run/r/param/lr"]


def _bad_time(d):
    d["mlflow:run/r/creation"].attrs["prov:startTime"] = "yesterday"
    return ["mlflow:run/r/creation"]


def _bad_argument(d):
    d.add_relation("wasAttributedTo", "mlflow:run/r", 42)
    return []


def _key_relation(d):
    from mlflow2prov_jupyter.core.provdoc import Relation

    d.relations.append(Relation("used", ("mlflow:run/r/creation", "git:revision/c/a.py"), None, "m2p:u1"))
    d.relations.append(Relation("used", ("git:commit/c", "git:revision/c/a.py"), None, "m2p:u1"))
    return []


SEEDED: list[tuple[str, Callable[[ProvDoc], list[str]], str]] = [
    ("start_after_end", _start_after_end, "start-after-end"),
    ("usage_outside_activity", _usage_outside, "usage-outside-activity"),
    ("generation_outside_activity", _generation_outside, "generation-outside-activity"),
    ("invalidation_before_generation", _invalidation_before_generation, "invalidation-before-generation"),
    ("usage_before_generation", _usage_before_generation, "usage-before-generation"),
    ("usage_after_invalidation", _usage_after_invalidation, "usage-after-invalidation"),
    ("derivation_from_later_entity", _derivation_order, "derivation-before-generation"),
    ("informant_after_informed", _informant_after_informed, "informant-after-informed"),
    ("generated_twice", _generation_twice, "generation-times-differ"),
    ("invalidated_twice", _invalidation_twice, "invalidation-times-differ"),
    ("start_time_mismatch", _start_time_mismatch, "start-time-mismatch"),
    ("end_time_mismatch", _end_time_mismatch, "end-time-mismatch"),
    ("starter_after_start", _starter_after_start, "starter-after-start"),
    ("trigger_after_start", _trigger_after_start, "trigger-after-start"),
    ("specialization_generation", _specialization_generation, "specialization-generation-order"),
    ("specialization_invalidation", _specialization_invalidation, "specialization-invalidation-order"),
    ("self_derivation", _self_derivation, "self-derivation"),
    ("derivation_cycle", _derivation_cycle, "derivation-cycle"),
    ("self_specialization", _self_specialization, "self-specialization"),
    ("specialization_cycle", _specialization_cycle, "specialization-cycle"),
    ("entity_and_activity", _typing_conflict, "typing-conflict"),
    ("endpoint_of_wrong_kind", _wrong_kind, "wrong-kind"),
    ("two_start_times", _key_formal, "key-formal"),
    ("unknown_endpoint", _unknown_endpoint, "unknown-endpoint"),
    ("missing_argument", _missing_argument, "missing-argument"),
    ("undeclared_prefix", _undeclared_prefix, "undeclared-prefix"),
    ("member_of_empty_collection", _empty_collection, "empty-collection-member"),
    ("time_not_a_datetime", _bad_time, "bad-time"),
    ("argument_not_an_id", _bad_argument, "bad-argument"),
    ("two_relations_one_id", _key_relation, "key-relation"),
]


@pytest.mark.parametrize("name, build, code", SEEDED, ids=[s[0] for s in SEEDED])
def test_seeded_violation_is_found(name, build, code):
    d = base()
    involved = build(d)
    findings = validate(d)
    hits = [f for f in findings if f.code == code]
    assert hits, f"{code} not found; got {[str(f) for f in findings]}"
    f = hits[0]
    assert f.severity == CODES[code]
    for rid in involved:
        assert rid in f.records, (rid, f)
    assert "\n" not in f.message
    # Nothing unrelated to the seeded problem: every finding names a seeded id or a seeded relation.
    n_base = len(base().relations)
    for other in findings:
        assert set(other.records) & set(involved) or any(i >= n_base for i in other.relations) or not involved, other


def test_at_least_twelve_distinct_error_codes_are_seeded():
    seeded = {code for _, _, code in SEEDED if CODES[code] == "error"}
    assert len(seeded) >= 12
    assert {code for _, _, code in SEEDED} <= set(CODES)


def test_relation_positions_point_at_the_offending_relation():
    d = base()
    d.add_relation("used", "mlflow:run/r/creation", "git:revision/c/a.py", time=h(3), role="late")
    (f,) = [f for f in validate(d) if f.code == "usage-outside-activity"]
    assert f.relations == (len(d.relations) - 1,)
    assert d.relations[f.relations[0]].roles == ("late",)


def test_one_id_with_two_kinds_in_prov_json():
    data = json.loads(base().to_json())
    data["entity"]["git:commit/c"] = {"prov:type": {"$": "m2p:Commit", "type": "xsd:QName"}}
    findings = validate(json.dumps(data))
    (f,) = [f for f in findings if f.code == "key-kind"]
    assert f.severity == "error" and f.records == ("git:commit/c",)
    assert "activity" in f.message and "entity" in f.message


def test_two_start_times_for_one_id_in_prov_json():
    data = json.loads(base().to_json())
    rec = data["activity"]["git:commit/c"]
    data["activity"]["git:commit/c"] = [rec, {**rec, "prov:startTime": h(-5).isoformat()}]
    findings = validate(data)
    assert "key-formal" in codes(findings)
    # Equal instants written with different offsets are one value.
    data["activity"]["git:commit/c"] = [
        rec,
        {**rec, "prov:startTime": h(-2).astimezone(timezone(timedelta(hours=2))).isoformat()},
    ]
    assert "key-formal" not in codes(validate(data))


def test_warnings_only_for_what_prov_allows():
    d = base()
    d.entity("m2p:bag", {"prov:type": QName("m2p:Thing")})
    d.add_relation("hadMember", "m2p:bag", "mlflow:run/r/param/lr")  # not typed prov:Collection
    d.entity("m2p:typed", {"prov:type": "m2p:Run"})  # a string, not a qualified name
    d.activity("m2p:old", datetime(1970, 1, 1, 0, 0, 1, tzinfo=timezone.utc), None)
    d.activity("m2p:naive", datetime(2025, 1, 1), None)
    d.add_relation("wasAttributedTo", "mlflow:run/r", "user:mlflow/alice")  # duplicate
    d.add_relation("wasAttributedTo", "m2p:bag", "git:commit/c")  # an activity as agent: PROV allows it
    findings = validate(d)
    assert errors(findings) == []
    assert codes(findings) == {
        "collection-untyped",
        "type-not-qname",
        "epoch-time",
        "naive-time",
        "duplicate-relation",
        "wrong-kind",
    }
    assert all(f.severity == "warning" for f in findings)


def test_equal_times_are_not_a_violation():
    d = base()
    d.add_relation("used", "mlflow:run/r/creation", "git:revision/c/a.py", time=h(2))  # at the end exactly
    d.activity("git:commit/same", h(-1), h(-1))
    d.add_relation("used", "git:commit/same", "git:revision/c/a.py", time=h(-1))  # at generation exactly
    assert validate(d) == []


def test_findings_are_ordered_errors_first_and_render():
    d = base()
    d.add_relation("wasAttributedTo", "mlflow:run/r", "user:mlflow/nobody")
    d["mlflow:run/r/creation"].attrs["prov:endTime"] = h(-0.5)
    findings = validate(d)
    assert [f.severity for f in findings] == sorted(f.severity for f in findings)  # "error" < "warning"
    assert findings[0].severity == "error" and findings[-1].severity == "warning"
    md = findings_markdown(findings)
    assert "start-after-end" in md and "unknown-endpoint" in md
    dicts = json.loads(json.dumps([f.to_dict() for f in findings]))
    assert {"start-after-end", "unknown-endpoint"} <= {x["code"] for x in dicts}
    assert dicts[-1] == {
        "severity": "warning",
        "code": "unknown-endpoint",
        "message": findings[-1].message,
        "records": ["user:mlflow/nobody"],
        "relations": [len(d.relations) - 1],
        "nodes": ["mlflow:run/r"],  # the other end: the unknown id cannot be drawn
        "names": {"user:mlflow/nobody": "user:mlflow/nobody", "mlflow:run/r": "run r"},
    }
    assert findings_markdown([]).startswith("No findings")


def test_not_json_is_a_one_line_error():
    from mlflow2prov_jupyter.core.errors import Mlflow2ProvError

    with pytest.raises(Mlflow2ProvError) as err:
        validate("not json at all")
    assert "\n" not in str(err.value)


# ------------------------------------------------------------------------------------ sample project
@pytest.fixture(scope="module")
def sample(sample_manifest, sample_doc):
    return sample_manifest, sample_manifest.repo_path, sample_doc


def test_sample_extraction_is_valid_prov(sample):
    """No errors and no warnings: #33 metrics logged before their model are influenced, not derived."""
    _, _, doc = sample
    assert [str(f) for f in validate(doc)] == []
    assert any(r.kind == "wasInfluencedBy" and "/metric/" in r.source for r in doc.relations)


# ------------------------------------------------------------------------------------ plain sentences
def test_findings_are_plain_sentences_with_short_names():
    d = base()
    d["mlflow:run/r/creation"].attrs["prov:label"] = "run rf-40-trees"
    d["mlflow:run/r/creation"].attrs["prov:endTime"] = h(-0.5)
    (f,) = [f for f in validate(d) if f.code == "start-after-end"]
    assert f.message == (
        "run rf-40-trees ends before it starts (starts 2025-03-01 12:00:00 UTC, ends 2025-03-01 11:30:00 UTC)"
    )
    assert f.records == f.nodes == ("mlflow:run/r/creation",)
    assert f.names == {"mlflow:run/r/creation": "run rf-40-trees"}


def test_times_that_differ_below_a_second_show_milliseconds():
    d = base()
    d["mlflow:run/r/creation"].attrs["prov:startTime"] = h(0) + timedelta(milliseconds=700)
    d["mlflow:run/r/creation"].attrs["prov:endTime"] = h(0) + timedelta(milliseconds=250)
    d.relations = [r for r in d.relations if r.time is None]  # keep only the start/end disagreement
    (f,) = [f for f in validate(d) if f.code == "start-after-end"]
    assert "(starts 2025-03-01 12:00:00.700 UTC, ends 2025-03-01 12:00:00.250 UTC)" in f.message


def test_nodes_include_both_ends_of_the_relations():
    d = base()
    d.add_relation("used", "mlflow:run/r/creation", "git:revision/c/a.py", time=h(3), role="late")
    (f,) = [f for f in validate(d) if f.code == "usage-outside-activity"]
    assert set(f.nodes) == {"mlflow:run/r/creation", "git:revision/c/a.py"}
    assert f.message == (
        "run r used file revision git:revision/c/a.py at 2025-03-01 15:00:00 UTC, after it ended "
        "(2025-03-01 14:00:00 UTC)"
    )
    d["mlflow:run/r/creation"].attrs["prov:endTime"] = h(-0.5)
    own = [f for f in validate(d) if f.code == "generation-outside-activity"]
    assert [f.message for f in own] == [
        "run r created its own record at 2025-03-01 12:00:00 UTC, after it ended (2025-03-01 11:30:00 UTC)"
    ]


def test_every_seeded_message_is_one_plain_line_without_prov_jargon():
    jargon = ("wasInformedBy", "wasGeneratedBy", "xsd:dateTime", "specializes", "is generated", "invalidated")
    for _, build, code in SEEDED:
        d = base()
        build(d)
        for f in validate(d):
            assert "\n" not in f.message and f.message
            if code in (
                "start-after-end",
                "usage-outside-activity",
                "generation-outside-activity",
                "informant-after-informed",
                "derivation-before-generation",
                "usage-before-generation",
            ):
                assert not any(word in f.message for word in jargon), f.message
            assert set(f.nodes) <= set(d.elements) and set(f.names) >= set(f.nodes)


def test_sample_backdated_registration_reads_as_english(sample):
    manifest, _, doc = sample
    rm = manifest.registered_models[0]
    version = next(v for v in rm.versions if v.version == rm.aliases["champion"])
    run = next(r for r in manifest.runs if r.run_id == version.run_id)
    tampered = doc.copy()
    mvc = f"mlflow:registered-model/{rm.name}/version/{version.version}/creation"
    for time in ("prov:startTime", "prov:endTime"):
        tampered[mvc].attrs[time] -= timedelta(days=1)
    by_code = {f.code: f for f in validate(tampered)}
    f = by_code["informant-after-informed"]
    assert f.message.startswith(f"the registration of model version {version.version} of {rm.name} ended (")
    assert f"before run {run.name} started (" in f.message
    assert f.message.endswith("yet it is recorded as depending on it")
    assert f.nodes == (mvc, f"mlflow:run/{run.run_id}/creation")
    assert f.names[f"mlflow:run/{run.run_id}/creation"] == f"run {run.name}"
    g = by_code["generation-outside-activity"]
    assert g.message.startswith(
        f"the registration of model version {version.version} of {rm.name} created "
        f"model version {version.version} of {rm.name} at "
    )
    assert "after it ended (" in g.message
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", f.message + g.message)


def test_findings_html_escapes_and_lists_full_ids():
    from mlflow2prov_jupyter.notebook.cards import findings_html

    d = base()
    evil = "<img src=x onerror=alert(1)>"
    d["mlflow:run/r/creation"].attrs["prov:label"] = f"run {evil}"
    d["mlflow:run/r/creation"].attrs["prov:endTime"] = h(-0.5)
    findings = validate(d)
    page = findings_html(findings, title="<b>doc</b>")
    assert "<img" not in page and "<b>doc" not in page
    assert html.escape(f"run {evil} ends before it starts", quote=True) in page
    assert "<code>mlflow:run/r/creation</code>" in page and 'data-code="start-after-end"' in page
    assert "3 errors, 0 warnings" in page
    assert html.escape(f"run {evil} created run r at", quote=True) in page
    assert "No findings" in findings_html([]) or "no findings" in findings_html([]).lower()
