"""transform (spec §6): aliased agents, pseudonyms (and their reversal), duplicate elimination."""

from __future__ import annotations

import json
import re
import stat
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mlflow2prov_jupyter.core.errors import Mlflow2ProvError, OptionError
from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName
from mlflow2prov_jupyter.ops import TransformWarning, dedupe, depseudonymize, load, merge, save, transform
from mlflow2prov_jupyter.ops.pseudonymize import pseudonymize

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
T1 = T0 + timedelta(hours=1)
PERSON = (QName("m2p:GitUser"), QName("prov:Person"))
MAPPING = "- {name: Foo Bar, email: foo@x.org, aliases: [foo]}\n"
CLEAR = ["foo", "Foo", "foo@x.org", "Bar", "bar@x.org", "solo@x.org", "Foo Bar"]


def people_doc() -> ProvDoc:
    """Agents of case 73 plus an email-only agent, a non-person agent and values naming the people."""
    d = ProvDoc()
    d.agent(
        "user:mlflow/foo",
        {"prov:type": (QName("m2p:MlflowUser"), QName("prov:Person")), "prov:label": "foo", "m2p:username": "foo"},
    )
    d.agent(
        "user:git/foo%40x.org", {"prov:type": PERSON, "prov:label": "Foo", "m2p:name": "Foo", "m2p:email": "foo@x.org"}
    )
    d.agent(
        "user:git/bar%40x.org", {"prov:type": PERSON, "prov:label": "Bar", "m2p:name": "Bar", "m2p:email": "bar@x.org"}
    )
    d.agent("user:git/solo%40x.org", {"prov:type": PERSON, "m2p:email": "solo@x.org"})
    d.agent("user:service/ci", {"prov:type": QName("m2p:Service"), "m2p:name": "ci"})
    d.activity(
        "git:commit/c1",
        T0,
        T0,
        {
            "prov:type": QName("m2p:Commit"),
            "prov:label": "c1 Merge",
            "m2p:message": "Merge work of Foo (foo@x.org) with BAR@x.org; foobar stays",
        },
    )
    d.entity(
        "mlflow:run/r1",
        {
            "prov:type": (QName("m2p:Run"), QName("prov:Collection")),
            "m2p:user": "foo",
            "m2p:owner": QName("user:mlflow/foo"),
        },
    )
    d.activity("mlflow:run/r1/creation", T0, T1, {"prov:type": QName("m2p:RunCreation")})
    d.entity(
        "mlflow:run/r1/tag/mlflow.user",
        {"prov:type": QName("m2p:RunTag"), "m2p:key": "mlflow.user", "m2p:value": "foo"},
    )
    d.entity("mlflow:run/r1/param/lr", {"prov:type": QName("m2p:Param"), "m2p:key": "lr", "m2p:value": "0.1"})
    d.add_relation("wasAssociatedWith", "git:commit/c1", "user:git/foo%40x.org", role="CommitAuthor")
    d.add_relation("wasAssociatedWith", "git:commit/c1", "user:mlflow/foo", role="Reviewer")
    d.add_relation("wasAssociatedWith", "git:commit/c1", "user:git/bar%40x.org", role="Committer")
    d.add_relation("wasAssociatedWith", "mlflow:run/r1/creation", "user:mlflow/foo", role="RunAuthor")
    d.add_relation("wasAttributedTo", "mlflow:run/r1", "user:mlflow/foo")
    d.add_relation("wasAttributedTo", "mlflow:run/r1/param/lr", "user:git/solo%40x.org", attrs={"m2p:note": "foo"})
    d.add_relation("actedOnBehalfOf", "user:mlflow/foo", "user:git/foo%40x.org")
    d.add_relation("hadMember", "mlflow:run/r1", "mlflow:run/r1/tag/mlflow.user")
    return d


def all_strings(doc: ProvDoc) -> list[str]:
    out = []
    for el in doc.elements.values():
        out.append(el.id)
        for k in el.attrs:
            out.extend(str(v) for v in el.values(k))
    for r in doc.relations:
        out.extend(str(a) for a in r.args if a is not None)
        for k in r.attrs or {}:
            out.extend(str(v) for v in r.values(k))
    return out


def test_case_72_duplicate_relation_roles_unioned() -> None:
    d = ProvDoc()
    d.entity("m2p:e")
    d.activity("m2p:a")
    d.add_relation("wasGeneratedBy", "m2p:e", "m2p:a", time=T0, role="A")
    d.add_relation("wasGeneratedBy", "m2p:e", "m2p:a", time=T0, role="B")
    d.add_relation("wasGeneratedBy", "m2p:e", "m2p:a", time=T1, role="A")  # another time: another relation
    before = d.to_json()
    out = transform(d)
    gens = sorted(out.relations_of("wasGeneratedBy"), key=lambda r: r.time)
    assert [(r.time, r.roles) for r in gens] == [(T0, ("A", "B")), (T1, ("A",))]
    assert d.to_json() == before
    assert len(transform(d, eliminate_duplicates=False).relations) == 3
    assert dedupe(d) == out


