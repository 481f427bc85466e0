/**
 * PROV-JSON → vis-network nodes and edges: styling by kind, collapse of metric series, run members and
 * file revisions into group nodes, prov:type filter, search and a layered layout. Pure: no DOM.
 */
import { layeredLayout } from './layout';
import {
  ElementKind,
  ParsedProv,
  ProvAttrs,
  ProvElement,
  ProvRelation,
  firstText,
  parseProvJson,
  primaryType,
  timeMs,
  typesOf
} from './prov';
import { DIMMED_FONT, FONT_FACE, FONT_SIZE, KIND_STYLE, fade } from './style';

export interface GraphOptions {
  /** All `m2p:Metric` entities of one run and key → one node with the count. Default true. */
  collapseMetrics?: boolean;
  /** Params, tags and artifacts of a run (of any collection) → one node per collection and type. Default false. */
  collapseRunMembers?: boolean;
  /** The `m2p:FileRevision`s of one File → one node per File. Default false. */
  collapseRevisions?: boolean;
  /** Primary types to keep (see `primaryType`); undefined/null keeps all. */
  typeFilter?: string[] | null;
  /** Case-insensitive text searched in ids, labels and attribute values; non-matching nodes are dimmed. */
  search?: string;
}

export type GroupKind = 'metrics' | 'members' | 'revisions';

export interface GraphNode {
  id: string;
  label: string;
  kind: ElementKind;
  /** Primary type (filter and legend key). */
  ptype: string;
  types: string[];
  shape: string;
  color: {
    background: string;
    border: string;
    highlight: { background: string; border: string };
    hover: { background: string; border: string };
  };
  font: { color: string; size: number; face: string };
  borderWidth: number;
  shapeProperties?: { borderDashes: number[] | false };
  x?: number;
  y?: number;
  /** Epoch ms ordering the node in its lane. */
  time: number;
  /** Plain-text tooltip (the view turns it into a DOM element with textContent). */
  tooltip: string;
  /** Ids of the elements a group node stands for. */
  members?: string[];
  group?: GroupKind;
  count?: number;
  implicit?: boolean;
  matched?: boolean;
}

export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  kind: string;
  label: string;
  /** Number of relations this edge stands for (> 1 where collapsing merged several). */
  count: number;
  tooltip: string;
  arrows: string;
}

/** The parts of an edge the Python payload sends instead of a tooltip text. */
export interface EdgeParts {
  from: string;
  to: string;
  kind?: unknown;
  label?: unknown;
  roles?: unknown;
  time?: unknown;
  count?: unknown;
  m2p_diff?: unknown;
}

/**
 * The tooltip text of an edge from its parts: `kind: from → to`, then its roles, time and the number of
 * relations it stands for (the same text as `edge_tooltip` in mlflow2prov_jupyter/notebook/graph.py).
 */
export function edgeSummary(e: EdgeParts): string {
  const lines: string[] = e.m2p_diff ? [String(e.m2p_diff)] : [];
  lines.push(`${String(e.kind || e.label || '')}: ${e.from} \u2192 ${e.to}`);
  if (Array.isArray(e.roles) && e.roles.length) {
    lines.push('role: ' + e.roles.map(String).join(', '));
  }
  if (e.time) {
    lines.push(`time: ${String(e.time)}`);
  }
  if (typeof e.count === 'number' && e.count > 1) {
    lines.push(`${e.count} relations`);
  }
  return lines.join('\n');
}

export interface GraphStats {
  /** Records per PROV-JSON kind in the document (entity, activity, agent, wasGeneratedBy, …). */
  counts: Record<string, number>;
  /** Elements per primary type (described elements only). */
  types: Record<string, number>;
  elements: number;
  relations: number;
  nodes: number;
  edges: number;
  /** Elements removed by the type filter. */
  hidden: number;
  /** Elements folded into group nodes. */
  collapsed: number;
  /** Nodes matching the search (0 without a search). */
  matches: number;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  stats: GraphStats;
  /** The parsed elements, by id (for details panels). */
  elements: Map<string, ProvElement>;
}

export const LABEL_MAX = 32;
const TOOLTIP_ATTRS = 8;

