"""The lean ProvDoc: its PROV-JSON writer and reader against prov's own reading and writing."""

from __future__ import annotations

import json
import warnings
from datetime import datetime, timedelta, timezone

import pytest
from prov.model import ProvDocument

from mlflow2prov_jupyter.core.errors import DocumentFormatError
from mlflow2prov_jupyter.core.provdoc import RELATION_KINDS, Literal, ProvDoc, QName

T0 = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
T1 = datetime(2025, 1, 2, 3, 4, 6, tzinfo=timezone.utc)


def rich_doc() -> ProvDoc:
    doc = ProvDoc()
    doc.activity(
        "git:commit/abc",
        T0,
        T1,
        {"prov:type": QName("m2p:Commit"), "prov:label": 'abc Fix "loader"\n', "m2p:sha": "abc"},
    )
    doc.activity("mlflow:run/r1/creation", T0, None, {"prov:type": QName("m2p:RunCreation")})
    doc.entity(
        "git:file/abc/data/my%20file.csv",
        {
            "prov:type": (QName("m2p:File"), QName("prov:Collection")),
            "m2p:path": "data/my file.csv",
            "m2p:int": 5,
            "m2p:big": 2**40,
            "m2p:double": 0.1,
            "m2p:flag": False,
            "m2p:nan": "NaN",
            "m2p:when": T0,
            "m2p:text": '  ü"q\n<img src=x onerror=alert(1)>',
            "m2p:empty": "",
            "m2p:lang": Literal("bonjour", lang="fr"),
            "m2p:uri": Literal("https://example.org/x", "xsd:anyURI"),
        },
    )
    doc.agent(
        "user:git/ann%40x.org",
        {"prov:type": (QName("m2p:GitUser"), QName("prov:Person")), "m2p:name": ("Ann", "Ann B.")},
    )
    e, a, u = "git:file/abc/data/my%20file.csv", "git:commit/abc", "user:git/ann%40x.org"
    r = "mlflow:run/r1/creation"
    doc.add_relation("wasGeneratedBy", e, a, time=T1, role="AddedFile")
    doc.add_relation("used", a, e, time=T0, role="PreviousRevision")
    doc.add_relation("wasInformedBy", r, a)
    doc.add_relation("wasStartedBy", r, a, time=T0)
    doc.add_relation("wasEndedBy", r, a, time=T1)
    doc.add_relation("wasInvalidatedBy", e, a, time=T1, role="DeletedRevision")
    doc.add_relation("wasDerivedFrom", e, e, attrs={"prov:type": QName("prov:Revision")})
    doc.add_relation("wasAttributedTo", e, u)
    doc.add_relation("wasAssociatedWith", a, u, role=("CommitAuthor", "Committer"))
    doc.add_relation("actedOnBehalfOf", u, u)
    doc.add_relation("wasInfluencedBy", e, a)
    doc.add_relation("specializationOf", e, e)
    doc.add_relation("alternateOf", e, e)
    doc.add_relation("hadMember", e, e)
    doc.add_relation("wasGeneratedBy", e, r, attrs={"m2p:step": 5}, role="OutputModel")
    return doc


def test_every_relation_kind_is_covered():
    assert {r.kind for r in rich_doc().relations} >= set(RELATION_KINDS) - {"mentionOf"}


def test_fast_writer_equals_prov_reading_and_writing():
    doc = rich_doc()
    text = doc.to_json()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_by_prov = ProvDocument.deserialize(content=text, format="json")
        converted = doc.to_prov()
        written_by_prov = converted.serialize(format="json")
    assert read_by_prov == converted
    assert json.loads(written_by_prov) == json.loads(text)
    assert len(read_by_prov.get_records()) == len(doc)


def test_fast_reader_round_trip_and_prov_conversion():
    doc = rich_doc()
    text = doc.to_json()
    again = ProvDoc.from_json(text)
    assert again == doc
    assert again.to_json() == text
    assert ProvDoc.from_prov(doc.to_prov()) == doc
    assert ProvDoc.from_json(doc.to_prov().serialize(format="json")) == doc


