"""A :class:`ProvDoc` as an interactive graph: a pyvis ``Network`` and the payload of the explorer's widget.

Nodes follow the PROV drawing convention: yellow ellipse entities, blue box activities, orange agents
(vis-network has no house shape: the payload says ``shape: "triangle"``, the closest built-in, and
``m2p_shape: "house"``, which the HTML views draw as a real house with a custom renderer). Edges point
like PROV relations (from the effect to its cause) and are labelled with the relation kind.

The view can be narrowed and simplified, in this order: a prov:type filter, collapsing (metric series into
one node per run and key, run members into their run, file revisions into their file), a focus on one node
(upstream = its provenance, downstream = what depends on it, or both, up to a depth), and a search that
highlights matching nodes. Positions are computed in Python (time left to right, one horizontal lane per
family of types), and physics is switched off above :data:`PHYSICS_LIMIT` nodes so big graphs appear at once.

Every label and tooltip is built from untrusted text: tooltips (``title``) are HTML-escaped plain text
(no markup), labels are drawn on a canvas. Nothing here imports Jupyter.
"""

from __future__ import annotations

import html
import math
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

from ..core.provdoc import Element, ProvDoc

ENTITY_COLOR = "#FFFC87"
ACTIVITY_COLOR = "#9FB1FC"
AGENT_COLOR = "#FED37F"
UNKNOWN_COLOR = "#E0E0E0"
KIND_STYLE: dict[str, dict[str, Any]] = {
    "entity": {"shape": "ellipse", "color": ENTITY_COLOR, "border": "#808000"},
    "activity": {"shape": "box", "color": ACTIVITY_COLOR, "border": "#0000FF"},
    "agent": {"shape": "triangle", "color": AGENT_COLOR, "border": "#A0522D", "m2p_shape": "house"},
    "unknown": {"shape": "ellipse", "color": UNKNOWN_COLOR, "border": "#999999"},
}
# Border colour by family of prov:type (fill stays the PROV colour of the kind).
FAMILY_BORDER: dict[str, str] = {
    "git": "#8C6D31",
    "mlflow": "#1C7ED6",
    "member": "#74C0FC",
    "model": "#2B8A3E",
    "registry": "#5C940D",
    "data": "#862E9C",
    "person": "#A0522D",
}
PHYSICS_LIMIT = 300  # above this many nodes physics is never used (big graphs appear at once)
PHYSICS_DEFAULT_LIMIT = 60  # by default physics only up to this many; the time-lane layout reads better
AUTO_COLLAPSE_LIMIT = 400  # documents with more elements start collapsed (metric series, file revisions)
AUTO_COLLAPSE_MEMBERS_LIMIT = 5000  # … and above this also run members into their run
COLLAPSE_KINDS = ("metrics", "members", "revisions")
DIRECTIONS = ("both", "upstream", "downstream")
UNTYPED = "(untyped)"
LABEL_MAX = 32
TITLE_VALUE_MAX = 240
TITLE_ATTRS_MAX = 30

