"""Rich display of a :class:`ProvDoc` in a notebook: its mime bundle.

* ``application/vnd.prov+json``: the PROV-JSON, with the ViewOptions in the output's metadata. JupyterLab and
  Notebook 7 draw it with the extension's graph module (ranked above ``text/html``, safe in untrusted
  notebooks: it runs nothing from the data).
* ``text/html``: the offline fallback for VS Code, nbconvert and other front ends. The same graph module,
  bundled as ``static/prov_view.js``, is put into the notebook once per kernel (in the first graph output, as
  plotly's offline mode does); each output adds only its gzip-compressed PROV-JSON and a loader.
* ``text/plain``: the repr and the counts per type.
"""

from __future__ import annotations

import base64
import gzip
import html
import uuid
from pathlib import Path
from typing import Any

import orjson

from ..core.provdoc import ProvDoc
from .viewdata import sendable

PROV_JSON_MIME = "application/vnd.prov+json"
VIEW_BUNDLE = Path(__file__).resolve().parent.parent / "static" / "prov_view.js"
_bundle_sent = False  # per kernel process: the first graph output carries the script


def type_counts(doc: ProvDoc) -> dict[str, int]:
    """Elements per prov:type (an element counts once per type), most frequent first."""
    counts: dict[str, int] = {}
    for el in doc.elements.values():
        for t in el.types:
            counts[str(t)] = counts.get(str(t), 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def summary_text(doc: ProvDoc) -> str:
    """``repr`` plus one line of counts per prov:type."""
    return "\n".join([repr(doc), *(f"  {t}: {n}" for t, n in type_counts(doc).items())])


def _script_text(text: str) -> str:
    """Text that cannot end an inline ``<script>`` element early."""
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def bundle_html() -> str:
    """The graph module as an inline script (gzip + base64, unpacked by the browser's DecompressionStream)."""
    if not VIEW_BUNDLE.is_file():
        return ""
    packed = base64.b64encode(gzip.compress(VIEW_BUNDLE.read_bytes(), mtime=0)).decode("ascii")
    return (
        "<script>(function(){if(window.mlflow2provView||window.__m2pViewLoading)return;window.__m2pViewLoading=1;"
        f'var b=atob("{packed}"),u=new Uint8Array(b.length);for(var i=0;i<b.length;i++)u[i]=b.charCodeAt(i);'
        "new Response(new Blob([u]).stream().pipeThrough(new DecompressionStream('gzip'))).text().then(function(t){"
        "var s=document.createElement('script');s.textContent=t;document.head.appendChild(s);"
        "window.dispatchEvent(new Event('m2p-view-ready'));});})();</script>"
    )


# Waits for the bundle (it may still be unpacking, or come from an earlier output), then draws this output.
_LOADER = (
    "<script>(function(){{var el=document.getElementById('{id}');function go(){{if(!window.mlflow2provView)return "
    "false;"
    "window.mlflow2provView.renderEmbedded(el);return "
    "true;}}if(!go()){{window.addEventListener('m2p-view-ready',go,{{once:true}});"
    "setTimeout(function(){{if(!window.mlflow2provView){{el.querySelector('.m2p-offline-note').textContent="
    "'The graph viewer script is not in this page: run the notebook again, or open it in JupyterLab with "
    "mlflow2prov-jupyter.';}}}},8000);}}}})();</script>"
)


def offline_html(doc: ProvDoc, data: dict[str, Any], view: dict[str, Any]) -> str:
    """The ``text/html`` fallback of one output: a note, the gzipped ``{doc, view}`` and the loader."""
    global _bundle_sent
    first = "" if _bundle_sent else bundle_html()
    _bundle_sent = _bundle_sent or bool(first)
    packed = base64.b64encode(gzip.compress(orjson.dumps({"doc": data, "view": view}), mtime=0)).decode("ascii")
    node_id = f"m2p-{uuid.uuid4().hex[:12]}"
    note = html.escape(f"PROV graph: {len(doc.elements)} elements, {len(doc.relations)} relations")
    return (
        f'<div class="m2p-offline" id="{node_id}"><div class="m2p-offline-note">{note}</div>'
        '<script type="application/json" '
        f'class="m2p-offline-data">{_script_text(orjson.dumps({"gz": packed}).decode())}</script></div>'
        f"{first}{_LOADER.format(id=node_id)}"
    )


def mimebundle(
    doc: ProvDoc,
    include: Any = None,
    exclude: Any = None,
    view: dict[str, Any] | None = None,
    sent: tuple[dict[str, Any], dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(data, metadata) of ``doc``'s output: PROV-JSON with its ViewOptions, the offline HTML, plain text.

    ``sent``: what :func:`~.viewdata.sendable` already gave for ``doc`` and ``view`` (the explorer's widget and
    its snapshot share it: thinning and encoding a 20,000-element document costs ~1 s).
    """

    def wanted(mime: str) -> bool:
        return (not include or mime in include) and not (exclude and mime in exclude)

    bundle: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    if wanted(PROV_JSON_MIME) or wanted("text/html"):
        data, opts = sent if sent is not None else sendable(doc, view)
        if wanted(PROV_JSON_MIME):
            bundle[PROV_JSON_MIME] = data
            metadata[PROV_JSON_MIME] = {"view": opts}
        if wanted("text/html") and doc.elements:
            bundle["text/html"] = offline_html(doc, data, opts)
    if wanted("text/plain"):
        bundle["text/plain"] = summary_text(doc)
    return bundle, metadata


class GraphDisplay:
    """A document shown with ViewOptions (see :func:`graph`): displays itself like the document does."""

    def __init__(self, doc: ProvDoc, view: dict[str, Any]) -> None:
        self.doc, self.view = doc, view

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        return mimebundle(self.doc, include=include, exclude=exclude, view=self.view)

    def __repr__(self) -> str:
        return f"<graph of {self.doc!r} {self.view}>"


def graph(doc: ProvDoc, **view: Any) -> GraphDisplay:
    """``doc`` drawn with view options: ``graph(doc, show=ids, highlight=ids, zoom_to=ids, select=id,
    badges={id: "added"}, direction="LR", title="…", height=650, fold="none", expand=[ids])``."""
    from .viewdata import view_options

    return GraphDisplay(doc, view_options(**view))


__all__ = [
    "PROV_JSON_MIME",
    "GraphDisplay",
    "graph",
    "mimebundle",
    "offline_html",
    "bundle_html",
    "summary_text",
    "type_counts",
]