def test_case_73_merge_aliased_agents(tmp_path: Path) -> None:
    d = people_doc()
    before = d.to_json()
    mapping = tmp_path / "people.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    out = transform(d, merge_aliased_agents=str(mapping))
    assert d.to_json() == before
    pid = "user:person/foo%40x.org"
    assert "user:mlflow/foo" not in out and "user:git/foo%40x.org" not in out
    person = out[pid]
    assert person.kind == "agent"
    assert person.get("m2p:name") == "Foo Bar" and person.get("m2p:email") == "foo@x.org"
    assert set(person.values("m2p:alias")) == {"foo", "Foo"}
    assert set(person.types) == {QName("m2p:GitUser"), QName("m2p:MlflowUser"), QName("prov:Person")}
    assert out["user:git/bar%40x.org"].attrs == d["user:git/bar%40x.org"].attrs  # untouched
    assert out["mlflow:run/r1"].get("m2p:owner") == QName(pid)
    assoc = {r.target: r.roles for r in out.relations_of("wasAssociatedWith") if r.source == "git:commit/c1"}
    assert assoc == {pid: ("CommitAuthor", "Reviewer"), "user:git/bar%40x.org": ("Committer",)}
    assert [r.args for r in out.relations_of("wasAttributedTo") if r.source == "mlflow:run/r1"] == [
        ("mlflow:run/r1", pid)
    ]
    assert [r.args for r in out.relations_of("actedOnBehalfOf")] == [(pid, pid)]
    assert not any(a in ("user:mlflow/foo", "user:git/foo%40x.org") for r in out.relations for a in r.args)
    # text and parsed lists work too; applying it again changes nothing
    assert transform(d, merge_aliased_agents=MAPPING) == out
    assert transform(d, merge_aliased_agents=[{"name": "Foo Bar", "email": "foo@x.org", "aliases": ["foo"]}]) == out
    assert transform(out, merge_aliased_agents=MAPPING) == out


def test_case_73_unmatched_entry_warns_and_double_match_errors(tmp_path: Path) -> None:
    d = people_doc()
    with pytest.warns(TransformWarning, match="Nobody"):
        out = transform(d, merge_aliased_agents=MAPPING + "- {name: Nobody, email: nobody@x.org}\n")
    assert "user:person/foo%40x.org" in out
    twice = "- {name: A, aliases: [foo]}\n- {name: B, email: foo@x.org}\n"
    with pytest.raises(OptionError) as err:
        transform(d, merge_aliased_agents=twice)
    msg = str(err.value)
    assert "\n" not in msg and "user:" in msg and "'A'" in msg and "'B'" in msg


def test_mapping_with_unknown_keys_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "people.yaml"
    bad.write_text("- {name: Foo, mail: foo@x.org}\n", encoding="utf-8")
    with pytest.raises(OptionError) as err:
        transform(people_doc(), merge_aliased_agents=str(bad))
    assert "\n" not in str(err.value) and "mail" in str(err.value)
    with pytest.raises(OptionError):
        transform(people_doc(), merge_aliased_agents=str(tmp_path / "missing.yaml"))


def assert_no_clear_values(doc: ProvDoc, *, inside_text: bool) -> None:
    clear = {c.casefold() for c in CLEAR}
    for s in all_strings(doc):
        assert s.strip().casefold() not in clear, s
        if inside_text:
            for c in clear:
                assert not re.search(rf"(?<!\w){re.escape(c)}(?!\w)", s, re.IGNORECASE), (c, s)


def test_case_74_pseudonymize(tmp_path: Path) -> None:
    d = people_doc()
    before = d.to_json()
    mapping = tmp_path / "map.json"
    out = transform(d, pseudonymize=True, key="K", mapping=str(mapping))
    assert d.to_json() == before
    assert_no_clear_values(out, inside_text=False)
    persons = [e for e in out.elements.values() if e.kind == "agent" and QName("prov:Person") in e.types]
    assert len(persons) == 4
    for p in persons:
        assert re.fullmatch(r"user:pseudonym/[0-9a-f]{32}", p.id)
        assert p.get("prov:label") == p.id
    solo = [p for p in persons if p.get("m2p:email") and not p.get("m2p:name")]
    assert len(solo) == 1  # email-only agent: email hashed, no name invented
    username_only = [p for p in persons if p.get("m2p:username")]
    assert len(username_only) == 1 and username_only[0].get("m2p:name") is None
    assert out["user:service/ci"].attrs == d["user:service/ci"].attrs  # not a prov:Person
    pseudo_ids = {p.id for p in persons}
    for r in out.relations_of("wasAssociatedWith"):
        assert r.target in pseudo_ids
    tag = out["mlflow:run/r1/tag/mlflow.user"]
    assert tag.get("m2p:value") == username_only[0].get("m2p:username") == out["mlflow:run/r1"].get("m2p:user")
    assert out["mlflow:run/r1"].get("m2p:owner") == QName(username_only[0].id)
    assert out["mlflow:run/r1/param/lr"].get("m2p:value") == "0.1"
    # without scrub_text, text keeps its words
    assert "foo@x.org" in out["git:commit/c1"].get("m2p:message")
    # the mapping is private and restores the original exactly
    assert stat.S_IMODE(mapping.stat().st_mode) == 0o600
    assert depseudonymize(out, str(mapping)) == d
    text = out.to_json()
    assert "foo@x.org" not in text.replace(out["git:commit/c1"].get("m2p:message"), "")


