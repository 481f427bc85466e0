"""Rich display of a :class:`ProvDoc` in a notebook: its mime bundle.

* ``application/vnd.prov+json``: the PROV-JSON dict (drawn by the JupyterLab extension when installed);
* ``text/html``: a compact summary (counts per kind and per prov:type) and the interactive graph in a
  sandboxed ``<iframe srcdoc=… sandbox="allow-scripts">`` with every script inlined (no network request);
* ``text/plain``: the repr and the counts.
"""

from __future__ import annotations

import html
import json
from typing import Any

from ..core.provdoc import ELEMENT_KINDS, ProvDoc
from .graph import GraphOptions, auto_collapse, make_payload, type_counts
from .page import html_page

PROV_JSON_MIME = "application/vnd.prov+json"
STATIC_MAX_NODES = 5000  # bigger views are not embedded in the page (the explorer draws them)
IFRAME_HEIGHT = 520


def _kind_rows(doc: ProvDoc) -> list[tuple[str, int]]:
    c = doc.counts()
    rows = [(k.capitalize(), c.get(k, 0)) for k in ELEMENT_KINDS]
    rows.append(("Relations", len(doc.relations)))
    return rows


def summary_text(doc: ProvDoc) -> str:
    """``repr`` plus one line of counts per prov:type."""
    lines = [repr(doc)]
    for t, n in type_counts(doc).items():
        lines.append(f"  {t}: {n}")
    return "\n".join(lines)


def summary_html(doc: ProvDoc) -> str:
    """A compact table of counts per kind and per prov:type (all text escaped)."""
    esc = html.escape
    name = f"<b>{esc(doc.name)}</b> · " if doc.name else ""
    kinds = "".join(
        f'<tr><td style="padding:1px 8px 1px 0">{esc(k)}</td><td style="text-align:right">{n}</td></tr>'
        for k, n in _kind_rows(doc)
    )
    types = "".join(
        f'<div style="display:flex;justify-content:space-between;gap:6px"><code>{esc(t)}</code><span>{n}</span></div>'
        for t, n in type_counts(doc).items()
    )
    return (
        '<div class="m2p-summary" style="font:12px sans-serif">'
        f"<div>{name}PROV document: {len(doc.elements)} elements, {len(doc.relations)} relations</div>"
        '<div style="display:flex;gap:24px;align-items:flex-start;margin:4px 0">'
        f'<table class="m2p-kinds" style="border-collapse:collapse">{kinds}</table>'
        '<div class="m2p-types" style="flex:1;display:grid;column-gap:28px;'
        f'grid-template-columns:repeat(auto-fill,minmax(220px,260px))">{types}</div>'
        "</div></div>"
    )


def graph_iframe(doc: ProvDoc, options: GraphOptions | None = None, height: int = IFRAME_HEIGHT, **kw: Any) -> str:
    """The graph page in a sandboxed ``iframe`` (``srcdoc``, scripts allowed, no same-origin access)."""
    if options is None:
        kw.setdefault("max_nodes", STATIC_MAX_NODES)
        options = GraphOptions.make(doc, **kw)
    payload = make_payload(doc, options)
    info = payload.as_dict()["info"]
    if payload.view.truncated:
        return (
            '<div class="m2p-graph-note" style="font:12px sans-serif;color:#666">'
            f"Graph not embedded: {len(payload.view.nodes)} nodes after collapsing "
            f"({', '.join(sorted(options.collapse)) or 'nothing'}) is more than {options.max_nodes}; "
            "open it with <code>%mlflow2prov show</code>.</div>"
        )
    note = f"{info['nodes']} nodes, {info['edges']} edges"
    if options.collapse:
        note += f" · collapsed: {', '.join(sorted(options.collapse))}"
    page = html_page(payload.as_dict(), note=note)
    return (
        f'<iframe class="m2p-graph-frame" sandbox="allow-scripts" srcdoc="{html.escape(page, quote=True)}" '
        f'style="width:100%;height:{int(height)}px;border:1px solid #ddd;border-radius:3px" '
        'title="PROV graph"></iframe>'
    )


def to_html(doc: ProvDoc, graph: bool = True, **kw: Any) -> str:
    """Summary table plus (with ``graph``) the interactive graph iframe."""
    parts = [summary_html(doc)]
    if graph and doc.elements:
        parts.append(graph_iframe(doc, **kw))
    return '<div class="m2p-doc">' + "".join(parts) + "</div>"


def mimebundle(doc: ProvDoc, include: Any = None, exclude: Any = None, **kw: Any) -> dict[str, Any]:
    """The mime bundle of ``doc``: PROV-JSON, HTML (summary + graph) and plain text."""
    bundle: dict[str, Any] = {}

    def wanted(mime: str) -> bool:
        return (not include or mime in include) and not (exclude and mime in exclude)

    if wanted(PROV_JSON_MIME):
        bundle[PROV_JSON_MIME] = doc.to_json_dict()
    if wanted("text/html"):
        bundle["text/html"] = to_html(doc, **kw)
    if wanted("text/plain"):
        bundle["text/plain"] = summary_text(doc)
    return bundle


__all__ = [
    "PROV_JSON_MIME",
    "mimebundle",
    "to_html",
    "summary_html",
    "summary_text",
    "graph_iframe",
    "auto_collapse",
]
