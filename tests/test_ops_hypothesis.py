"""Property: whatever bytes or PROV-JSON-like structure ``load`` is given, it fails only with DocumentFormatError."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlflow2prov_jupyter.core.errors import DocumentFormatError
from mlflow2prov_jupyter.core.provdoc import ELEMENT_KINDS, RELATION_KINDS, ProvDoc
from mlflow2prov_jupyter.ops import load

KIND_KEYS = list(ELEMENT_KINDS + RELATION_KINDS) + ["prefix", "bundle"]
ATTR_KEYS = [
    "prov:type",
    "prov:label",
    "prov:role",
    "prov:startTime",
    "prov:endTime",
    "prov:time",
    "prov:entity",
    "prov:activity",
    "prov:agent",
    "prov:trigger",
    "prov:generatedEntity",
    "m2p:value",
]
TYPES = [
    "xsd:int",
    "xsd:long",
    "xsd:double",
    "xsd:boolean",
    "xsd:dateTime",
    "xsd:QName",
    "xsd:string",
    "xsd:anyURI",
    "prov:QUALIFIED_NAME",
    "ex:odd",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["2025-01-02T03:04:05+00:00", "2025-01-02", "m2p:x", "ex:y", "NaN", "true", "-INF"]),
)
typed = st.fixed_dictionaries(
    {"$": scalars}, optional={"type": st.sampled_from(TYPES), "lang": st.one_of(st.text(max_size=3), st.integers())}
)
json_values = st.recursive(
    st.one_of(scalars, typed),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=8,
)
records = st.dictionaries(st.one_of(st.sampled_from(ATTR_KEYS), st.text(max_size=8)), json_values, max_size=4)
record_groups = st.dictionaries(
    st.one_of(st.sampled_from(["m2p:a", "m2p:b", "_:id1", "ex:c"]), st.text(max_size=6)),
    st.one_of(records, st.lists(records, max_size=2), json_values),
    max_size=3,
)
prov_json_like = st.one_of(
    st.dictionaries(
        st.one_of(st.sampled_from(KIND_KEYS), st.text(max_size=8)), st.one_of(record_groups, json_values), max_size=4
    ),
    json_values,
)

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
    database=None,
)


@pytest.fixture(scope="module")
def folder() -> Path:
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


def check_load(path: Path, fmt: str | None = None) -> None:
    try:
        doc = load(path, format=fmt)
    except DocumentFormatError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(doc, ProvDoc)
    # what loads can be written and read back
    again = ProvDoc.from_json(doc.to_json())
    assert again == doc


@SETTINGS
@given(data=prov_json_like)
def test_random_prov_json_like_input_only_raises_document_format_error(folder: Path, data: object) -> None:
    text = json.dumps(data, allow_nan=True)
    for name, fmt in (("doc.json", None), ("doc.txt", None), ("doc.dat", "json")):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        check_load(path, fmt)


@SETTINGS
@given(data=st.binary(max_size=300))
def test_random_bytes_only_raise_document_format_error(folder: Path, data: bytes) -> None:
    for name in ("blob.txt", "blob.json", "blob.xml", "blob.trig", "blob.provn", "blob.jsonld", "blob.rdf"):
        path = folder / name
        path.write_bytes(data)
        check_load(path)


@SETTINGS
@given(
    prefix=st.sampled_from(
        [b"<?xml version='1.0'?><prov:document ", b"@prefix p: <http://x/> .\n", b"document\n", b'{"entity": ']
    ),
    tail=st.binary(max_size=120),
)
def test_corrupted_documents_only_raise_document_format_error(folder: Path, prefix: bytes, tail: bytes) -> None:
    path = folder / "bad.txt"
    path.write_bytes(prefix + tail)
    check_load(path)
