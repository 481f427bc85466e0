"""The ``%mlflow2prov`` line magic and the ``%%mlflow2prov`` cell magic.

Both are faces of the verb table (:mod:`mlflow2prov_jupyter.verbs`): the line is parsed by the chained click
commands the CLI is made of (:mod:`mlflow2prov_jupyter.commands`) and run by :func:`verbs.run_steps`, with a
:class:`RunContext` that prints to the cell output and resolves names to notebook variables.
"""

from __future__ import annotations

import keyword
import os
import shlex
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import click
from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

from ..commands import ChainedCommand, verb_command
from ..core.errors import Mlflow2ProvError, OptionError, one_line_warnings
from ..core.provdoc import ProvDoc
from ..core.redact import first_line, one_line, public_line
from ..verbs import VERBS, RunContext, run_steps

MAGIC_HELP = """Extract, load, merge, transform, save, count and explore PROV documents.

Commands chain like the mlflow2prov command line; documents flow from one to the next:

\b
  doc = %mlflow2prov extract --repo . --tracking-uri sqlite:///mlflow.db
  %mlflow2prov merge a b -o c            (a, b: notebook variables; c: the merged document)
  %mlflow2prov save a -o out -f json     (save keeps its own -o: the output path)
  %mlflow2prov load x.json transform --pseudonymize --as anon
  %mlflow2prov stats doc --resolution fine
  %mlflow2prov show doc                  (the Provenance Explorer on doc)
  %mlflow2prov explore                   (an empty Provenance Explorer)
  %mlflow2prov passport models:/clf@champion    (the model's passport card)
  %mlflow2prov lineage doc mlflow:run/<id> --direction both --depth 2
  %mlflow2prov validate doc

Document names: merge, transform, save, stats/statistics, show and explore take any number of names of
notebook variables (holding a ProvDoc or a list of them) or of files; load takes a file or a variable.
passport, lineage and validate take them before their own argument; without any they ask the last
document a %mlflow2prov line returned (else the only ProvDoc variable of the notebook).

Keeping the result: the line returns the resulting document (a list when there are several); a line
ending in passport returns the passport card (shown as HTML; --format json prints it instead); a line
ending in save, stats, show or explore returns nothing. --as NAME stores the result in the notebook
variable NAME; -o NAME / --out NAME mean the same on every command that has no -o of its own (all but
save, where -o is the output path: use --as there).

The %%mlflow2prov cell magic runs a YAML pipeline written in the cell (the format of --config), e.g.

\b
  %%mlflow2prov --as doc
  - extract: {repo: ., tracking_uri: "sqlite:///mlflow.db"}
  - statistics: {resolution: fine}
"""

DOC_ARG_VERBS = ("merge", "transform", "save", "statistics", "passport", "lineage", "validate", "push")
QUERY_VERBS = ("passport", "lineage", "validate")  # without documents they ask the session's last one
QUIET_LAST = ("save", "statistics", "stats", "show", "explore")
STORE = "m2p_store"
DOCS = "m2p_docs"


class MagicError(Exception):
    """A failed ``%mlflow2prov`` line: the cell fails (Run All, nbclient and papermill stop) and shows this
    one line, no traceback (IPython prints what ``_render_traceback_`` returns)."""

    def __init__(self, message: str) -> None:
        super().__init__(public_line(message))

    def _render_traceback_(self) -> list[str]:
        return [str(self)]


@dataclass
class MagicSession:
    """What the magics remember between lines: the documents the last line returned."""

    last: list[ProvDoc] = field(default_factory=list)


@dataclass
class Parsed:
    """A parsed magic line: steps ``(name, options)`` plus the magic's own settings."""

    steps: list[tuple[str, dict[str, Any]]]
    store: str | None = None
    debug: bool = False
    progress: bool = True
    extras: dict[str, Any] = field(default_factory=dict)


def _store_options(has_own_o: bool) -> list[click.Parameter]:
    decls = ["--as", STORE] if has_own_o else ["--as", "-o", "--out", STORE]
    return [click.Option(decls, metavar="NAME", help="Store the result in this notebook variable.")]


def _docs_argument() -> click.Argument:
    return click.Argument([DOCS], nargs=-1, required=False, metavar="[DOCS]...")


def _verb_command(name: str, verb_name: str, with_docs: bool) -> click.Command:
    verb = VERBS[verb_name]
    has_o = any(o.short == "-o" for o in verb.options)
    return verb_command(verb, name, before=[_docs_argument()] if with_docs else [], after=_store_options(has_o))


