"""A self-contained HTML page drawing a graph payload with vis-network, every script inlined.

The vis-network 9.1.2 build shipped inside pyvis (its ``cdn_resources="in_line"`` resource) is embedded in
the page; pyvis's own template is not used because it always links Bootstrap from a CDN. The page makes no
network request, so it works in nbconvert output, VS Code and offline. Data travels as JSON inside a
``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped, tooltips are HTML-escaped
text turned into text nodes (never parsed as markup), and labels are drawn on the canvas.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any

# Only what the page needs from vis-network.css (220 KB, mostly editor icons): the tooltip.
_CSS = """
html, body { margin: 0; padding: 0; height: 100%; font-family: sans-serif; background: #fff; }
#m2p-graph { position: absolute; inset: 0; }
.m2p-note { position: absolute; left: 8px; bottom: 6px; font: 11px sans-serif; color: #666; }
div.vis-tooltip { position: absolute; visibility: hidden; padding: 5px 7px; white-space: pre-wrap;
  font: 12px/1.35 monospace; color: #222; background: #f5f4ed; border: 1px solid #808074;
  border-radius: 3px; box-shadow: 3px 3px 10px rgba(0,0,0,.2); pointer-events: none; max-width: 520px;
  overflow-wrap: anywhere; z-index: 5; }
"""

# Draws agents as a house (pentagon), converts escaped tooltips to text nodes, reports when drawn.
_SCRIPT = r"""
(function () {
  "use strict";
  var raw = document.getElementById("m2p-data").textContent;
  var data = JSON.parse(raw);
  function textTitle(t) {
    if (typeof t !== "string") { return undefined; }
    var text = new DOMParser().parseFromString(t, "text/html").documentElement.textContent;
    var el = document.createElement("div");
    el.textContent = text;
    return el;
  }
  function house(args) {
    var ctx = args.ctx, x = args.x, y = args.y, style = args.style, label = String(args.label || "");
    ctx.font = "14px sans-serif";
    var w = Math.max(60, ctx.measureText(label).width + 20), h = 30, roof = 14;
    return {
      drawNode: function () {
        ctx.beginPath();
        ctx.moveTo(x - w / 2, y - h / 2 + roof / 2);
        ctx.lineTo(x, y - h / 2 - roof / 2);
        ctx.lineTo(x + w / 2, y - h / 2 + roof / 2);
        ctx.lineTo(x + w / 2, y + h / 2);
        ctx.lineTo(x - w / 2, y + h / 2);
        ctx.closePath();
        ctx.fillStyle = style.color;
        ctx.fill();
        ctx.lineWidth = style.borderWidth || 1;
        ctx.strokeStyle = style.borderColor;
        ctx.stroke();
        ctx.fillStyle = "#000";
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.fillText(label, x, y + roof / 4);
      },
      nodeDimensions: { width: w, height: h + roof }
    };
  }
  data.nodes.forEach(function (n) {
    n.title = textTitle(n.title);
    if (n.m2p_shape === "house") { n.shape = "custom"; n.ctxRenderer = house; }
  });
  function edgeText(e) {  // as graph.edge_tooltip: the payload sends an edge's parts, not its tooltip
    var lines = e.m2p_diff ? [String(e.m2p_diff)] : [];
    lines.push(String(e.kind || e.label || "") + ": " + e.from + " \u2192 " + e.to);
    if (e.roles && e.roles.length) { lines.push("role: " + e.roles.join(", ")); }
    if (e.time) { lines.push("time: " + e.time); }
    if (e.count > 1) { lines.push(e.count + " relations"); }
    var el = document.createElement("div");
    el.textContent = lines.join("\n");
    return el;
  }
  data.edges.forEach(function (e) { e.title = typeof e.title === "string" ? textTitle(e.title) : edgeText(e); });
  var container = document.getElementById("m2p-graph");
  var network = new vis.Network(container, {
    nodes: new vis.DataSet(data.nodes), edges: new vis.DataSet(data.edges)
  }, data.options);
  var start = (window.performance && performance.now()) || 0;
  function stable() { document.body.setAttribute("data-m2p-stable", "1"); }
  network.once("afterDrawing", function () {
    document.body.setAttribute("data-m2p-drawn", String(Math.round(((window.performance && performance.now()) || 0) - start)));
    if (!(data.options.physics && data.options.physics.enabled)) { stable(); }
  });
  network.once("stabilizationIterationsDone", function () { network.setOptions({ physics: { enabled: false } }); stable(); });
  window.m2pNetwork = network;
})();
"""


@lru_cache(maxsize=1)
def vis_js() -> str:
    """The vis-network script bundled with pyvis (inlined, never fetched)."""
    import pyvis

    path = os.path.join(os.path.dirname(pyvis.__file__), "templates", "lib", "vis-9.1.2", "vis-network.min.js")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    if "</script" in text.lower():  # would end the inline script early
        text = text.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
    return text


def safe_json(value: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` element: ``< > &`` and line separators escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def html_page(payload: dict[str, Any], note: str = "") -> str:
    """A complete HTML page drawing ``{nodes, edges, options}`` with the inlined vis-network."""
    import html as _html

    data = {"nodes": payload["nodes"], "edges": payload["edges"], "options": payload["options"]}
    note_html = f'<div class="m2p-note">{_html.escape(note)}</div>' if note else ""
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:\">"
        f"<style>{_CSS}</style><script>{vis_js()}</script></head>"
        f'<body><div id="m2p-graph"></div>{note_html}'
        f'<script type="application/json" id="m2p-data">{safe_json(data)}</script>'
        f"<script>{_SCRIPT}</script></body></html>"
    )


def network_html(net: Any, note: str = "") -> str:
    """The page of a :func:`~.graph.to_network` pyvis network (its nodes, edges and options)."""
    options = net.options if isinstance(net.options, dict) else json.loads(net.options.to_json())
    return html_page({"nodes": net.nodes, "edges": net.edges, "options": options}, note)
