"""YAML pipelines: a list of single-key steps with the verbs and options of the CLI.

Example::

    - extract: {repo: ., tracking_uri: "sqlite:///mlflow.db", metric_history: latest}
    - transform: {pseudonymize: true}
    - save: {output: provenance, format: [json, rdf]}
    - statistics: {resolution: fine}

Every step name and option comes from :data:`mlflow2prov_jupyter.verbs.VERBS`, the same table the CLI is
generated from, so the two cannot disagree. ``false`` switches a boolean option off.
"""

from __future__ import annotations

import os
from typing import Any

import yaml

from .core.errors import OptionError
from .verbs import VERBS, Option, Verb


def _option_names(verb: Verb) -> dict[str, Option]:
    names: dict[str, Option] = {}
    for o in verb.options:
        names[o.name] = o
        if o.cli_name:
            names[o.cli_name] = o
        for a in o.aliases:
            names[a] = o
    return names


def _check_value(where: str, opt: Option, value: Any) -> Any:
    if opt.multiple:
        values = value if isinstance(value, list) else [value]
        return [_check_scalar(where, opt, v) for v in values]
    return _check_scalar(where, opt, value)


def _check_scalar(where: str, opt: Option, value: Any) -> Any:
    if value is None:
        return None
    if opt.type == "bool":
        if not isinstance(value, bool):
            raise OptionError(f"{where}: {opt.name} must be true or false, not {value!r}")
        return value
    if opt.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise OptionError(f"{where}: {opt.name} must be a whole number, not {value!r}")
        return value
    if isinstance(value, (dict, list)):
        raise OptionError(f"{where}: {opt.name} must be a single value, not {type(value).__name__}")
    text = str(value)
    if opt.type == "choice" and text not in opt.choices:
        raise OptionError(f"{where}: {opt.name} must be one of {', '.join(opt.choices)}, not {text!r}")
    return text


def parse_pipeline(source: Any, where: str = "pipeline") -> list[tuple[str, dict[str, Any]]]:
    """Validate a pipeline (YAML text, a file path, or parsed data) into ``(verb, options)`` steps."""
    data = source
    if isinstance(source, (str, os.PathLike)):
        text = str(source)
        if "\n" not in text and os.path.isfile(text):
            where = text
            with open(text, encoding="utf-8") as fh:
                text = fh.read()
        elif "\n" not in text and text.endswith((".yaml", ".yml")):
            raise OptionError(f"pipeline file {text} does not exist")
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" at line {mark.line + 1}" if mark else ""
            raise OptionError(f"{where} is not valid YAML{at}: {getattr(exc, 'problem', None) or exc}") from None
    if isinstance(data, dict) and "steps" in data and len(data) == 1:
        data = data["steps"]
    if data is None:
        raise OptionError(f"{where} is empty: write a list of steps such as '- extract: {{repo: .}}'")
    if not isinstance(data, list):
        raise OptionError(f"{where} must be a list of steps such as '- extract: {{repo: .}}'")
    steps: list[tuple[str, dict[str, Any]]] = []
    opts: Any  # a step's options as written: a mapping, or one value for the verb's argument
    for i, step in enumerate(data, 1):
        if isinstance(step, str):
            name, opts = step, {}
        elif isinstance(step, dict) and len(step) == 1:
            name, opts = next(iter(step.items()))
            opts = {} if opts is None else opts
        else:
            raise OptionError(f"{where}: step {i} must be a verb name or a mapping with one verb")
        verb = VERBS.get(str(name))
        if verb is None:
            raise OptionError(f"{where}: step {i}: unknown step {name!r}; steps are {', '.join(VERBS)}")
        here = f"{where}: step {i} ({name})"
        names = _option_names(verb)
        if not isinstance(opts, dict):
            positional = [o for o in verb.options if o.argument]
            if positional:
                opts = {positional[0].name: opts}
            else:
                raise OptionError(f"{here}: options must be a mapping of option names to values")
        checked: dict[str, Any] = {}
        for o in verb.options:
            if o.required and not any(n in opts for n in (o.name, o.cli_name, *o.aliases) if n):
                raise OptionError(f"{here}: option {o.name} is required")
        for key, value in opts.items():
            opt = names.get(str(key).replace("-", "_"))
            if opt is None:
                known = ", ".join(o.cli_name or o.name for o in verb.options)
                raise OptionError(f"{here}: unknown option {key!r}; options are {known}")
            if opt.name in checked:
                raise OptionError(f"{here}: option {opt.name} is given twice")
            checked[opt.name] = _check_value(here, opt, value)
        steps.append((verb.name, checked))
    return steps


def pipeline_schema() -> dict[str, Any]:
    """A JSON Schema of pipeline files, generated from the verb table."""
    step_schemas = []
    for verb in VERBS.values():
        props: dict[str, Any] = {}
        for o in verb.options:
            if o.type == "bool":
                s: dict[str, Any] = {"type": "boolean"}
            elif o.type == "int":
                s = {"type": "integer"}
            elif o.type == "choice":
                s = {"enum": list(o.choices)}
            else:
                s = {"type": "string"}
            if o.multiple:
                s = {"oneOf": [s, {"type": "array", "items": s}]}
            s["description"] = o.help
            for n in {o.name, o.cli_name or o.name, *o.aliases}:
                props[n] = s
        step_schemas.append(
            {
                "type": "object",
                "properties": {
                    verb.name: {"type": ["object", "null"], "properties": props, "additionalProperties": False}
                },
                "required": [verb.name],
                "additionalProperties": False,
            }
        )
        step_schemas.append({"const": verb.name})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "array",
        "items": {"oneOf": step_schemas},
    }
