"""The chained ``mlflow2prov`` command line, generated from the verb table.

    mlflow2prov extract --repo . --tracking-uri sqlite:///mlflow.db transform --pseudonymize \\
        save -o provenance -f json -f rdf statistics --resolution fine --format csv
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import click

from . import __version__
from .commands import verb_command
from .core.errors import EXIT_INCOMPLETE, Mlflow2ProvError, one_line_warnings
from .core.redact import first_line, public_line
from .verbs import VERBS, RunContext, run_steps


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@click.group(
    cls=_Group, chain=True, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option(
    "--config", "config", type=click.Path(), help="Run the steps of a YAML pipeline file (before any command given)."
)
@click.option("--validate", "validate", type=click.Path(), help="Check a YAML pipeline file and exit.")
@click.option("--progress/--no-progress", default=None, help="Progress bars (default: only on a terminal).")
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
@click.version_option(__version__, prog_name="mlflow2prov")
@click.pass_context
def cli(ctx: click.Context, config: str | None, validate: str | None, progress: bool | None, debug: bool) -> None:
    """Turn an ML project's Git history and MLflow tracking store into a W3C PROV graph.

    Commands chain like a Unix pipeline over a stream of documents: extract and load add documents,
    merge joins them, transform changes each, save and statistics pass them on.
    """
    if ctx.invoked_subcommand is None and not config and not validate:
        click.echo(ctx.get_help())
        ctx.exit(0)


for _verb in VERBS.values():
    cli.add_command(verb_command(_verb))


@cli.result_callback()
@click.pass_context
def _run(
    ctx: click.Context,
    steps: list[tuple[str, dict[str, Any]]],
    config: str | None,
    validate: str | None,
    progress: bool | None,
    debug: bool,
) -> None:
    from .pipeline import parse_pipeline

    run_ctx = RunContext(echo=click.echo, progress=progress)
    incomplete = False
    try:
        if validate:
            parsed = parse_pipeline(validate, where=validate)
            click.echo(f"{validate}: {len(parsed)} valid steps ({', '.join(n for n, _ in parsed)})")
            return
        all_steps = list(parse_pipeline(config, where=config) if config else []) + list(steps or [])
        with one_line_warnings(lambda line: click.echo(line, err=True)) as report:
            run_steps(all_steps, run_ctx)
        incomplete = report.incomplete
    except Mlflow2ProvError as err:
        lines = err.lines() if hasattr(err, "lines") else [str(err)]
        for line in lines:
            click.echo(f"Error: {public_line(line)}", err=True)
        ctx.exit(err.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        ctx.exit(130)
    except BrokenPipeError:  # `mlflow2prov ... | head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        ctx.exit(run_ctx.exit_code)
    except Exception as err:  # noqa: BLE001 - a library failure is still one line for the user
        if debug:
            traceback.print_exc()
        click.echo(f"Error: {type(err).__name__}: {first_line(err)} (run with --debug for the traceback)", err=True)
        ctx.exit(1)
    if run_ctx.exit_code:
        ctx.exit(run_ctx.exit_code)
    if incomplete:  # completed, but part of a source could not be read: the warnings above name it
        ctx.exit(EXIT_INCOMPLETE)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``mlflow2prov`` console script."""
    cli.main(args=argv, prog_name="mlflow2prov")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