# Lanes (y bands), top to bottom, and the family of each m2p type.
_LANES = (
    "agents",
    "git refs",
    "commits",
    "file revisions",
    "files",
    "experiments",
    "mlflow activities",
    "runs",
    "run members",
    "datasets",
    "models",
    "registry",
    "other activities",
    "other entities",
)
_TYPE_LANE: dict[str, tuple[str, str]] = {
    "m2p:GitBranch": ("git refs", "git"),
    "m2p:GitTag": ("git refs", "git"),
    "m2p:GitRemoteBranch": ("git refs", "git"),
    "m2p:Commit": ("commits", "git"),
    "m2p:FileRevision": ("file revisions", "git"),
    "m2p:File": ("files", "git"),
    "m2p:Experiment": ("experiments", "mlflow"),
    "m2p:ExperimentTag": ("experiments", "member"),
    "m2p:ExperimentCreation": ("mlflow activities", "mlflow"),
    "m2p:ExperimentDeletion": ("mlflow activities", "mlflow"),
    "m2p:RunCreation": ("mlflow activities", "mlflow"),
    "m2p:RunDeletion": ("mlflow activities", "mlflow"),
    "m2p:RegisteredModelCreation": ("mlflow activities", "registry"),
    "m2p:ModelVersionCreation": ("mlflow activities", "registry"),
    "m2p:ModelVersionDeletion": ("mlflow activities", "registry"),
    "m2p:Run": ("runs", "mlflow"),
    "m2p:Param": ("run members", "member"),
    "m2p:Metric": ("run members", "member"),
    "m2p:MetricSeries": ("run members", "member"),
    "m2p:RunTag": ("run members", "member"),
    "m2p:Artifact": ("run members", "member"),
    "m2p:ModelArtifact": ("run members", "model"),
    "m2p:Dataset": ("datasets", "data"),
    "m2p:LoggedModel": ("models", "model"),
    "m2p:LoggedModelParam": ("models", "member"),
    "m2p:LoggedModelTag": ("models", "member"),
    "m2p:RegisteredModel": ("registry", "registry"),
    "m2p:RegisteredModelTag": ("registry", "member"),
    "m2p:ModelVersion": ("registry", "registry"),
    "m2p:ModelVersionTag": ("registry", "member"),
    "m2p:ModelAlias": ("registry", "registry"),
}
_TIME_ATTRS = (
    "prov:startTime",
    "prov:endTime",
    "m2p:created_at",
    "m2p:timestamp",
    "m2p:committed_at",
    "m2p:authored_at",
    "m2p:tagged_at",
    "m2p:last_updated_at",
)
_GENERIC_TYPES = frozenset({"prov:Collection", "prov:Person", "prov:Entity", "prov:Activity", "prov:Agent"})


# ------------------------------------------------------------------------------------------- options
@dataclass(frozen=True)
class GraphOptions:
    """What the graph shows: type filter, collapsing, focus, search and rendering choices."""

    types: frozenset[str] | None = None  # keep only elements with one of these prov:types (UNTYPED: none)
    collapse: frozenset[str] = frozenset()  # subset of COLLAPSE_KINDS
    focus: str | None = None  # element (or group) id to focus on
    direction: str = "both"  # both | upstream | downstream
    depth: int = 2
    search: str = ""
    physics: bool | None = None  # None: on up to PHYSICS_DEFAULT_LIMIT nodes; never above PHYSICS_LIMIT
    max_nodes: int | None = None  # refuse to draw more (None: no limit)

    @classmethod
    def make(
        cls,
        doc: ProvDoc | None = None,
        *,
        types: Iterable[str] | None = None,
        collapse: Iterable[str] | str | bool | None = None,
        focus: str | None = None,
        direction: str = "both",
        depth: int = 2,
        search: str = "",
        physics: bool | None = None,
        max_nodes: int | None = None,
    ) -> "GraphOptions":
        """Validate options; ``collapse=None`` chooses by size (see :func:`auto_collapse`), True = all."""
        if collapse is None:
            chosen = auto_collapse(doc) if doc is not None else frozenset()
        elif collapse is True:
            chosen = frozenset(COLLAPSE_KINDS)
        elif collapse is False:
            chosen = frozenset()
        else:
            items = [collapse] if isinstance(collapse, str) else list(collapse)
            bad = [c for c in items if c not in COLLAPSE_KINDS]
            if bad:
                raise ValueError(f"collapse {bad[0]!r} is not one of {', '.join(COLLAPSE_KINDS)}")
            chosen = frozenset(items)
        if direction not in DIRECTIONS:
            raise ValueError(f"direction {direction!r} is not one of {', '.join(DIRECTIONS)}")
        if int(depth) < 0:
            raise ValueError("depth must be 0 or more")
        return cls(
            types=None if types is None else frozenset(types),
            collapse=chosen,
            focus=focus or None,
            direction=direction,
            depth=int(depth),
            search=search or "",
            physics=physics,
            max_nodes=max_nodes,
        )


def auto_collapse(doc: ProvDoc) -> frozenset[str]:
    """The default collapsing for a document of this size: none for small ones, more for big ones."""
    n = len(doc.elements)
    if n <= AUTO_COLLAPSE_LIMIT:
        return frozenset()
    if n <= AUTO_COLLAPSE_MEMBERS_LIMIT:
        return frozenset({"metrics", "revisions"})
    return frozenset(COLLAPSE_KINDS)


