"""Every format choice list comes from the one registry, ``ops.formats``: what ``load`` and ``save`` read
and write is what the CLI, YAML pipelines and magics offer (``load x.ttl --format turtle`` works)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mlflow2prov_jupyter.cli import cli
from mlflow2prov_jupyter.core.errors import OptionError
from mlflow2prov_jupyter.ops.formats import FORMATS, READ_FORMATS, WRITE_FORMATS, check_available
from mlflow2prov_jupyter.ops.load import load
from mlflow2prov_jupyter.ops.save import save
from mlflow2prov_jupyter.pipeline import parse_pipeline
from mlflow2prov_jupyter.query.example import example_document
from mlflow2prov_jupyter.verbs import VERBS


def test_verb_choices_are_the_registry():
    assert VERBS["load"].option("format").choices == READ_FORMATS
    assert VERBS["save"].option("formats").choices == WRITE_FORMATS
    assert set(READ_FORMATS) == {n for n, f in FORMATS.items() if f.readable}
    assert set(WRITE_FORMATS) == {n for n, f in FORMATS.items() if f.writable}
    assert {"turtle", "nt", "rdf-xml"} <= set(READ_FORMATS) & set(WRITE_FORMATS)


def test_save_without_format_names_the_registry(tmp_path):
    with pytest.raises(OptionError) as err:
        save([example_document()], str(tmp_path / "out"), formats=())
    assert ", ".join(WRITE_FORMATS) in str(err.value)


@pytest.mark.parametrize("name", ["turtle", "nt", "rdf-xml"])
def test_cli_loads_and_saves_every_rdf_format_by_name(tmp_path, monkeypatch, name):
    check_available(FORMATS[name])
    monkeypatch.chdir(tmp_path)
    doc = example_document()
    (path,) = save([doc], "example", formats=(name,))
    assert path.suffix == FORMATS[name].extension
    runner = CliRunner()
    result = runner.invoke(cli, ["load", path.name, "--format", name, "save", "-o", "again", "-f", name])
    assert result.exit_code == 0, result.output
    assert load(f"again{FORMATS[name].extension}", format=name) == doc
    steps = parse_pipeline(
        f"- load: {{path: {path.name}, format: {name}}}\n- save: {{output: yaml-out, format: [{name}]}}\n"
    )
    assert steps[0][1]["format"] == name and steps[1][1]["formats"] == [name]
