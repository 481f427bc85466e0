"""The CLI and YAML pipelines are two faces of one verb table: every step and option means the same."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from mlflow2prov_jupyter.cli import cli
from mlflow2prov_jupyter.core.errors import OptionError
from mlflow2prov_jupyter.pipeline import parse_pipeline, pipeline_schema
from mlflow2prov_jupyter.verbs import VERBS, Option


def _sample(o: Option):
    """A non-default value for option ``o``, as (cli args, yaml value, expected parsed value)."""
    if o.type == "bool":
        value = not o.default
        if value:
            return [o.flag], True, True
        return [f"--no-{o.flag[2:]}"], False, False
    if o.type == "int":
        return [o.flag, "7"], 7, 7
    if o.type == "choice":
        choice = [c for c in o.choices if c != o.default and c not in (o.default or ())][-1]
        if o.multiple:
            return [o.flag, choice, o.flag, o.choices[0]], [choice, o.choices[0]], [choice, o.choices[0]]
        return [o.flag, choice], choice, choice
    if o.multiple and o.argument:
        return ["x1.json", "x2.json"], ["x1.json", "x2.json"], ["x1.json", "x2.json"]
    if o.argument:
        return ["some path"], "some path", "some path"
    if o.multiple:
        return [o.flag, "a", o.flag, "b"], ["a", "b"], ["a", "b"]
    return [o.flag, "v a l"], "v a l", "v a l"


def _cli_parse(verb: str, args: list[str]) -> dict:
    cmd = cli.commands[verb]
    ctx = cmd.make_context(verb, list(args))
    name, kw = cmd.invoke(ctx)
    assert name == verb
    return kw


CASES = [(v.name, o.name) for v in VERBS.values() for o in v.options]


@pytest.mark.parametrize("verb,option", CASES)
def test_every_yaml_option_means_the_same_as_the_cli(verb, option):
    o = VERBS[verb].option(option)
    cli_args, yaml_value, expected = _sample(o)
    opts = VERBS[verb].options
    before = opts[: opts.index(o)]
    required = {
        r.name: _sample(r)
        for r in opts
        if r.name != o.name and (r.required or (o.argument and r.argument and r in before))
    }
    extra_cli = [a for r in required.values() for a in r[0]]
    from_cli = _cli_parse(verb, extra_cli + cli_args)
    yaml_opts = {o.cli_name or o.name: yaml_value, **{n: r[1] for n, r in required.items()}}
    steps = parse_pipeline(yaml.safe_dump([{verb: yaml_opts}]))
    assert steps == [(verb, {o.name: expected, **{n: r[2] for n, r in required.items()}})]
    assert from_cli[o.name] == expected
    # and every other option keeps its default on the CLI side
    defaults = VERBS[verb].defaults()
    for other, value in from_cli.items():
        if other != o.name and other not in required:
            assert value == defaults[other] or (value in (None, []) and defaults[other] in (None, [])), other


def test_cli_commands_are_exactly_the_verbs_with_their_options():
    assert list(cli.commands) == list(VERBS)
    for verb in VERBS.values():
        params = {p.name for p in cli.commands[verb.name].params if p.name != "help"}
        assert params == {o.name for o in verb.options}


def test_yaml_false_means_off_and_aliases():
    steps = parse_pipeline("- transform: {use_pseudonyms: false, eliminate_duplicates: false}\n- merge\n")
    assert steps == [("transform", {"pseudonymize": False, "eliminate_duplicates": False}), ("merge", {})]


def test_schema_lists_every_option():
    schema = pipeline_schema()
    names = {
        verb: set(step["properties"][verb]["properties"])
        for step in schema["items"]["oneOf"]
        if "properties" in step
        for verb in step["properties"]
    }
    for verb in VERBS.values():
        assert {o.name for o in verb.options} <= names[verb.name]


@pytest.mark.parametrize(
    "text,message",
    [
        ("- fetch: {}", "unknown step 'fetch'"),
        ("- save: {fromat: json}", "unknown option 'fromat'"),
        ("- transform: {pseudonymize: 'yes'}", "pseudonymize must be true or false"),
        ("- statistics: {resolution: medium}", "resolution must be one of coarse, fine"),
        ("- extract: {max_text_length: ten}", "max_text_length must be a whole number"),
        ("extract: {}", "must be a list of steps"),
        ("- extract: {repo: [", "is not valid YAML"),
        ("- {extract: {}, save: {}}", "must be a verb name or a mapping with one verb"),
    ],
)
def test_bad_pipelines_give_one_line(text, message):
    with pytest.raises(OptionError) as info:
        parse_pipeline(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_validate_flag(tmp_path):
    good = tmp_path / "p.yaml"
    good.write_text("- extract: {repo: .}\n- save: {output: out, format: [json, rdf]}\n")
    result = CliRunner().invoke(cli, ["--validate", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 valid steps (extract, save)" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("- save: {overwrite: maybe}\n")
    result = CliRunner().invoke(cli, ["--validate", str(bad)])
    assert result.exit_code == 2
    assert "overwrite must be true or false" in result.output


def test_cli_bad_input_is_one_line_without_traceback():
    result = CliRunner().invoke(cli, ["extract"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0


def test_options_may_follow_arguments_and_a_verb_name_ends_a_command(tmp_path, monkeypatch):
    from mlflow2prov_jupyter.core.provdoc import ProvDoc

    doc = ProvDoc()
    doc.entity("m2p:e", {"m2p:n": 1})
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.json").write_text(doc.to_json())
    (tmp_path / "merge").write_text(doc.to_json())  # a file named like a verb, where a path is required
    runner = CliRunner()
    (tmp_path / "b.json").write_text(doc.to_json())
    result = runner.invoke(cli, ["diff", "a.json", "b.json", "--format", "json"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["load", "merge", "--format", "json", "statistics", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "elements,Entity,1" in result.output
    result = runner.invoke(cli, ["load", "a.json", "load", "merge", "diff", "statistics", "--resolution", "fine"])
    assert result.exit_code == 0, result.output
    assert "no differences" in result.output and "Entity" in result.output