def test_case_74_scrub_text_and_round_trip_through_a_file(tmp_path: Path) -> None:
    d = people_doc()
    mapping = tmp_path / "map.json"
    out = transform(d, pseudonymize=True, key=b"K", mapping=mapping, scrub_text=True)
    assert_no_clear_values(out, inside_text=True)
    message = out["git:commit/c1"].get("m2p:message")
    assert message.startswith("Merge work of ") and "foobar stays" in message
    saved = load(save(out, tmp_path / "pseudo")[0])
    assert "foo" not in saved.to_json().replace("foobar", "")
    assert depseudonymize(saved, mapping) == d
    data = json.loads(mapping.read_text(encoding="utf-8"))
    assert "K" not in json.dumps(data["agents"])  # the key is never stored


def test_case_74_two_documents_under_one_key_unify(monkeypatch: pytest.MonkeyPatch) -> None:
    a = people_doc()
    b = ProvDoc()
    b.agent(
        "user:git/bar%40x.org",
        {"prov:type": PERSON, "prov:label": "Bar", "m2p:name": ("Bar", "B. Ar"), "m2p:email": "bar@x.org"},
    )
    b.activity("git:commit/c2", T1, T1, {"prov:type": QName("m2p:Commit")})
    b.add_relation("wasAssociatedWith", "git:commit/c2", "user:git/bar%40x.org", role="CommitAuthor")
    pa = pseudonymize(a, key="K")
    pb = pseudonymize(b, key="K")
    merged = merge([pa, pb])
    assert merged == pseudonymize(merge([a, b]), key="K")
    bars = [e for e in merged.elements.values() if e.kind == "agent" and len(e.values("m2p:name")) == 2]
    assert len(bars) == 1
    # the key may come from the environment; without any key, pseudonyms are random
    monkeypatch.setenv("M2P_PSEUDONYM_KEY", "K")
    assert pseudonymize(a) == pa
    monkeypatch.delenv("M2P_PSEUDONYM_KEY")
    assert pseudonymize(a) != pseudonymize(a)


def test_case_75_pseudonymize_off_is_not_applied(tmp_path: Path) -> None:
    d = people_doc()
    mapping = tmp_path / "map.json"
    out = transform(d, pseudonymize=False, key="K", mapping=str(mapping), scrub_text=True)
    assert out == d and out is not d
    assert not mapping.exists()


def test_aliases_then_pseudonyms(tmp_path: Path) -> None:
    d = people_doc()
    mapping = tmp_path / "m.json"
    out = transform(d, merge_aliased_agents=MAPPING, pseudonymize=True, key="K", mapping=mapping)
    assert not any(i.startswith("user:person/") for i in out.elements)
    assert_no_clear_values(out, inside_text=False)
    persons = [e for e in out.elements.values() if e.kind == "agent" and QName("prov:Person") in e.types]
    assert len(persons) == 3
    assert depseudonymize(out, mapping) == transform(d, merge_aliased_agents=MAPPING)


def test_bad_mapping_inputs(tmp_path: Path) -> None:
    out = pseudonymize(people_doc(), key="K")
    with pytest.raises(OptionError):
        depseudonymize(out, tmp_path / "missing.json")
    junk = tmp_path / "junk.json"
    junk.write_text('{"a": 1}', encoding="utf-8")
    with pytest.raises(OptionError) as err:
        depseudonymize(out, junk)
    assert "\n" not in str(err.value)
    with pytest.raises(Mlflow2ProvError):
        pseudonymize(people_doc(), key="K", mapping=tmp_path / "no" / "map.json")


def test_transform_without_steps_copies() -> None:
    d = people_doc()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = transform(d, eliminate_duplicates=False)
    assert out == d and out is not d
    out["mlflow:run/r1"].attrs["m2p:user"] = "changed"
    assert d["mlflow:run/r1"].get("m2p:user") == "foo"