def test_write_is_deterministic_whatever_the_insertion_order():
    doc = rich_doc()
    rev = ProvDoc()
    for el in reversed(list(doc.elements.values())):
        rev.add_element(el.kind, el.id, dict(el.attrs))
    rev.relations = list(reversed(doc.relations))
    assert rev.to_json() == doc.to_json()


def test_equality_counts_duplicate_relations():
    a = rich_doc()
    b = rich_doc()
    b.add_relation("wasAttributedTo", "git:file/abc/data/my%20file.csv", "user:git/ann%40x.org")
    assert a != b
    assert len(b) == len(a) + 1


def test_times_compare_as_instants():
    a, b = ProvDoc(), ProvDoc()
    a.activity("m2p:x", T0)
    b.activity("m2p:x", T0.astimezone(timezone(timedelta(hours=2))))
    assert a == b


def test_duplicate_element_id_is_refused():
    doc = ProvDoc()
    doc.entity("m2p:x")
    with pytest.raises(ValueError):
        doc.entity("m2p:x")


@pytest.mark.parametrize(
    "text",
    [
        "[1, 2]",
        '{"entity": []}',
        '{"nonsense": {}}',
        '{"entity": {"m2p:x": 5}}',
        '{"entity": {"m2p:x": {"m2p:a": {"type": "xsd:int"}}}}',
        '{"activity": {"m2p:x": {"prov:startTime": "yesterday"}}}',
        '{"wasGeneratedBy": {"_:1": {"prov:entity": 5}}}',
        '{"entity": {"m2p:x": {"m2p:a": {"$": "x", "type": "xsd:int"}}}}',
        '{"entity": ',
    ],
)
def test_malformed_json_raises_document_format_error(text):
    with pytest.raises(DocumentFormatError) as info:
        ProvDoc.from_json(text)
    assert "\n" not in str(info.value)


def test_reads_named_relations_bundles_and_legacy_types():
    text = json.dumps(
        {
            "prefix": {"ex": "http://example.org/"},
            "entity": {"ex:e": {"prov:type": {"$": "ex:T", "type": "prov:QUALIFIED_NAME"}, "ex:n": 3}},
            "wasGeneratedBy": {"ex:g1": {"prov:entity": "ex:e", "prov:activity": "ex:a"}},
            "hadMember": {"_:m": {"prov:collection": "ex:c", "prov:entity": ["ex:e", "ex:f"]}},
            "bundle": {"ex:b": {"entity": {"ex:in-bundle": {}}}},
        }
    )
    doc = ProvDoc.from_json(text)
    assert doc["ex:e"].get("prov:type") == QName("ex:T")
    assert doc["ex:e"].get("ex:n") == 3
    assert [r.id for r in doc.relations_of("wasGeneratedBy")] == ["ex:g1"]
    assert len(list(doc.relations_of("hadMember"))) == 2
    assert "ex:in-bundle" in doc


def test_orjson_bytes_equal_the_standard_library_writer():
    """save writes orjson's bytes; they are json.dumps' compact text, and to_json_dict() gives the same data."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    base = rich_doc()
    text_st = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)

    @settings(max_examples=150, deadline=None)
    @given(
        values=st.lists(
            st.tuples(
                text_st,
                st.one_of(
                    text_st,
                    st.integers(-(2**70), 2**70),
                    st.booleans(),
                    st.floats(allow_nan=True),
                    st.datetimes(timezones=st.just(timezone.utc)) | st.datetimes(timezones=st.timezones()),
                ),
            ),
            max_size=8,
        )
    )
    def check(values):
        doc = base.copy()
        attrs = {f"m2p:k{i}": v for i, (_, v) in enumerate(values)}
        labels = {f"m2p:l{i}": k for i, (k, _) in enumerate(values)}
        doc.entity("m2p:extra", {**attrs, **labels})
        data = doc.to_json_dict()
        expected = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
        assert doc.to_json_bytes() == expected
        assert doc.to_json() == expected.decode("utf-8")
        assert ProvDoc.from_json(doc.to_json_bytes()) == doc

    check()