def _view_command(name: str, help: str) -> click.Command:
    def run(**kw: Any) -> tuple[str, dict[str, Any]]:
        return (name, kw)

    params = [_docs_argument()] + _store_options(False)
    return ChainedCommand(name, callback=run, params=params, help=help)


def build_group() -> click.Group:
    """The magic's chained click group: every verb of the table, ``stats``, ``show`` and ``explore``."""

    @click.group(
        "%mlflow2prov",
        chain=True,
        invoke_without_command=True,
        help=MAGIC_HELP,
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
    )
    @click.option("--config", "config", type=click.Path(), help="Run the steps of a YAML pipeline file first.")
    @click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bars.")
    @click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
    @click.pass_context
    def group(ctx: click.Context, config: str | None, progress: bool, debug: bool) -> None:
        if ctx.invoked_subcommand is None and not config:
            click.echo(ctx.get_help())
            ctx.exit(0)

    for verb in VERBS.values():
        group.add_command(_verb_command(verb.name, verb.name, verb.name in DOC_ARG_VERBS))
    group.add_command(_verb_command("stats", "statistics", True))
    group.add_command(_view_command("show", "Open the Provenance Explorer on documents (variables or files)."))
    group.add_command(_view_command("explore", "Open a Provenance Explorer (with the given documents, if any)."))

    @group.result_callback()
    def result(steps: list[tuple[str, dict[str, Any]]], config: str | None, progress: bool, debug: bool) -> Parsed:
        all_steps = list(steps or [])
        if config:
            from ..pipeline import parse_pipeline

            all_steps = list(parse_pipeline(config, where=config)) + all_steps
        return Parsed(all_steps, None, debug, progress)

    return group


_GROUP: click.Group | None = None


def _group() -> click.Group:
    global _GROUP
    if _GROUP is None:
        _GROUP = build_group()
    return _GROUP


def parse_line(line: str) -> Parsed | None:
    """Parse a magic line into steps; None when help was printed. Bad arguments raise ``UsageError``."""
    try:
        args = shlex.split(line, posix=True)
    except ValueError as exc:
        raise UsageError(f"%mlflow2prov: cannot split the line: {exc}") from None
    if not args:
        click.echo(_group().get_help(click.Context(_group(), info_name="%mlflow2prov")))
        return None
    try:
        out = _group().main(args=args, prog_name="%mlflow2prov", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:  # pragma: no cover - click >= 8.2
        click.echo(exc.ctx.get_help() if exc.ctx else "")
        return None
    except click.ClickException as exc:
        raise UsageError(f"%mlflow2prov: {one_line(exc.format_message())} (see %mlflow2prov --help)") from None
    except OptionError as exc:
        raise UsageError(f"%mlflow2prov: {exc}") from None
    except click.exceptions.Abort:
        raise UsageError("%mlflow2prov: aborted") from None
    if not isinstance(out, Parsed):
        return None  # --help or --version printed
    stores = [kw.pop(STORE) for _, kw in out.steps if kw.get(STORE)]
    for _, kw in out.steps:
        kw.pop(STORE, None)
    if len(stores) > 1:
        raise UsageError(f"%mlflow2prov: the result can be stored once, not as {' and '.join(stores)}")
    if stores:
        out.store = check_name(stores[0])
    return out


def check_name(name: str) -> str:
    """A valid Python variable name, or ``UsageError``."""
    if not name.isidentifier() or keyword.iskeyword(name):
        raise UsageError(f"%mlflow2prov: {name!r} is not a valid variable name to store the result in")
    return name


# ------------------------------------------------------------------------------------------- running
def docs_of_value(value: Any) -> list[ProvDoc] | None:
    """A variable's documents: a ProvDoc, or a non-empty list/tuple of them; else None."""
    if isinstance(value, ProvDoc):
        return [value]
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, ProvDoc) for v in value):
        return list(value)
    return None


def make_resolver(namespace: dict[str, Any]) -> Callable[[str], list[ProvDoc] | None]:
    """``RunContext.resolve``: a name of a variable holding documents → them; a file path → None."""

    def resolve(name: str) -> list[ProvDoc] | None:
        if name.isidentifier() and name in namespace:
            docs = docs_of_value(namespace[name])
            if docs is not None:
                return docs
            if not os.path.exists(name):
                raise UsageError(
                    f"%mlflow2prov: variable {name} holds a {type(namespace[name]).__name__}, not a ProvDoc or a "
                    "list of them"
                )
        return None

    return resolve