# --------------------------------------------------------------------------------------------- model
@dataclass
class Node:
    """A drawn node: one element, or a group of collapsed elements (``members``)."""

    id: str
    kind: str
    types: tuple[str, ...]
    label: str
    members: list[str] = field(default_factory=list)
    time: datetime | None = None


@dataclass
class GraphView:
    """The result of :func:`build_view`: nodes and edges to draw, plus what was hidden or matched."""

    nodes: dict[str, Node]
    edges: list[dict[str, Any]]  # {from, to, kind, count, roles}
    rep: dict[str, str]  # element id → id of the node it is drawn as
    matches: list[str]
    options: GraphOptions
    total_elements: int
    truncated: bool = False

    def members_of(self, node_id: str) -> list[str]:
        n = self.nodes.get(node_id)
        return list(n.members) if n else []


def type_counts(doc: ProvDoc) -> dict[str, int]:
    """prov:type value → number of elements carrying it (UNTYPED for elements without one), sorted."""
    counts: dict[str, int] = defaultdict(int)
    for el in doc.elements.values():
        ts = el.types
        if not ts:
            counts[UNTYPED] += 1
        for t in ts:
            counts[str(t)] += 1
    return dict(sorted(counts.items()))


def _primary_type(types: Sequence[str]) -> str | None:
    for t in types:
        if t not in _GENERIC_TYPES:
            return t
    return types[0] if types else None


def short_label(el: Element | None, id: str, limit: int = LABEL_MAX) -> str:
    """The node label: prov:label (first value), else the last segment of the id, cut to ``limit``."""
    text = None
    if el is not None:
        lab = el.get("prov:label")
        if isinstance(lab, tuple):
            lab = lab[0] if lab else None
        if lab is not None:
            text = str(lab)
    if not text:
        local = id.split(":", 1)[-1]
        text = local.rstrip("/").rsplit("/", 1)[-1] or id
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fmt(v: Any) -> str:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, tuple):
        return ", ".join(_fmt(x) for x in v)
    return str(v)


