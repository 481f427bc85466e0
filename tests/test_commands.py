"""One parser for chained commands (issue 15): the CLI and the %mlflow2prov magic are both made of
commands.ChainedCommand, so a line's words split the same way in both."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from mlflow2prov_jupyter.cli import cli
from mlflow2prov_jupyter.commands import ChainedCommand, verb_command
from mlflow2prov_jupyter.notebook.magics import build_group, parse_line
from mlflow2prov_jupyter.verbs import VERBS


def test_the_cli_and_the_magic_are_made_of_the_same_chained_command():
    magic = build_group()
    assert cli.chain and magic.chain
    assert all(isinstance(c, ChainedCommand) for c in [*cli.commands.values(), *magic.commands.values()])
    assert set(VERBS) <= set(magic.commands) and set(cli.commands) == set(VERBS)


def test_a_plain_click_chained_group_takes_options_after_arguments():
    """ChainedCommand needs nothing from the project's groups: any ``click.Group(chain=True)`` works."""

    @click.group(chain=True)
    def group() -> None:
        pass

    seen: list[tuple[str, dict]] = []
    group.result_callback()(seen.extend)
    group.add_command(verb_command(VERBS["diff"]))
    group.add_command(verb_command(VERBS["validate"]))
    result = CliRunner().invoke(group, ["diff", "a.json", "b.json", "--format", "json", "validate"])
    assert result.exit_code == 0, result.output
    assert [name for name, _ in seen] == ["diff", "validate"]
    assert seen[0][1]["a"] == "a.json" and seen[0][1]["b"] == "b.json" and seen[0][1]["format"] == "json"


@pytest.mark.parametrize(
    "line, steps",
    [
        ("load merge --format json statistics --resolution fine", ["load", "statistics"]),  # a file named merge
        ("diff a.json b.json --format json validate", ["diff", "validate"]),
        ("load a.json merge", ["load", "merge"]),  # no file named merge here: the next command
    ],
)
def test_the_magic_splits_a_line_as_the_cli_does(tmp_path, monkeypatch, line, steps):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "merge").write_text("{}", encoding="utf-8")
    (tmp_path / "a.json").write_text("{}", encoding="utf-8")
    parsed = parse_line(line)
    assert parsed is not None and [name for name, _ in parsed.steps] == steps
    magic = build_group()
    words = line.split()  # the first command's words: the same in the CLI's group and the magic's
    first = words[0]
    assert cli.commands[first].own_words(words[1:], cli.commands) == magic.commands[first].own_words(
        words[1:], magic.commands
    )