def _check_doc_names(names: list[str], resolve: Callable[[str], list[ProvDoc] | None]) -> None:
    for name in names:
        if resolve(name) is None and not os.path.exists(name) and name != "-":
            raise UsageError(f"%mlflow2prov: {name} is neither a notebook variable holding a ProvDoc nor a file")


def load_steps(names: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """``load`` steps for document names (one step per name when the verb takes one path)."""
    arg = next(o for o in VERBS["load"].options if o.argument)
    if arg.multiple:
        return [("load", {arg.name: list(names)})]
    return [("load", {arg.name: n}) for n in names]


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def implicit_docs(verb: str, namespace: dict[str, Any], session: MagicSession | None) -> list[ProvDoc]:
    """The documents a query verb asks when the line names none: the session's last, else the only
    ProvDoc variable of the namespace; else ``UsageError``."""
    if session is not None and session.last:
        return list(session.last)
    found = list({id(v): v for k, v in namespace.items() if not k.startswith("_") and isinstance(v, ProvDoc)}.values())
    if len(found) == 1:
        return found
    example = {"passport": "models:/clf@champion", "lineage": "mlflow:run/<id>", "validate": ""}[verb]
    which = "no ProvDoc variable" if not found else f"{len(found)} ProvDoc variables"
    raise UsageError(
        f"%mlflow2prov {verb}: which document? The notebook has {which}; name one: "
        f"%mlflow2prov {verb} doc {example}".rstrip()
    )


def _passports(
    stream: list[ProvDoc], kw: dict[str, Any], last: bool, display: Callable[[Any], None] | None
) -> list[Any]:
    """The passport of ``kw["ref"]`` in each document: shown as the HTML card (printed as JSON with
    ``--format json``; a line ending in passport returns the cards instead of displaying them)."""
    import json

    from ..query.passport import passport

    cards = [passport(d, kw["ref"]) for d in stream]
    if any(d.name and d.name.startswith("store: ") for d in stream):  # a linked store document (--store)
        from ..store.links import add_cross_project_notes

        for d, card in zip(stream, cards):
            add_cross_project_notes(d, card)
    for card in cards:
        if kw.get("format") == "json":
            print(json.dumps(card.to_dict(), indent=2, default=str))
        elif not last and display is not None:
            display(card)
    return cards


def execute(
    parsed: Parsed,
    namespace: dict[str, Any],
    display: Callable[[Any], None] | None = None,
    session: MagicSession | None = None,
) -> Any:
    """Run parsed steps; returns the value of the magic (see :data:`MAGIC_HELP`).

    Warnings are shown as one line each; every failure raises (bad usage :class:`UsageError`, anything else
    :class:`MagicError`), so that the cell fails with one line and no traceback (``--debug``: the traceback).
    """
    resolve = make_resolver(namespace)
    ctx = RunContext(echo=lambda text: print(text), progress=parsed.progress, resolve=resolve)
    try:
        with one_line_warnings(_err):
            stream, shown, cards = _run_parsed(parsed, namespace, display, session, ctx, resolve)
    except UsageError:
        raise
    except OptionError as exc:
        raise UsageError(f"%mlflow2prov: {exc}") from None
    except Mlflow2ProvError as exc:
        raise MagicError(f"Error: {exc}") from None
    except KeyboardInterrupt:
        raise MagicError("Interrupted.") from None
    except Exception as exc:  # noqa: BLE001 - one line unless --debug
        if parsed.debug:
            raise
        raise MagicError(
            f"Error: {type(exc).__name__}: {first_line(exc)} (add --debug after %mlflow2prov for the traceback)"
        ) from None
    last = parsed.steps[-1][0] if parsed.steps else None
    value: Any = stream[0] if len(stream) == 1 else (list(stream) if stream else None)
    if session is not None and stream:
        session.last = list(stream)
    if last == "passport":
        value = cards[0] if len(cards) == 1 else (cards or None)
    if parsed.store:
        namespace[parsed.store] = shown if last in ("show", "explore") else value
    if last in QUIET_LAST or (last == "passport" and parsed.steps[-1][1].get("format") == "json"):
        return None
    return value


def _run_parsed(
    parsed: Parsed,
    namespace: dict[str, Any],
    display: Callable[[Any], None] | None,
    session: MagicSession | None,
    ctx: RunContext,
    resolve: Callable[[str], list[ProvDoc] | None],
) -> tuple[list[ProvDoc], Any, list[Any]]:
    """Run the steps of ``parsed``: the final stream, the explorer shown (if any) and the passport cards."""
    stream: list[ProvDoc] = []
    shown: Any = None
    cards: list[Any] = []
    for pos, (name, kw) in enumerate(parsed.steps):
        kw = dict(kw)
        names = list(kw.pop(DOCS, None) or ())
        if names:
            _check_doc_names(names, resolve)
            stream = run_steps(load_steps(names), ctx, stream)
        if name == "passport" and kw.get("store"):  # only the units the passport needs (store/reach.py)
            from ..store.reach import store_passport

            stream, kw["store"] = stream + [store_passport(kw["store"], kw["ref"], kw.get("projects") or None)[1]], None
        elif name in QUERY_VERBS and kw.get("store") and name != "lineage":  # the store's projects, linked
            from ..verbs import _with_store

            stream, kw["store"] = _with_store(stream, kw), None
        elif name in QUERY_VERBS and not stream and not kw.get("store"):
            stream = implicit_docs(name, namespace, session)
        if name in ("show", "explore"):
            shown = _open_explorer(name, stream, kw, namespace)
            if display is not None:
                display(shown)
            continue
        if name == "passport":
            cards = _passports(stream, kw, pos == len(parsed.steps) - 1, display)
            continue
        stream = run_steps([(name, kw)], ctx, stream)
    return stream, shown, cards


def _open_explorer(name: str, stream: list[ProvDoc], kw: dict[str, Any], namespace: dict[str, Any]) -> Any:
    from .explorer import Explorer

    if name == "show" and not stream:
        raise UsageError("%mlflow2prov show: name a document to show (a notebook variable or a file)")
    return Explorer(list(stream), namespace=namespace)


# -------------------------------------------------------------------------------------------- magics
@magics_class
class Mlflow2ProvMagics(Magics):
    """``%mlflow2prov`` (a chain of commands) and ``%%mlflow2prov`` (a YAML pipeline in the cell)."""

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell, **kwargs)
        self.session = MagicSession()

    @line_cell_magic
    def mlflow2prov(self, line: str, cell: str | None = None) -> Any:
        ns = self.shell.user_ns if self.shell is not None else {}
        if cell is None:
            parsed = parse_line(line)
            if parsed is None:
                return None
        else:
            from .store_query import is_query_cell, query_cell

            if is_query_cell(line):  # SPARQL in the cell: a DataFrame (SELECT) or a document (CONSTRUCT)
                try:
                    return query_cell(line, cell, ns)
                except Mlflow2ProvError as exc:
                    raise MagicError(f"Error: {exc}") from None
            parsed = parse_cell(line, cell)
        return execute(parsed, ns, display=_ipython_display, session=self.session)


