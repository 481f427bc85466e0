"""The verbs of :mod:`.verbs` as click commands of a chained group (``click.Group(chain=True)``), for the
``mlflow2prov`` command line and the ``%mlflow2prov`` magic alike.

click parses a chained command without interspersed options, so that the rest of the line reaches the next
command; the project's commands also take options after their arguments (``diff A B --format json``), so a
command's own words end at the next command name instead (:meth:`ChainedCommand.own_words`).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from typing import Any

import click

from .verbs import Option, Verb


def option_param(o: Option) -> click.Parameter:
    """The click argument or option of one verb option."""
    if o.argument:
        return click.Argument(
            [o.name], nargs=-1 if o.multiple else 1, required=o.required, type=click.Path() if o.type == "path" else str
        )
    if o.type == "bool":
        decls = [f"{o.flag}/--no-{o.flag[2:]}"] if o.flag_pair else [o.flag]
        if o.short:
            decls.insert(0, o.short)
        return click.Option(decls + [o.name], is_flag=True, default=bool(o.default), help=o.help)
    types: dict[str, Any] = {"str": str, "path": click.Path(), "int": int}
    ptype = click.Choice(o.choices) if o.type == "choice" else types[o.type]
    decls = [o.flag, o.name]
    if o.short:
        decls.insert(0, o.short)
    default = tuple(o.default or ()) if o.multiple else o.default
    show = o.default not in (None, (), False)
    return click.Option(decls, type=ptype, multiple=o.multiple, default=default, show_default=show, help=o.help)


def verb_command(
    verb: Verb,
    name: str | None = None,
    before: Sequence[click.Parameter] = (),
    after: Sequence[click.Parameter] = (),
) -> ChainedCommand:
    """The chained command of ``verb`` (named ``name``, default the verb's), with extra parameters ``before``
    and ``after`` its own. It returns the step ``(verb name, options)``; repeated options come as lists."""
    multiple = [o.name for o in verb.options if o.multiple]

    def callback(**kw: Any) -> tuple[str, dict[str, Any]]:
        for key in multiple:
            if kw.get(key) is not None:
                kw[key] = list(kw[key])
        return (verb.name, kw)

    params = [*before, *(option_param(o) for o in verb.options), *after]
    return ChainedCommand(name or verb.name, callback=callback, params=params, help=verb.help)


class ChainedCommand(click.Command):
    """A command of a chained group whose options may follow its arguments (``diff A B --format json``).

    Its own words end at the next command name of the group. A command name is still a word of this one
    where it must be: it fills a *required* argument that is still empty (a file called ``merge`` after
    ``load``), or an optional one when it names an existing file or folder or repeats this command
    (``demo demo``). The rest of the line is left to the group, as in any chained group.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        parent, commands = ctx.parent, []
        if parent is not None and isinstance(parent.command, click.Group):
            commands = parent.command.list_commands(parent)
        own, rest = self.own_words(args, commands)
        ctx.allow_interspersed_args = True  # safe: the words end at the next command
        super().parse_args(ctx, own)
        ctx.args = [*ctx.args, *rest]
        return ctx.args

    def own_words(self, args: Sequence[str], commands: Collection[str]) -> tuple[list[str], list[str]]:
        """``args`` split into this command's words and the rest of the line (from the next command on)."""
        args = list(args)
        takes_value = {
            decl
            for p in self.params
            if isinstance(p, click.Option) and not p.is_flag and not p.count
            for decl in p.opts + p.secondary_opts
        }
        arguments = [p for p in self.params if isinstance(p, click.Argument)]
        required = sum(1 for p in arguments if p.required)
        optional = len(arguments) - required
        filled = 0
        i = 0
        while i < len(args):
            word = args[i]
            if word == "--":
                return args, []
            if word.startswith("-") and word != "-":
                if word in takes_value:
                    i += 1  # its value, whatever it reads
            elif (
                word in commands
                and filled >= required
                and not (filled < required + optional and (word == self.name or os.path.exists(word)))
            ):
                return args[:i], args[i:]
            else:
                filled += 1
            i += 1
        return args, []


__all__ = ["ChainedCommand", "option_param", "verb_command"]
