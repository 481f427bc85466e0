"""Smaller hardening items of issue 13 (item 10): the demo never deletes the user's files, a folder named
like a verb is an argument, empty documents load back in every format, merge warnings are one line."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_display import small_doc

from mlflow2prov_jupyter.cli import cli
from mlflow2prov_jupyter.core.provdoc import ProvDoc
from mlflow2prov_jupyter.ops import load, save
from mlflow2prov_jupyter.ops.formats import FORMATS


def test_demo_overwrite_removes_only_what_the_demo_made(sample_manifest, tmp_path, monkeypatch):
    """``mlflow2prov demo demo --overwrite`` on a demo folder named ``demo`` (a verb's name) regenerates it
    once; the files the user added (outputs, notes, a script of their own) stay and are not committed."""
    demo = tmp_path / "demo"
    shutil.copytree(sample_manifest.repo_path, demo, symlinks=True)
    mine = {"full.json": "{}", "notes.txt": "my notes", "src/mine.py": "print('mine')\n"}
    for rel, text in mine.items():
        (demo / rel).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["--no-progress", "demo", "demo", "--overwrite"])
    assert result.exit_code == 0, result.output
    assert result.output.count("creating the sample project") == 1
    for rel, text in mine.items():
        assert (demo / rel).read_text(encoding="utf-8") == text
    tracked = subprocess.run(["git", "-C", str(demo), "ls-files"], capture_output=True, text=True).stdout.split()
    assert "notes.txt" not in tracked and "src/mine.py" not in tracked and "src/train.py" in tracked
    created = json.loads((demo / "manifest.json").read_text())["created"]
    assert "notes.txt" not in created and "src/train.py" in created and ".git/" in created
    assert (demo / "provenance.json").is_file()


def test_an_old_demo_with_foreign_files_is_refused(tmp_path):
    from mlflow2prov_jupyter.sample.project import GENERATOR, SampleProjectError, _prepare_directory

    old = tmp_path / "old"
    (old / "src").mkdir(parents=True)
    (old / "manifest.json").write_text(json.dumps({"generator": GENERATOR}), encoding="utf-8")  # no "created"
    (old / "thesis.tex").write_text("mine", encoding="utf-8")
    with pytest.raises(SampleProjectError, match="did not make \\(thesis.tex\\)"):
        _prepare_directory(old, overwrite=True)
    assert (old / "thesis.tex").exists() and (old / "manifest.json").exists()


def test_a_verb_named_folder_is_the_optional_argument(tmp_path, monkeypatch):
    def own(command: str, words: list[str]) -> tuple[list[str], list[str]]:  # the parser of a command's words
        return cli.commands[command].own_words(words, cli.commands)

    monkeypatch.chdir(tmp_path)
    assert own("demo", ["demo"]) == (["demo"], [])  # `demo demo`: the folder, not a second demo
    assert own("demo", ["statistics"]) == ([], ["statistics"])  # no such folder: the next command
    (tmp_path / "statistics").mkdir()
    assert own("demo", ["statistics"]) == (["statistics"], [])  # an existing folder of that name
    assert own("diff", ["a.json", "validate"]) == (["a.json"], ["validate"])


@pytest.mark.parametrize("fmt", [f for f, spec in FORMATS.items() if spec.readable])
def test_an_empty_document_loads_back_in_every_format(tmp_path, fmt):
    path = save(ProvDoc(), tmp_path / "empty", formats=(fmt,))[0]
    doc = load(path)
    assert not doc.elements and not doc.relations
    assert load(path, format=fmt).elements == {}


@pytest.mark.parametrize(
    "name, content", [("blank.trig", ""), ("foaf.ttl", "<http://x/a> <http://x/b> <http://x/c> .\n"), ("a.xml", "<a/>")]
)
def test_blank_or_foreign_files_are_still_refused(tmp_path, name, content):
    from mlflow2prov_jupyter.core.errors import DocumentFormatError

    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(DocumentFormatError, match="not a PROV document"):
        load(tmp_path / name)


def test_merge_warnings_are_one_line_naming_the_element(tmp_path):
    a = small_doc(runs=1, steps=2)
    b = small_doc(runs=1, steps=2)
    start = b["git:commit/c0"].attrs["prov:startTime"]
    b["git:commit/c0"].attrs["prov:startTime"] = start.replace(year=2020)
    pa, pb = save(a, tmp_path / "a")[0], save(b, tmp_path / "b")[0]
    result = CliRunner().invoke(
        cli, ["load", str(pa), "load", str(pb), "merge", "--on-conflict", "first", "statistics"]
    )
    assert result.exit_code == 0, result.output
    warned = [ln for ln in result.output.splitlines() if "Warning" in ln or ".py:" in ln]
    assert len(warned) == 1 and warned[0].startswith("Warning: merge conflict") and "git:commit/c0" in warned[0]
    assert "return fn(" not in result.output and "MergeConflictWarning" not in result.output


def test_debug_still_shows_the_traceback(tmp_path):
    junk = Path(tmp_path / "x.json")
    junk.write_text("{", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--debug", "load", str(junk)])
    assert result.exit_code == 1 and result.output.startswith("Error: ")