def _ipython_display(obj: Any) -> None:
    from IPython.display import display

    display(obj)


def parse_cell(line: str, cell: str) -> Parsed:
    """The ``%%mlflow2prov [--as NAME] [--no-progress] [--debug]`` header plus the cell's YAML pipeline."""
    from ..pipeline import parse_pipeline

    try:
        args = shlex.split(line, posix=True)
    except ValueError as exc:
        raise UsageError(f"%%mlflow2prov: cannot split the line: {exc}") from None
    store = None
    debug = False
    progress = True
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--as", "-o", "--out"):
            if i + 1 >= len(args):
                raise UsageError(f"%%mlflow2prov: {a} needs a variable name")
            store = check_name(args[i + 1])
            i += 2
            continue
        if a == "--debug":
            debug = True
        elif a == "--progress":
            progress = True
        elif a == "--no-progress":
            progress = False
        else:
            raise UsageError(
                f"%%mlflow2prov: unknown argument {a!r}; the cell magic takes --as NAME, --no-progress, --debug"
            )
        i += 1
    if not cell.strip():
        raise UsageError("%%mlflow2prov: the cell is empty; write a YAML list of steps such as '- extract: {repo: .}'")
    try:
        steps = parse_pipeline(cell if "\n" in cell else cell + "\n", where="cell")
    except Mlflow2ProvError as exc:
        raise UsageError(f"%%mlflow2prov: {exc}") from None
    return Parsed(list(steps), store, debug, progress)


def load_ipython_extension(ipython: Any) -> None:
    """Register the ``%mlflow2prov`` / ``%%mlflow2prov`` magics (ProvDoc displays richly on its own)."""
    ipython.register_magics(Mlflow2ProvMagics)


def unload_ipython_extension(ipython: Any) -> None:  # pragma: no cover - IPython has no unregister
    """Nothing to undo beyond IPython's own bookkeeping."""
