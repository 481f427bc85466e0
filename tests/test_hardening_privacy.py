"""A pseudonymized document holds no person's name, e-mail or user name in any saved format (issue 13
item 4), a pseudonym mapping is never silently replaced and a foreign mapping is named (item 5)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from gitrepo import GitRepo
from mlflowstore import StoreWriter

from mlflow2prov_jupyter import extract
from mlflow2prov_jupyter.cli import cli
from mlflow2prov_jupyter.core.errors import OptionError, OutputExistsError
from mlflow2prov_jupyter.ops import depseudonymize, save, transform

FORMATS = ("json", "xml", "rdf", "provn", "jsonld")
PERSONS = """\
- name: Ann Smith
  email: ann@x.org
  aliases: [A. Smith, ann.smith@work.org, asmith]
- name: Bob Jones
  email: bob@x.org
  aliases: [bjones]
"""
IDENTITIES = ["Ann Smith", "A. Smith", "ann@x.org", "ann.smith@work.org", "asmith", "Bob Jones", "bob@x.org", "bjones"]


def _leaks(paths: list[Path], words: list[str]) -> list[tuple[str, str, str]]:
    """(file, word, context) for each whole-word occurrence of a word (any case, any escaping of '@')."""
    found = []
    for p in paths:
        text = p.read_text(encoding="utf-8")
        for w in words:
            for variant in {w, w.replace("@", "%40")}:
                for m in re.finditer(rf"(?<![\w.]){re.escape(variant)}(?![\w])", text, re.IGNORECASE):
                    found.append((p.name, w, text[max(0, m.start() - 50) : m.end() + 20]))
    return found


def test_sample_project_pseudonymized_names_nobody(sample_manifest, sample_doc, tmp_path):
    m = sample_manifest
    words = sorted({p.name for p in m.users.git} | {p.email for p in m.users.git} | set(m.users.mlflow))
    assert _leaks(save(sample_doc, tmp_path / "clear", formats=("json",)), words)  # they are there before
    for scrub in (False, True):
        out = transform(sample_doc, pseudonymize=True, key="k", scrub_text=scrub)
        paths = save(out, tmp_path / f"pseudo-{scrub}", formats=FORMATS)
        assert _leaks(paths, words) == []


def test_project_with_aliases_pseudonymized_names_nobody(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.write("train.py", "print(1)\n")
    repo.commit("start", author=("Ann Smith", "ann@x.org"))
    repo.write("train.py", "print(2)\n")
    repo.commit("tune", author=("A. Smith", "ann.smith@work.org"), committer=("Bob Jones", "bob@x.org"))
    repo.annotated_tag("v1", "first model", tagger=("Bob Jones", "bob@x.org"))
    store = StoreWriter.file(tmp_path)
    exp = store.experiment("e", tags={"mlflow.user": "asmith"})
    store.run(exp, user="asmith", tags={"mlflow.source.git.commit": repo.rev()})
    store.run(exp, user="bjones")
    doc = extract(repo.path, store.uri)
    persons = tmp_path / "persons.yaml"
    persons.write_text(PERSONS, encoding="utf-8")
    assert _leaks(save(doc, tmp_path / "clear", formats=("json",)), IDENTITIES)
    mapping = tmp_path / "map.json"
    out = transform(doc, merge_aliased_agents=str(persons), pseudonymize=True, key="k", mapping=mapping)
    assert _leaks(save(out, tmp_path / "pseudo", formats=FORMATS), IDENTITIES) == []
    assert depseudonymize(out, mapping) == transform(doc, merge_aliased_agents=str(persons))
    # the same through the command line
    result = CliRunner().invoke(cli, [
        "extract", "--repo", str(repo.path), "--tracking-uri", store.uri,
        "transform", "--merge-aliased-agents", str(persons), "--pseudonymize",
        "save", "-o", str(tmp_path / "cli"), *[x for f in FORMATS for x in ("-f", f)],
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _leaks(sorted(tmp_path.glob("cli.*")), IDENTITIES) == []


def _people_doc():
    from test_ops_transform import people_doc

    return people_doc()


def test_an_existing_mapping_is_never_replaced_without_overwrite(tmp_path):
    mapping = tmp_path / "map.json"
    transform(_people_doc(), pseudonymize=True, mapping=mapping)  # a random key: the mapping is the way back
    first = mapping.read_bytes()
    with pytest.raises(OutputExistsError, match="pseudonym mapping .* already exists"):
        transform(_people_doc(), pseudonymize=True, mapping=mapping)
    assert mapping.read_bytes() == first
    transform(_people_doc(), pseudonymize=True, mapping=mapping, overwrite=True)
    assert mapping.read_bytes() != first
    doc_file = save(_people_doc(), tmp_path / "in")[0]
    result = CliRunner().invoke(cli, ["load", str(doc_file), "transform", "--pseudonymize", "--mapping", str(mapping)])
    assert result.exit_code != 0 and "already exists" in result.output
    result = CliRunner().invoke(
        cli, ["load", str(doc_file), "transform", "--pseudonymize", "--mapping", str(mapping), "--overwrite"]
    )
    assert result.exit_code == 0, result.output


def test_a_mapping_of_another_document_is_named(tmp_path):
    mine, theirs = tmp_path / "mine.json", tmp_path / "theirs.json"
    out = transform(_people_doc(), pseudonymize=True, key="k1", mapping=mine)
    transform(_people_doc(), pseudonymize=True, key="k2", mapping=theirs)
    with pytest.raises(OptionError, match=f"no pseudonym of mapping {re.escape(str(theirs))} occurs in"):
        depseudonymize(out, theirs)
    assert depseudonymize(out, mine) == _people_doc()
