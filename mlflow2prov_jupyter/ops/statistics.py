"""Record counts of a document (docs/prov-model.md#operations): rows (section, name, count) as table, csv, json."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from typing import Any, Literal, overload

from ..core.errors import OptionError
from ..core.provdoc import PROV_DM_NAMES, ProvDoc

RESOLUTIONS = ("coarse", "fine")
FORMATS = ("table", "csv", "json", "rows")
_ELEMENT_NAMES = (("entity", "Entity"), ("activity", "Activity"), ("agent", "Agent"))

Row = tuple[str, str, int]


def statistics_rows(doc: ProvDoc, resolution: str = "coarse") -> list[Row]:
    """The rows (section, name, count) of ``doc``.

    coarse: ``elements`` Entity, Activity, Agent and ``relations`` total; fine adds one ``relations`` row
    per relation kind present (PROV-DM name, e.g. Generation) and one ``types`` row per prov:type value
    (an element counts once per value). Within a section rows are sorted by name (total first).
    """
    if resolution not in RESOLUTIONS:
        raise OptionError(f"resolution must be 'coarse' or 'fine', not {resolution!r}")
    kinds = Counter(e.kind for e in doc.elements.values())
    rows: list[Row] = [("elements", name, kinds.get(kind, 0)) for kind, name in _ELEMENT_NAMES]
    rows.append(("relations", "total", len(doc.relations)))
    if resolution == "fine":
        rel = Counter(PROV_DM_NAMES.get(r.kind, r.kind) for r in doc.relations)
        rows.extend(("relations", name, rel[name]) for name in sorted(rel))
        types: Counter[str] = Counter()
        for e in doc.elements.values():
            types.update({str(t) for t in e.values("prov:type")})
        rows.extend(("types", name, types[name]) for name in sorted(types))
    return rows


@overload
def statistics(doc: ProvDoc, resolution: str = ..., format: Literal["table", "csv", "json"] = ...) -> str: ...
@overload
def statistics(doc: ProvDoc, resolution: str = ..., *, format: Literal["rows"]) -> list[Row]: ...
@overload
def statistics(doc: ProvDoc, resolution: str = ..., format: str = ...) -> str | list[Row]: ...
def statistics(doc: ProvDoc, resolution: str = "coarse", format: str = "table") -> str | list[Row]:
    """Statistics of ``doc`` in ``format``: ``table`` (aligned ``Section Name Count``), ``csv``
    (``section,name,count``), ``json`` (``{"elements", "relations", "types"}``, sorted keys) or ``rows``
    (the list of (section, name, count) tuples)."""
    if format not in FORMATS:
        raise OptionError(f"statistics format must be one of {', '.join(FORMATS)}, not {format!r}")
    rows = statistics_rows(doc, resolution)
    if format == "rows":
        return rows
    if format == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(("section", "name", "count"))
        w.writerows(rows)
        return buf.getvalue()
    if format == "json":
        out: dict[str, dict[str, int]] = {"elements": {}, "relations": {}, "types": {}}
        for section, name, count in rows:
            out[section][name] = count
        return json.dumps(out, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    return _table(rows)


def _table(rows: list[Row]) -> str:
    header = ("Section", "Name", "Count")
    cells = [header] + [(s, n, str(c)) for s, n, c in rows]
    w0 = max(len(c[0]) for c in cells)
    w1 = max(len(c[1]) for c in cells)
    w2 = max(len(c[2]) for c in cells)
    lines = [f"{a:<{w0}}  {b:<{w1}}  {c:>{w2}}".rstrip() for a, b, c in cells]
    return "\n".join(lines) + "\n"


def statistics_frame(doc: ProvDoc, resolution: str = "coarse") -> Any:
    """The rows as a pandas DataFrame with columns section, name, count (needs pandas)."""
    try:
        import pandas as pd
    except ImportError:
        raise OptionError("statistics_frame needs pandas; install it with: pip install pandas") from None
    return pd.DataFrame(statistics_rows(doc, resolution), columns=["section", "name", "count"])


__all__ = ["statistics", "statistics_rows", "statistics_frame", "RESOLUTIONS", "FORMATS"]
