"""ipywidgets forms generated from the verb table: the explorer's fields are the verbs' options.

One source for each option: its help (the field's tooltip), its default and its choices come from
:data:`mlflow2prov_jupyter.verbs.VERBS`, as the CLI's flags and the YAML schema do.
"""

from __future__ import annotations

from typing import Any, Iterable

import ipywidgets as widgets

from ..core.errors import OptionError
from ..verbs import VERBS, Option

FIELD_WIDTH = "100%"
SECRET_OPTIONS = frozenset({"key"})  # typed into a password field, never echoed


def _label(option: Option) -> str:
    return option.name.replace("_", " ").capitalize()


def _field(option: Option, value: Any) -> widgets.Widget:
    desc = dict(
        description=_label(option),
        description_tooltip=option.help,
        style={"description_width": "initial"},
        layout=widgets.Layout(width=FIELD_WIDTH),
    )
    if option.type == "bool":
        return widgets.Checkbox(value=bool(value), indent=False, **desc)
    if option.type == "choice" and option.multiple:
        return widgets.TagsInput(
            value=list(value or ()),
            allowed_tags=list(option.choices),
            allow_duplicates=False,
            layout=widgets.Layout(width=FIELD_WIDTH),
        )
    if option.type == "choice":
        return widgets.Dropdown(
            options=[("", None)] * (value is None) + [(c, c) for c in option.choices], value=value, **desc
        )
    text = "" if value is None else (", ".join(map(str, value)) if option.multiple else str(value))
    cls = widgets.Password if option.name in SECRET_OPTIONS else widgets.Text
    return cls(value=text, placeholder=option.help if len(option.help) < 60 else "", **desc)


def _parse(option: Option, raw: Any) -> Any:
    if option.type == "bool" or option.type == "choice":
        return list(raw) if option.multiple else raw
    text = str(raw).strip()
    if option.multiple:
        return [p.strip() for p in text.split(",") if p.strip()]
    if not text:
        return None
    if option.type == "int":
        try:
            return int(text)
        except ValueError:
            raise OptionError(f"{_label(option)} must be a whole number, not {text!r}") from None
    return text


class VerbForm:
    """The fields of one verb's options (``only`` picks and orders them; ``values`` overrides defaults)."""

    def __init__(self, verb: str, only: Iterable[str] | None = None, values: dict[str, Any] | None = None) -> None:
        self.verb = VERBS[verb]
        names = list(only) if only is not None else [o.name for o in self.verb.options if not o.argument]
        given = values or {}
        found = {n: self.verb.option(n) for n in names}
        missing = [n for n, o in found.items() if o is None]
        if missing:
            raise KeyError(f"{verb} has no option {', '.join(missing)}")
        self.options: dict[str, Option] = {n: o for n, o in found.items() if o is not None}
        defaults = self.verb.defaults()
        self.fields: dict[str, widgets.Widget] = {
            n: _field(o, given.get(n, defaults.get(n))) for n, o in self.options.items()
        }
        for n, f in self.fields.items():
            f.add_class(f"m2p-field-{n.replace('_', '-')}")

    def widgets(self, *names: str) -> list[widgets.Widget]:
        """The fields named (all, in form order, when none is named)."""
        return [self.fields[n] for n in (names or self.fields)]

    def values(self) -> dict[str, Any]:
        """The verb's keyword arguments from the fields (empty texts → the option's default)."""
        out: dict[str, Any] = {}
        for n, f in self.fields.items():
            v = _parse(self.options[n], f.value)
            if v is not None and v != []:
                out[n] = v
        return out
