"""``doc.to_pyvis()``: the document as a ``pyvis.network.Network``, for people who tweak it in Python.

Nodes and edges take their colours, shapes, labels and edge directions from the one style table
(``mlflow2prov_jupyter/view_style.json``) that the extension's graph module reads too; the layout is
vis-network's own hierarchical one (left → right), so ``net.write_html(...)`` or ``net.show(...)`` give a
page that reads like the notebook's graph. Every label and tooltip is plain text (pyvis passes ``title``
to vis-network, which would parse markup: it is escaped here).
"""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from ..core.provdoc import Element, ProvDoc

STYLE_TABLE = Path(__file__).resolve().parent.parent / "view_style.json"
_SHAPES = {"pill": "ellipse", "box": "box", "house": "triangle"}  # vis-network has no house: the closest
_TEMPLATE_PART = re.compile(r"\{([^{}:]+(?::[^{}:]+)?)(?::(\d+))?\}")


@lru_cache(maxsize=1)
def style_table() -> dict[str, Any]:
    """The style table shared with the TypeScript graph module."""
    return json.loads(STYLE_TABLE.read_text(encoding="utf-8"))


def _first(el: Element, name: str) -> str | None:
    vals = el.values(name)
    return str(vals[0]) if vals else None


def _fill(template: str, el: Element) -> str | None:
    """``"run {m2p:name}"`` with ``el``'s values; None when an attribute is missing (next template)."""
    out, pos = [], 0
    for m in _TEMPLATE_PART.finditer(template):
        value = _first(el, m.group(1))
        if value is None:
            return None
        out.append(template[pos : m.start()])
        out.append(value[: int(m.group(2))] if m.group(2) else value)
        pos = m.end()
    out.append(template[pos:])
    return "".join(out)


def _type_style(el: Element) -> dict[str, Any]:
    types = style_table()["types"]
    for t in el.types:
        if str(t) in types:
            return types[str(t)]
    return style_table()["fallback"].get(el.kind, {})


def label_of(el: Element) -> str:
    """The node label by the table's rules: the first template that fills, else prov:label, else the id's end."""
    for template in _type_style(el).get("label", ()):
        text = _fill(template, el)
        if text:
            break
    else:
        text = _first(el, "prov:label") or el.id.rstrip("/").rsplit("/", 1)[-1]
    limit = style_table()["node"]["label_chars"]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _title(el: Element) -> str:
    lines = [el.id, el.kind + (" · " + ", ".join(map(str, el.types)) if el.types else "")]
    lines += [f"{k}: {', '.join(map(str, el.values(k)))}" for k in el.attrs if k != "prov:type"]
    return html.escape("\n".join(lines))


def to_pyvis(
    doc: ProvDoc, show: Iterable[str] | None = None, theme: str = "light", height: str = "650px", width: str = "100%"
) -> Any:
    """A pyvis ``Network`` of ``doc`` (only the ``show`` ids when given) in the shared styles."""
    from pyvis.network import Network

    table = style_table()
    keep = set(show) if show is not None else None
    net = Network(height=height, width=width, directed=True, cdn_resources="in_line", notebook=False)
    for el in doc.elements.values():
        if keep is not None and el.id not in keep:
            continue
        st = _type_style(el)
        shape = _SHAPES.get(table["kinds"].get(el.kind, {}).get("shape", "pill"), "ellipse")
        fill, border = st.get("fill", {}).get(theme, "#EEEEEE"), st.get("border", {}).get(theme, "#888888")
        net.add_node(
            el.id,
            label=label_of(el),
            title=_title(el),
            shape=shape,
            color={"background": fill, "border": border},
            font={"size": table["node"]["label_px"]},
        )
    relations = table.get("relations", {})
    for r in doc.relations:
        src, dst = r.source, r.target
        if not (src in net.node_ids and dst in net.node_ids):
            continue
        rule = relations.get(r.kind, {})
        if rule.get("flow") == "reverse":  # draw cause → effect, so time reads left → right
            src, dst = dst, src
        net.add_edge(
            src,
            dst,
            title=html.escape(f"{r.kind}: {r.source} → {r.target}"),
            label=rule.get("text", r.kind),
            dashes=rule.get("style") == "dashed",
        )
    net.set_options(
        json.dumps(
            {
                "layout": {
                    "hierarchical": {
                        "enabled": True,
                        "direction": "LR",
                        "sortMethod": "directed",
                        "levelSeparation": 240,
                    }
                },
                "physics": {"enabled": False},
                "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.6}}, "font": {"size": 10}},
            }
        )
    )
    return net
