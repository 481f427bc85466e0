"""Person mappings (docs/prov-model.md#operations): a YAML list of ``{name, email?, aliases?: [...]}``.

Used by the ``user_map`` extraction option (relation #47) and by the merge-aliased-agents transform.
"""

from __future__ import annotations

import os
from typing import Any, Iterable

import yaml

from .errors import OptionError

_KEYS = {"name", "email", "aliases"}


def _norm(text: object) -> str:
    return str(text).strip().casefold()


def load_user_map(source: Any) -> tuple[dict[str, Any], ...]:
    """Read a mapping from a YAML file path, YAML text, or an already parsed list; validate it."""
    data = source
    where = "user mapping"
    if isinstance(source, (str, os.PathLike)):
        text = str(source)
        if "\n" not in text and os.path.exists(text):
            where = f"user mapping file {text}"
            try:
                with open(text, encoding="utf-8") as fh:
                    data = yaml.safe_load(fh)
            except yaml.YAMLError as exc:
                raise OptionError(f"{where} is not valid YAML: {str(exc).splitlines()[0]}") from None
        elif "\n" not in text and text.endswith((".yaml", ".yml")):
            raise OptionError(f"user mapping file {text} does not exist; give the path of a YAML file")
        else:
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise OptionError(f"{where} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if data is None:
        return ()
    if isinstance(data, dict) and set(data) <= {"users", "agents", "people"} and len(data) == 1:
        data = next(iter(data.values()))
    if not isinstance(data, list):
        raise OptionError(f"{where} must be a list of entries with name, email and aliases")
    entries = []
    for i, item in enumerate(data, 1):
        if not isinstance(item, dict):
            raise OptionError(f"{where}: entry {i} must be a mapping with name, email and aliases")
        unknown = sorted(set(item) - _KEYS)
        if unknown:
            raise OptionError(
                f"{where}: entry {i} has unknown key {unknown[0]!r}; allowed keys are name, email, aliases"
            )
        name = item.get("name")
        if name is None or str(name).strip() == "":
            raise OptionError(f"{where}: entry {i} needs a name")
        aliases = item.get("aliases") or []
        if isinstance(aliases, str):
            aliases = [aliases]
        if not isinstance(aliases, list):
            raise OptionError(f"{where}: entry {i}: aliases must be a list")
        email = item.get("email")
        entry = {"name": str(name).strip(), "aliases": [str(a).strip() for a in aliases]}
        if email is not None and str(email).strip():
            entry["email"] = str(email).strip().lower()
        entries.append(entry)
    return tuple(entries)


def entry_keys(entry: dict[str, Any]) -> set[str]:
    """The normalised strings an agent value may equal to match ``entry``."""
    keys = {_norm(entry["name"])}
    if entry.get("email"):
        keys.add(_norm(entry["email"]))
    keys.update(_norm(a) for a in entry.get("aliases", ()) if str(a).strip())
    return keys


def match_entries(values: Iterable[object], entries: Iterable[dict[str, Any]]) -> list[int]:
    """Indexes of the entries that one of ``values`` (an agent's names, emails, usernames) matches."""
    vals = {_norm(v) for v in values if v is not None and str(v).strip()}
    return [i for i, e in enumerate(entries) if vals & entry_keys(e)]
