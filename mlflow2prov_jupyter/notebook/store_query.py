"""``%%mlflow2prov query --store STORE [--param NAME=VALUE]... [--as NAME]``: SPARQL in the cell.

A SELECT returns a pandas DataFrame, a CONSTRUCT a :class:`ProvDoc` (shown as the graph), an ASK a bool.
The cell may also hold just the name of a ready query (``runs-per-person``).
"""

from __future__ import annotations

import shlex
from typing import Any

from ..core.errors import Mlflow2ProvError


def is_query_cell(line: str) -> bool:
    return line.strip().split(None, 1)[:1] == ["query"]


def query_cell(line: str, cell: str, namespace: dict[str, Any]) -> Any:
    """Run the cell's query; raises :class:`Mlflow2ProvError` (one line) on bad input."""
    from ..core.errors import OptionError
    from ..store.query import Table, run_query

    try:
        args = shlex.split(line)[1:]
    except ValueError as exc:
        raise OptionError(f"%%mlflow2prov query: cannot split the line: {exc}") from None
    store, params, name = None, [], None
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--store", "--param", "--as") and i + 1 < len(args):
            value = args[i + 1]
            if a == "--store":
                store = value
            elif a == "--param":
                params.append(value)
            else:
                name = value
            i += 2
            continue
        raise OptionError(
            f"%%mlflow2prov query: unknown argument {a!r}; it takes --store STORE, --param NAME=VALUE, --as NAME"
        )
    if not store:
        raise OptionError("%%mlflow2prov query needs --store STORE (a folder or sparql+http(s):// URL)")
    result = run_query(store, cell.strip(), params)
    answer = result.to_dataframe() if isinstance(result, Table) else result
    if name:
        if not name.isidentifier():
            raise OptionError(f"%%mlflow2prov query: --as {name!r} is not a Python variable name")
        namespace[name] = answer
    return answer


__all__ = ["is_query_cell", "query_cell", "Mlflow2ProvError"]