def _cut(text: str, limit: int = TITLE_VALUE_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def title_text(el: Element | None, id: str, members: Sequence[str] = ()) -> str:
    """The tooltip of a node as HTML-escaped plain text (lines separated by ``\\n``; no markup)."""
    lines = [id]
    if el is not None:
        types = ", ".join(str(t) for t in el.types)
        lines.append(f"{el.kind}" + (f" · {types}" if types else ""))
        shown = 0
        for k, v in el.attrs.items():
            if k == "prov:type":
                continue
            if shown >= TITLE_ATTRS_MAX:
                lines.append(f"… {len(el.attrs) - shown} more attributes")
                break
            lines.append(f"{k} = {_cut(_fmt(v))}")
            shown += 1
    if members:
        lines.append(f"{len(members)} collapsed elements:")
        for m in list(members)[:10]:
            lines.append(f"  {m}")
        if len(members) > 10:
            lines.append(f"  … {len(members) - 10} more")
    return html.escape("\n".join(lines), quote=True)


def _as_time(v: Any) -> datetime | None:
    if isinstance(v, tuple):
        ts = [x for x in v if isinstance(x, datetime)]
        return min(ts, key=_utc) if ts else None
    return v if isinstance(v, datetime) else None


def _utc(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def element_time(el: Element) -> datetime | None:
    """The time of an element from its own attributes (start time, created_at, timestamp, …)."""
    for name in _TIME_ATTRS:
        t = _as_time(el.attrs.get(name))
        if t is not None:
            return _utc(t)
    return None


# --------------------------------------------------------------------------------------------- build
def _collapse_map(doc: ProvDoc, kept: dict[str, Element], collapse: frozenset[str]) -> dict[str, tuple[str, str, str]]:
    """element id → (group id, group kind label, group label) for elements hidden in a group/owner node."""
    out: dict[str, tuple[str, str, str]] = {}
    if not collapse:
        return out
    run_of: dict[str, str] = {}
    file_of: dict[str, str] = {}
    for r in doc.relations:
        if r.kind == "hadMember":
            coll = r.source
            ent = r.target
            c = kept.get(coll) if coll else None
            if c is not None and ent in kept and "m2p:Run" in c.types:
                run_of.setdefault(ent, coll)
        elif r.kind == "specializationOf":
            if r.source in kept and r.target in kept and "m2p:FileRevision" in kept[r.source].types:
                file_of.setdefault(r.source, r.target)
    if "members" in collapse:
        for ent, run in run_of.items():
            out[ent] = (run, "", "")
    if "metrics" in collapse:
        for el in kept.values():
            if el.id in out or "m2p:Metric" not in el.types:
                continue
            owner = run_of.get(el.id)
            key = el.get("m2p:key")
            if isinstance(key, tuple):
                key = key[0]
            base, sep, rest = el.id.rpartition("/metric/")
            if owner is None:
                owner = base if sep else el.id
            if key is None:
                key = rest.rsplit("/", 1)[0] if sep else el.id
            out[el.id] = (f"group:metric-series/{owner}/{key}", "m2p:MetricSeries", f"{key} (series)")
    if "revisions" in collapse:
        for rev, f in file_of.items():
            out.setdefault(rev, (f, "", ""))
    return out


def build_view(doc: ProvDoc, options: GraphOptions | None = None, **kw: Any) -> GraphView:
    """Apply the type filter, collapsing, focus and search of ``options`` (or keyword arguments)."""
    opts = options or GraphOptions.make(doc, **kw)
    elements = doc.elements
    # 1. type filter
    if opts.types is None:
        kept = elements
    else:
        kept = {}
        for k, el in elements.items():
            ts = el.types
            if (not ts and UNTYPED in opts.types) or any(str(t) in opts.types for t in ts):
                kept[k] = el
    # 2. collapse
    groups = _collapse_map(doc, kept, opts.collapse)
    nodes: dict[str, Node] = {}
    rep: dict[str, str] = {}
    for k, el in kept.items():
        g = groups.get(k)
        if g is None:
            rep[k] = k
            if k not in nodes:
                nodes[k] = Node(k, el.kind, tuple(str(t) for t in el.types), short_label(el, k), time=element_time(el))
            continue
        gid, gtype, glabel = g
        rep[k] = gid
        node = nodes.get(gid)
        if node is None:
            if gtype:  # a synthetic group node
                node = Node(gid, "entity", (gtype,), short_label(None, gid) if not glabel else _cut(glabel, LABEL_MAX))
            else:  # collapsed into an element that is drawn (its run or file)
                owner = kept[gid]
                node = Node(gid, owner.kind, tuple(str(t) for t in owner.types), short_label(owner, gid), time=element_time(owner))
            nodes[gid] = node
        node.members.append(k)
        t = element_time(el)
        if gtype and t is not None and (node.time is None or t < node.time):
            node.time = t
    for node in nodes.values():
        if node.members and node.id.startswith("group:"):
            node.label = _cut(f"{node.label.removesuffix(' (series)')} ×{len(node.members)}", LABEL_MAX)
    # 3. edges: remapped, self-loops dropped, parallel ones of a kind merged
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in doc.relations:
        s, t = r.source, r.target
        if s is None or t is None:
            continue
        if (s in elements and s not in kept) or (t in elements and t not in kept):
            continue  # filtered out
        rs, rt = rep.get(s), rep.get(t)
        if rs is None:
            rs = s
            if s not in nodes:
                nodes[s] = Node(s, "unknown", (), short_label(None, s))
            rep[s] = s
        if rt is None:
            rt = t
            if t not in nodes:
                nodes[t] = Node(t, "unknown", (), short_label(None, t))
            rep[t] = t
        if rs == rt:
            continue
        key = (rs, rt, r.kind)
        e = merged.get(key)
        if e is None:
            e = merged[key] = {"from": rs, "to": rt, "kind": r.kind, "count": 0, "roles": [], "time": None}
        e["count"] += 1
        for role in r.roles:
            if str(role) not in e["roles"]:
                e["roles"].append(str(role))
        tm = r.time
        if isinstance(tm, datetime) and e["time"] is None:
            e["time"] = tm
    edges = list(merged.values())
    # 4. focus
    if opts.focus:
        focus = rep.get(opts.focus, opts.focus)
        if focus not in nodes:
            raise ValueError(f"focus node {opts.focus!r} is not in the graph (check the type filter)")
        keep = _focus_set(doc, nodes, rep, focus, opts.direction, opts.depth)
        nodes = {k: v for k, v in nodes.items() if k in keep}
        edges = [e for e in edges if e["from"] in keep and e["to"] in keep]
    # 5. search
    matches = search_nodes(doc, nodes, opts.search) if opts.search else []
    truncated = False
    if opts.max_nodes is not None and len(nodes) > opts.max_nodes:
        truncated = True
    return GraphView(nodes, edges, rep, matches, opts, len(elements), truncated)


def _focus_set(doc: ProvDoc, nodes: dict[str, Node], rep: dict[str, str], focus: str, direction: str, depth: int) -> set[str]:
    """Drawn nodes in the lineage (:func:`~mlflow2prov_jupyter.query.lineage.reachable`) of the focused
    node's elements: one definition of upstream and downstream for every view."""
    from ..query.lineage import reachable

    starts = nodes[focus].members or [focus]
    ids = reachable(doc, starts, {"upstream": "up", "downstream": "down"}.get(direction, "both"), depth)
    return {focus} | {rep.get(i, i) for i in ids if rep.get(i, i) in nodes}


def search_nodes(doc: ProvDoc, nodes: dict[str, Node], query: str) -> list[str]:
    """Ids of drawn nodes whose id, label or attribute values (or a member's) contain ``query`` (casefolded)."""
    q = query.strip().casefold()
    if not q:
        return []

    def hit(eid: str) -> bool:
        if q in eid.casefold():
            return True
        el = doc.elements.get(eid)
        if el is None:
            return False
        return any(q in _fmt(v).casefold() for v in el.attrs.values())

    out = []
    for nid, node in nodes.items():
        if q in node.label.casefold() or hit(nid) or any(hit(m) for m in node.members):
            out.append(nid)
    return out


# -------------------------------------------------------------------------------------------- layout
def _lane(node: Node) -> str:
    if node.kind == "agent":
        return "agents"
    for t in node.types:
        lane = _TYPE_LANE.get(t)
        if lane:
            return lane[0]
    return "other activities" if node.kind == "activity" else "other entities"


def _family(node: Node) -> str | None:
    if node.kind == "agent":
        return "person"
    for t in node.types:
        lane = _TYPE_LANE.get(t)
        if lane:
            return lane[1]
    return None


def node_times(view: GraphView) -> dict[str, datetime | None]:
    """Each node's time: its own, else that of a generation/usage edge, else the earliest neighbour's."""
    times: dict[str, datetime | None] = {k: n.time for k, n in view.nodes.items()}
    for e in view.edges:
        if e["time"] is not None and times.get(e["from"]) is None:
            times[e["from"]] = _utc(e["time"])
    for _ in range(2):
        changed = False
        best: dict[str, datetime] = {}
        for e in view.edges:
            a, b = e["from"], e["to"]
            ta, tb = times.get(a), times.get(b)
            if ta is None and tb is not None and (a not in best or tb < best[a]):
                best[a] = tb
            if tb is None and ta is not None and (b not in best or ta < best[b]):
                best[b] = ta
        for k, t in best.items():
            times[k] = t
            changed = True
        if not changed:
            break
    return times


def layout(view: GraphView, dx: float = 190.0, dy: float = 70.0, stack: int = 12) -> dict[str, tuple[float, float]]:
    """Positions: time on the x axis (ranked into columns), one lane per family of types on the y axis."""
    times = node_times(view)
    n = len(view.nodes)
    distinct = sorted({t for t in times.values() if t is not None})
    columns = max(1, min(len(distinct), max(12, int(math.sqrt(n) * 1.5))))

    def column(t: datetime | None) -> int:
        if t is None or not distinct:
            return 0
        rank = bisect_left(distinct, t)
        return 1 + (rank * columns) // len(distinct)

    cells: dict[tuple[str, int], list[str]] = defaultdict(list)
    for nid in sorted(view.nodes, key=lambda k: (times[k] or datetime.min.replace(tzinfo=timezone.utc), k)):
        node = view.nodes[nid]
        cells[(_lane(node), column(times[nid]))].append(nid)
    lanes_used = [lane for lane in _LANES if any(k[0] == lane for k in cells)]
    col_width: dict[int, int] = defaultdict(lambda: 1)
    lane_rows: dict[str, int] = defaultdict(lambda: 1)
    for (lane, col), ids in cells.items():
        col_width[col] = max(col_width[col], math.ceil(len(ids) / stack))
        lane_rows[lane] = max(lane_rows[lane], min(stack, len(ids)))
    col_x: dict[int, float] = {}
    x = 0.0
    for col in sorted(col_width):
        col_x[col] = x
        x += (col_width[col] + 0.5) * dx
    lane_y: dict[str, float] = {}
    y = 0.0
    for lane in lanes_used:
        lane_y[lane] = y
        y += (lane_rows[lane] + 0.8) * dy
    pos: dict[str, tuple[float, float]] = {}
    for (lane, col), ids in cells.items():
        for i, nid in enumerate(ids):
            row = i % stack  # alternate rows are nudged right so edges along a stack stay apart
            pos[nid] = (col_x[col] + (i // stack) * dx + (row % 2) * dx * 0.25, lane_y[lane] + row * dy)
    return pos


# ---------------------------------------------------------------------------------------- vis / pyvis
def _node_dict(doc: ProvDoc, node: Node, xy: tuple[float, float], matched: bool, static: bool) -> dict[str, Any]:
    style = KIND_STYLE.get(node.kind, KIND_STYLE["unknown"])
    family = _family(node)
    border = FAMILY_BORDER.get(family or "", style["border"])
    group_node = node.id.startswith("group:")
    d: dict[str, Any] = {
        "id": node.id,
        "label": node.label,
        "title": title_text(doc.elements.get(node.id), node.id, node.members),
        "shape": style["shape"],
        "color": {
            "background": style["color"],
            "border": "#E8590C" if matched else border,
            "highlight": {"background": style["color"], "border": "#C92A2A"},
            "hover": {"background": style["color"], "border": "#C92A2A"},
        },
        "borderWidth": 4 if matched else (2 if node.members else 1),
        "x": round(xy[0], 1),
        "y": round(xy[1], 1),
        "kind": node.kind,
        "types": list(node.types),
        "lane": _lane(node),
    }
    if node.kind == "agent":
        d["size"] = 18
    if "m2p_shape" in style:
        d["m2p_shape"] = style["m2p_shape"]
    if node.members:
        d["members"] = len(node.members)
    if group_node:
        d["shapeProperties"] = {"borderDashes": [6, 3]}
    if static:
        d["physics"] = False
    return d


def _edge_dict(i: int, e: dict[str, Any]) -> dict[str, Any]:
    """One vis edge. Its tooltip is not sent: the pages build it from ``kind``, ``from``, ``to`` and the
    optional ``roles``, ``time`` and ``count`` (:func:`edge_tooltip`), which keeps the payload small.
    Arrows come from the options; ``width`` is sent only for merged edges (vis' default is 1)."""
    kind, count = e["kind"], e["count"]
    d: dict[str, Any] = {
        "id": f"e{i}",
        "from": e["from"],
        "to": e["to"],
        "label": kind if count == 1 else f"{kind} ×{count}",
        "kind": kind,
    }
    if e["roles"]:
        d["roles"] = list(e["roles"])
    if e["time"] is not None:
        d["time"] = e["time"].isoformat()
    if count > 1:
        d["count"] = count
        d["width"] = min(1 + math.log2(count), 6)
    return d


def edge_tooltip(edge: dict[str, Any]) -> str:
    """The plain-text tooltip the pages show for a payload edge (labextension ``edgeSummary`` and the
    static page build the same text)."""
    lines = [str(edge["m2p_diff"])] if edge.get("m2p_diff") else []
    lines.append(f"{edge.get('kind') or edge.get('label') or ''}: {edge['from']} → {edge['to']}")
    if edge.get("roles"):
        lines.append("role: " + ", ".join(map(str, edge["roles"])))
    if edge.get("time"):
        lines.append(f"time: {edge['time']}")
    if (edge.get("count") or 1) > 1:
        lines.append(f"{edge['count']} relations")
    return "\n".join(lines)


def vis_options(n_nodes: int, physics: bool | None = None) -> dict[str, Any]:
    """vis-network options: physics only for small graphs (``physics=True`` allows it up to
    :data:`PHYSICS_LIMIT` nodes), static positions and light drawing for big ones."""
    on = n_nodes <= PHYSICS_DEFAULT_LIMIT if physics is None else bool(physics) and n_nodes <= PHYSICS_LIMIT
    big = n_nodes > PHYSICS_LIMIT
    return {
        "autoResize": True,
        "layout": {"improvedLayout": False, "randomSeed": 1},
        "physics": {
            "enabled": on,
            "solver": "barnesHut",
            "barnesHut": {"gravitationalConstant": -4000, "springLength": 140, "avoidOverlap": 0.2},
            "stabilization": {"enabled": on, "iterations": 150, "fit": True},
        },
        "interaction": {
            "hover": not big,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": big,
            "hideEdgesOnZoom": big,
            "navigationButtons": False,
            "multiselect": False,
        },
        "nodes": {"font": {"size": 14, "face": "sans-serif"}, "margin": 8},
        "edges": {
            "smooth": {"enabled": not big, "type": "continuous"},
            "font": {"size": 10, "align": "middle", "color": "#555555", "strokeWidth": 2},
            "color": {"color": "#888888", "highlight": "#C92A2A", "hover": "#C92A2A"},
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.6}},
            "selectionWidth": 2,
        },
    }


@dataclass
class Payload:
    """Nodes, edges and vis options of a view (what a pyvis network or the graph widget is fed with)."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    options: dict[str, Any]
    view: GraphView

    def as_dict(self) -> dict[str, Any]:
        return {
            "nodes": self.nodes,
            "edges": self.edges,
            "options": self.options,
            "highlight": list(self.view.matches),
            "info": {
                "elements": self.view.total_elements,
                "nodes": len(self.nodes),
                "edges": len(self.edges),
                "collapse": sorted(self.view.options.collapse),
                "truncated": self.view.truncated,
            },
        }


def make_payload(doc: ProvDoc, options: GraphOptions | None = None, **kw: Any) -> Payload:
    """Build the view of ``doc`` and its vis nodes/edges/options (positions computed here)."""
    view = build_view(doc, options, **kw)
    if view.truncated:
        return Payload([], [], vis_options(0, view.options.physics), view)
    pos = layout(view)
    opts = vis_options(len(view.nodes), view.options.physics)
    static = not opts["physics"]["enabled"]
    matched = set(view.matches)
    nodes = [_node_dict(doc, n, pos[k], k in matched, static) for k, n in view.nodes.items()]
    edges = [_edge_dict(i, e) for i, e in enumerate(view.edges)]
    return Payload(nodes, edges, opts, view)


def graph_payload(doc: ProvDoc, options: GraphOptions | None = None, **kw: Any) -> dict[str, Any]:
    """``{nodes, edges, options, highlight, info}`` for the explorer's graph widget (keyword arguments
    as :meth:`GraphOptions.make`: ``types``, ``collapse``, ``focus``, ``direction``, ``depth``, ``search``,
    ``physics``, ``max_nodes``)."""
    return make_payload(doc, options, **kw).as_dict()


def to_network(doc: ProvDoc, options: GraphOptions | None = None, *, height: str = "600px", width: str = "100%", **kw: Any):
    """The document as a :class:`pyvis.network.Network` (directed, JavaScript inlined: ``in_line``).

    Nodes and edges are put into the network's lists directly: pyvis's ``add_node``/``add_edge`` check
    membership in lists, which is quadratic and too slow for big documents.
    """
    from pyvis.network import Network

    payload = make_payload(doc, options, **kw)
    net = Network(height=height, width=width, directed=True, cdn_resources="in_line")
    for n in payload.nodes:
        net.nodes.append(n)
        net.node_ids.append(n["id"])
        net.node_map[n["id"]] = n
    net.edges.extend(payload.edges)
    net.options = payload.options
    net.m2p_payload = payload  # type: ignore[attr-defined]
    return net


def for_widget(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as the anywidget graph view takes it (labextension/src/widget.ts): tooltips as plain
    text in ``tooltip`` (the view puts them into text nodes; no escaped ``title``) and ``shape: "house"``
    for agents (the view draws it)."""

    def conv(item: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in item.items() if k != "title"}
        if "title" in item:
            out["tooltip"] = html.unescape(item["title"])
        if out.get("m2p_shape"):
            out["shape"] = out["m2p_shape"]
        return out

    return {
        **payload,
        "nodes": [conv(n) for n in payload["nodes"]],
        "edges": [conv(e) for e in payload["edges"]],
    }