/** Cut `s` to `max` characters with an ellipsis. */
export function shorten(s: string, max = LABEL_MAX): string {
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** Local part of a qualified name, last path segment decoded when possible. */
export function shortId(id: string): string {
  const local = id.slice(id.indexOf(':') + 1);
  const seg = local.split('/').filter(Boolean);
  const last = seg.length ? seg[seg.length - 1] : local;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

function localName(t: string): string {
  return t.slice(t.indexOf(':') + 1);
}

/** Display label: prov:label, else the short id. */
export function labelOf(el: ProvElement): string {
  return firstText(el.attrs, 'prov:label') ?? shortId(el.id);
}

function elementTime(el: ProvElement, genTime: Map<string, number>): number {
  const a = el.attrs;
  for (const name of ['prov:startTime', 'm2p:timestamp', 'm2p:created_at', 'm2p:committed_at', 'prov:endTime']) {
    const t = timeMs(firstText(a, name));
    if (!Number.isNaN(t)) {
      return t;
    }
  }
  return genTime.get(el.id) ?? NaN;
}

function attrsText(attrs: ProvAttrs): string {
  const parts: string[] = [];
  for (const [k, vals] of Object.entries(attrs)) {
    parts.push(k);
    for (const v of vals) {
      parts.push(v.text);
    }
  }
  return parts.join('\n');
}

function tooltipOf(el: ProvElement, ptype: string): string {
  const lines = [el.id, `${el.kind} · ${ptype}${el.implicit ? ' (referenced, not described)' : ''}`];
  let n = 0;
  for (const [k, vals] of Object.entries(el.attrs)) {
    if (k === 'prov:type') {
      continue;
    }
    if (n++ >= TOOLTIP_ATTRS) {
      lines.push('…');
      break;
    }
    lines.push(`${k}: ${shorten(vals.map(v => v.text).join(', '), 80)}`);
  }
  return lines.join('\n');
}

function styleFor(kind: ElementKind, implicit: boolean, dimmed: boolean, group: boolean) {
  const s = KIND_STYLE[kind];
  const bg = dimmed ? fade(s.background) : implicit ? '#FFFFFF' : s.background;
  const border = dimmed ? fade(s.border, 0.35) : s.border;
  return {
    shape: s.shape === 'house' ? 'house' : s.shape,
    color: {
      background: bg,
      border,
      highlight: { background: s.background, border: '#000000' },
      hover: { background: s.background, border: '#000000' }
    },
    font: { color: dimmed ? DIMMED_FONT : '#000000', size: FONT_SIZE, face: FONT_FACE },
    borderWidth: group ? 3 : 1,
    shapeProperties: { borderDashes: implicit ? [4, 3] : (false as const) }
  };
}

/** Lower-cased search terms of a query (whitespace-separated; all must occur). */
function terms(query: string | undefined): string[] {
  return (query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
}

/** Text of a node searched by `matchNodes` (lower-cased), or undefined to use the node's own fields. */
export type SearchTextOf = (id: string) => string | undefined;

/**
 * Ids of the nodes whose searched text contains every whitespace-separated term of `query`
 * (case-insensitive). The text is `textOf(id)` when given (see `searchTexts`), else the node's id, label,
 * tooltip and string title: works on provToGraph nodes and on plain vis node dicts alike.
 */
export function matchNodes(
  nodes: Iterable<{ id: string | number; label?: unknown; tooltip?: unknown; title?: unknown }>,
  query: string,
  textOf?: SearchTextOf
): Set<string> {
  const ts = terms(query);
  const out = new Set<string>();
  if (!ts.length) {
    return out;
  }
  for (const n of nodes) {
    const id = String(n.id);
    let text = textOf ? textOf(id) : undefined;
    if (text === undefined) {
      const title = typeof n.title === 'string' ? n.title : '';
      const tip = typeof n.tooltip === 'string' ? n.tooltip : '';
      text = `${id}\n${n.label ?? ''}\n${tip}\n${title}`.toLowerCase();
    }
    if (ts.every(t => text!.includes(t))) {
      out.add(id);
    }
  }
  return out;
}

/**
 * A `SearchTextOf` for a provToGraph graph: ids, labels and attribute values of a node's element, or of
 * all members of a group node. Computed on first use per node and cached.
 */
export function searchTexts(graph: Graph): SearchTextOf {
  const cache = new Map<string, string>();
  const byId = new Map(graph.nodes.map(n => [n.id, n]));
  const elText = (id: string) => {
    const el = graph.elements.get(id);
    return el ? `${el.id}\n${labelOf(el)}\n${attrsText(el.attrs)}` : id;
  };
  return (id: string) => {
    let t = cache.get(id);
    if (t === undefined) {
      const n = byId.get(id);
      if (!n) {
        return undefined;
      }
      t = (n.members ? n.members.map(elText).join('\n') : elText(id)).toLowerCase();
      cache.set(id, t);
    }
    return t;
  };
}

interface Grouping {
  /** element id → group id */
  rep: Map<string, string>;
  groups: Map<string, { kind: GroupKind; members: ProvElement[]; label: string; ptype: string }>;
}

const MEMBER_TYPES = new Set([
  'Param',
  'RunTag',
  'Artifact',
  'ModelArtifact',
  'ExperimentTag',
  'LoggedModelParam',
  'LoggedModelTag',
  'RegisteredModelTag',
  'ModelVersionTag'
]);

function addToGroup(
  g: Grouping,
  gid: string,
  kind: GroupKind,
  el: ProvElement,
  label: string,
  ptype: string
): void {
  let grp = g.groups.get(gid);
  if (!grp) {
    grp = { kind, members: [], label, ptype };
    g.groups.set(gid, grp);
  }
  grp.members.push(el);
  g.rep.set(el.id, gid);
}

function collapse(doc: ParsedProv, kept: (el: ProvElement) => boolean, ptypes: Map<string, string>, opts: GraphOptions): Grouping {
  const g: Grouping = { rep: new Map(), groups: new Map() };
  const collectionOf = new Map<string, string>();
  const fileOf = new Map<string, string>();
  for (const r of doc.relations) {
    if (r.kind === 'hadMember' && !collectionOf.has(r.to)) {
      collectionOf.set(r.to, r.from);
    } else if (r.kind === 'specializationOf' && !fileOf.has(r.from)) {
      fileOf.set(r.from, r.to);
    }
  }
  const metrics = opts.collapseMetrics ?? true;
  const members = opts.collapseRunMembers ?? false;
  const revisions = opts.collapseRevisions ?? false;
  for (const el of doc.elements.values()) {
    if (!kept(el) || el.implicit) {
      continue;
    }
    const ptype = ptypes.get(el.id)!;
    const local = localName(ptype);
    if (metrics && local === 'Metric') {
      // Series = the id without its last segment (…/metric/<key>/<step> → …/metric/<key>),
      // else the owning collection and the key.
      const key = firstText(el.attrs, 'm2p:key') ?? shortId(el.id);
      const slash = el.id.lastIndexOf('/');
      const series =
        slash > 0 && /\/metric\/[^/]+\/-?\d+$/.test(el.id)
          ? el.id.slice(0, slash)
          : `${collectionOf.get(el.id) ?? ''}\u0000${key}`;
      addToGroup(g, `group:metrics:${series}`, 'metrics', el, key, ptype);
    } else if (members && MEMBER_TYPES.has(local) && collectionOf.has(el.id)) {
      const coll = collectionOf.get(el.id)!;
      addToGroup(g, `group:members:${coll}\u0000${ptype}`, 'members', el, local, ptype);
    } else if (revisions && local === 'FileRevision' && fileOf.has(el.id)) {
      const file = fileOf.get(el.id)!;
      const fileEl = doc.elements.get(file);
      const name = fileEl ? firstText(fileEl.attrs, 'm2p:path') ?? shortId(file) : shortId(file);
      addToGroup(g, `group:revisions:${file}`, 'revisions', el, name, ptype);
    }
  }
  // A "group" of one stays a plain node.
  for (const [gid, grp] of [...g.groups]) {
    if (grp.members.length < 2) {
      g.groups.delete(gid);
      for (const m of grp.members) {
        g.rep.delete(m.id);
      }
    }
  }
  return g;
}

function groupLabel(kind: GroupKind, label: string, n: number): string {
  if (kind === 'metrics') {
    return `${shorten(label, LABEL_MAX - 8)} ×${n}`;
  }
  if (kind === 'revisions') {
    return `${shorten(label, LABEL_MAX - 8)}\n${n} revisions`;
  }
  return `${n} × ${label}`;
}

function relationTooltip(r: ProvRelation): string {
  const lines = [`${r.kind}: ${r.from} → ${r.to}`];
  for (const [k, v] of Object.entries(r.formal)) {
    lines.push(`${k}: ${v}`);
  }
  for (const [k, vals] of Object.entries(r.attrs)) {
    lines.push(`${k}: ${vals.map(v => v.text).join(', ')}`);
  }
  return lines.join('\n');
}

/**
 * Build the graph of a PROV-JSON document (object or text). Nodes carry vis-network styling, `x`/`y`
 * from the layered layout, a plain-text `tooltip` and the `members` of group nodes; edges are merged per
 * (kind, from, to) after collapsing, with a `count`.
 */
export function provToGraph(provjson: unknown, options: GraphOptions = {}): Graph {
  const doc = parseProvJson(provjson);
  const ptypes = new Map<string, string>();
  const types: Record<string, number> = {};
  for (const el of doc.elements.values()) {
    const pt = primaryType(el);
    ptypes.set(el.id, pt);
    if (!el.implicit) {
      types[pt] = (types[pt] ?? 0) + 1;
    }
  }
  const filter = options.typeFilter ? new Set(options.typeFilter) : null;
  const kept = (el: ProvElement) => !filter || filter.has(ptypes.get(el.id)!);
  const genTime = new Map<string, number>();
  for (const r of doc.relations) {
    if (r.kind === 'wasGeneratedBy' && !genTime.has(r.from)) {
      const t = timeMs(r.formal['prov:time']);
      if (!Number.isNaN(t)) {
        genTime.set(r.from, t);
      }
    }
  }
  const grouping = collapse(doc, kept, ptypes, options);
  const ts = terms(options.search);
  const nodes: GraphNode[] = [];
  let hidden = 0;
  for (const el of doc.elements.values()) {
    if (!kept(el)) {
      if (!el.implicit) {
        hidden++;
      }
      continue;
    }
    if (grouping.rep.has(el.id)) {
      continue;
    }
    const ptype = ptypes.get(el.id)!;
    nodes.push({
      id: el.id,
      label: shorten(labelOf(el)),
      kind: el.kind,
      ptype,
      types: typesOf(el),
      ...styleFor(el.kind, !!el.implicit, false, false),
      time: elementTime(el, genTime),
      tooltip: tooltipOf(el, ptype),
      ...(el.implicit ? { implicit: true } : {})
    });
  }
  let collapsed = 0;
  for (const [gid, grp] of grouping.groups) {
    collapsed += grp.members.length;
    const first = grp.members[0];
    let time = NaN;
    for (const m of grp.members) {
      const t = elementTime(m, genTime);
      if (!Number.isNaN(t) && (Number.isNaN(time) || t < time)) {
        time = t;
      }
    }
    const noun = grp.kind === 'metrics' ? 'metric values' : grp.kind === 'revisions' ? 'revisions' : 'members';
    nodes.push({
      id: gid,
      label: groupLabel(grp.kind, grp.label, grp.members.length),
      kind: first.kind,
      ptype: grp.ptype,
      types: typesOf(first),
      ...styleFor(first.kind, false, false, true),
      time,
      tooltip: `${grp.members.length} ${noun} (${grp.ptype}), collapsed\nfirst: ${first.id}`,
      members: grp.members.map(m => m.id),
      group: grp.kind,
      count: grp.members.length
    });
  }
  const present = new Set(nodes.map(n => n.id));
  const rep = (id: string) => grouping.rep.get(id) ?? id;
  const edgeMap = new Map<string, GraphEdge>();
  for (const r of doc.relations) {
    if (!r.from || !r.to) {
      continue;
    }
    const from = rep(r.from);
    const to = rep(r.to);
    if (!present.has(from) || !present.has(to) || (from === to && r.from !== r.to)) {
      continue;
    }
    const key = `${r.kind}\u0000${from}\u0000${to}`;
    const e = edgeMap.get(key);
    if (e) {
      e.count++;
      e.label = `${r.kind} ×${e.count}`;
      if (e.count <= 5) {
        e.tooltip += '\n' + relationTooltip(r);
      }
    } else {
      edgeMap.set(key, {
        id: `e${edgeMap.size}`,
        from,
        to,
        kind: r.kind,
        label: r.kind,
        count: 1,
        tooltip: relationTooltip(r),
        arrows: 'to'
      });
    }
  }
  const edges = [...edgeMap.values()];
  const relations = doc.relations.length;
  const graph: Graph = {
    nodes,
    edges,
    stats: {
      counts: doc.counts,
      types,
      elements: doc.elements.size - implicitCount(doc),
      relations,
      nodes: nodes.length,
      edges: edges.length,
      hidden,
      collapsed,
      matches: 0
    },
    elements: doc.elements
  };
  if (ts.length) {
    const hit = matchNodes(nodes, options.search ?? '', searchTexts(graph));
    for (const n of nodes) {
      n.matched = hit.has(n.id);
      if (n.matched) {
        graph.stats.matches++;
      } else {
        Object.assign(n, styleFor(n.kind, !!n.implicit, true, !!n.group));
      }
    }
  }
  layeredLayout(nodes);
  return graph;
}

function implicitCount(doc: ParsedProv): number {
  let n = 0;
  for (const el of doc.elements.values()) {
    if (el.implicit) {
      n++;
    }
  }
  return n;
}
