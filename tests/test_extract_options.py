"""The extraction options have one home, the ``ExtractOptions`` dataclass: the verb table's extract options
(CLI, YAML, magics) take their names, defaults and choices from it; ``metric_history`` is checked once."""

from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner

from mlflow2prov_jupyter.cli import cli
from mlflow2prov_jupyter.core.errors import OptionError
from mlflow2prov_jupyter.core.options import ExtractOptions, MetricHistory
from mlflow2prov_jupyter.pipeline import parse_pipeline
from mlflow2prov_jupyter.verbs import VERBS

SOURCES = {"repo", "tracking_uri"}  # what to read, not how: arguments of extract(), not ExtractOptions fields
NOT_A_VERB_OPTION = {"progress"}  # set by the caller's context (a TTY, --progress of the run), not per step


def _verb_defaults_as_options() -> ExtractOptions:
    """The options an ``extract`` step with no option given builds (as ``verbs._extract`` passes them)."""
    kw = {k: v for k, v in VERBS["extract"].defaults().items() if k not in SOURCES}
    kw = {k: (v or None) if isinstance(v, list) else v for k, v in kw.items()}  # empty repeat = the default
    return ExtractOptions.from_kwargs(**kw)


def test_extract_verb_options_are_the_dataclass_fields():
    names = {o.name for o in VERBS["extract"].options} - SOURCES
    assert names == {f.name for f in dataclasses.fields(ExtractOptions)} - NOT_A_VERB_OPTION


def test_extract_verb_defaults_are_the_dataclass_defaults():
    assert _verb_defaults_as_options() == ExtractOptions()
    assert VERBS["extract"].option("metric_history").choices == tuple(m.value for m in MetricHistory)


@pytest.mark.parametrize("given", ["latest", MetricHistory.LATEST])
def test_metric_history_is_one_enum_whichever_way_built(given):
    for opts in (ExtractOptions.from_kwargs(metric_history=given), ExtractOptions(metric_history=given)):
        assert opts.metric_history is MetricHistory.LATEST and opts.latest_metrics_only
    assert ExtractOptions().metric_history is MetricHistory.ALL and not ExtractOptions().latest_metrics_only


@pytest.mark.parametrize("bad", ["LATEST", "last", 3])
def test_bad_metric_history_is_one_line(bad):
    with pytest.raises(OptionError) as err:
        ExtractOptions.from_kwargs(metric_history=bad)
    assert str(err.value) == f"metric_history must be 'all' or 'latest', not {bad!r}"


def test_cli_and_yaml_take_the_choices():
    assert parse_pipeline("- extract: {metric_history: latest}\n")[0][1]["metric_history"] == "latest"
    with pytest.raises(OptionError):
        parse_pipeline("- extract: {metric_history: last}\n")
    result = CliRunner().invoke(cli, ["extract", "--metric-history", "last"])
    assert result.exit_code != 0 and "'last' is not one of 'all', 'latest'" in result.output
