/**
 * PROV-JSON + view options → what is drawn: the backbone nodes (members folded into their owners by the
 * style table's fold rules), edges merged per pair and oriented so that time flows along them, and the
 * search over nodes and their folded members. Pure: no DOM.
 */
import {
  ElementKind,
  IParsedProv,
  IProvElement,
  IProvRelation,
  attrText,
  parseProvJson,
  timeMs
} from './prov';
import {
  IFoldRule,
  STYLE,
  labelOf,
  shortId,
  shorten,
  styleKey,
  typeStyle
} from './style';

export type Badge = 'added' | 'removed' | 'changed';

/** The view options of the contract (notes/VIEW_CONTRACT.md); every key optional. */
export interface IViewOptions {
  fold?: 'backbone' | 'none';
  expand?: string[];
  show?: string[] | null;
  highlight?: string[];
  zoom_to?: string[];
  select?: string | null;
  badges?: Record<string, Badge | string>;
  /** Time axis: left → right, top → bottom, or (default) whichever shows the whole graph readably. */
  direction?: 'LR' | 'TB' | 'auto';
  title?: string | null;
  height?: number | null;
  /** What Python left out of a big document before sending it (counts by kind), said in one line. */
  omitted?: Record<string, number> | null;
}

export interface IVNode {
  id: string;
  kind: ElementKind;
  /** Style table key (a prov:type or `fallback:<kind>`). */
  key: string;
  label: string;
  /** Second line: the folded members ("5 params · 4 metrics · 3 tags") or the type name. */
  sub: string;
  /** Epoch ms (own time, else the earliest of its folded members; NaN when unknown). */
  time: number;
  /** Ids of the elements folded into this node (all levels). */
  members: string[];
  expanded: boolean;
  implicit: boolean;
  highlight: boolean;
  badge?: Badge;
  /** Placed outside the layered ranks (people). */
  lane?: string;
}

export interface IVEdge {
  id: string;
  /** Drawn from → to: the earlier end → the later end. */
  from: string;
  to: string;
  /** Relation kinds this edge stands for. */
  kinds: string[];
  /** Relations it stands for. */
  count: number;
  /** Edge style key of the table's edge_styles (solid, people, member). */
  style: string;
}

export interface IViewGraph {
  nodes: IVNode[];
  edges: IVEdge[];
  byId: Map<string, IVNode>;
  doc: IParsedProv;
  /** The node an element id is drawn as (itself or its owner), or undefined when not drawn. */
  nodeOf(id: string): string | undefined;
  /** The element an element is folded into (one level), if any. */
  ownerOf: Map<string, string>;
  /** The fold rule that folded each member. */
  ruleOf: Map<string, IFoldRule>;
  styleKeys: Map<string, string>;
  stats: {
    elements: number;
    relations: number;
    nodes: number;
    edges: number;
    folded: number;
  };
}

export class NotProvError extends Error {}

const PROV_KEYS = [
  'entity',
  'activity',
  'agent',
  'bundle',
  'wasGeneratedBy',
  'used',
  'wasDerivedFrom',
  'wasAttributedTo',
  'wasAssociatedWith',
  'hadMember',
  'wasInformedBy',
  'specializationOf'
];

/**
 * Parse `input` (object or JSON text) as PROV-JSON, or throw NotProvError with one line saying why.
 */
export function parseOrExplain(input: unknown): IParsedProv {
  let doc = input;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch {
      throw new NotProvError(
        'This file is not JSON, so it cannot be drawn as a PROV graph.'
      );
    }
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new NotProvError(
      'This is not a PROV-JSON document (expected a JSON object with "entity", "activity", …).'
    );
  }
  if (!PROV_KEYS.some(k => k in (doc as object))) {
    throw new NotProvError(
      'This JSON is not a PROV-JSON document: it has none of "entity", "activity", "agent" or a PROV relation.'
    );
  }
  return parseProvJson(doc);
}

const TIME_ATTRS = [
  'prov:startTime',
  'm2p:committed_at',
  'm2p:created_at',
  'm2p:timestamp',
  'm2p:tagged_at',
  'prov:endTime'
];

function ownTime(el: IProvElement): number {
  for (const name of TIME_ATTRS) {
    const t = timeMs(attrText(el, name));
    if (!Number.isNaN(t)) {
      return t;
    }
  }
  return NaN;
}

/** member id → owner id by the fold rules (the first matching relation wins). */
function findOwners(
  doc: IParsedProv,
  keys: Map<string, string>
): { owner: Map<string, string>; rule: Map<string, IFoldRule> } {
  const rulesByMember = new Map<string, IFoldRule[]>();
  for (const r of STYLE.fold) {
    const list = rulesByMember.get(r.member) ?? [];
    list.push(r);
    rulesByMember.set(r.member, list);
  }
  const owner = new Map<string, string>();
  const rule = new Map<string, IFoldRule>();
  for (const rel of doc.relations) {
    for (const end of ['from', 'to'] as const) {
      const member = rel[end];
      const rules = rulesByMember.get(keys.get(member) ?? '');
      if (!rules || owner.has(member)) {
        continue;
      }
      const other = end === 'from' ? rel.to : rel.from;
      if (!other || other === member) {
        continue;
      }
      for (const r of rules) {
        if (r.relation !== rel.kind || r.member_end !== end) {
          continue;
        }
        if (r.owner_types && !r.owner_types.includes(keys.get(other) ?? '')) {
          continue;
        }
        owner.set(member, other);
        rule.set(member, r);
        break;
      }
    }
  }
  return { owner, rule };
}

/** "5 params · 4 metrics · 3 tags" from the members of one node. */
export function summaryOf(
  members: string[],
  doc: IParsedProv,
  rules: Map<string, IFoldRule>
): string {
  const per = new Map<IFoldRule, Set<string>>();
  for (const id of members) {
    const r = rules.get(id);
    if (!r || r.summary === false) {
      continue;
    }
    let s = per.get(r);
    if (!s) {
      s = new Set();
      per.set(r, s);
    }
    const el = doc.elements.get(id);
    s.add(r.count_by && el ? (attrText(el, r.count_by) ?? id) : id);
  }
  // One entry per noun (params of a run and of its logged model read as one "params").
  const parts = new Map<string, { n: number; rule: IFoldRule }>();
  for (const r of STYLE.fold) {
    const s = per.get(r);
    if (!s) {
      continue;
    }
    const key = r.summary_text ?? r.noun[1];
    const cur = parts.get(key);
    parts.set(key, { n: (cur?.n ?? 0) + s.size, rule: r });
  }
  return [...parts.values()]
    .map(
      ({ n, rule }) => rule.summary_text ?? `${n} ${rule.noun[n === 1 ? 0 : 1]}`
    )
    .join(' · ');
}

/**
 * Build what is drawn for a PROV-JSON document and view options. Throws NotProvError for input that is
 * not PROV-JSON.
 */
export function buildView(input: unknown, view: IViewOptions = {}): IViewGraph {
  const doc =
    input &&
    typeof input === 'object' &&
    'elements' in (input as object) &&
    (input as IParsedProv).elements instanceof Map
      ? (input as IParsedProv)
      : parseOrExplain(input);
  const keys = new Map<string, string>();
  for (const el of doc.elements.values()) {
    keys.set(el.id, styleKey(el));
  }
  const folding = view.fold !== 'none';
  const { owner, rule } = folding
    ? findOwners(doc, keys)
    : { owner: new Map<string, string>(), rule: new Map<string, IFoldRule>() };
  const expanded = new Set(view.expand ?? []);
  const rep = new Map<string, string>();
  const repOf = (id: string, depth = 0): string => {
    let r = rep.get(id);
    if (r !== undefined) {
      return r;
    }
    const o = owner.get(id);
    if (o === undefined || depth > 32) {
      r = id;
    } else {
      const ro = repOf(o, depth + 1);
      r =
        ro === o && expanded.has(o) && rule.get(id)?.unfold !== false ? id : ro;
    }
    rep.set(id, r);
    return r;
  };
  let shown: Set<string> | null = null;
  if (Array.isArray(view.show)) {
    shown = new Set();
    for (const id of view.show) {
      if (doc.elements.has(id)) {
        shown.add(repOf(id));
      }
    }
  }
  const membersOf = new Map<string, string[]>();
  for (const el of doc.elements.values()) {
    const r = repOf(el.id);
    if (r !== el.id) {
      const list = membersOf.get(r);
      if (list) {
        list.push(el.id);
      } else {
        membersOf.set(r, [el.id]);
      }
    }
  }
  const genTime = new Map<string, number>();
  for (const r of doc.relations) {
    if (
      r.kind === 'wasGeneratedBy' &&
      r.formal['prov:time'] &&
      !genTime.has(r.from)
    ) {
      genTime.set(r.from, timeMs(r.formal['prov:time']));
    }
  }
  const highlight = new Set<string>();
  for (const id of view.highlight ?? []) {
    highlight.add(repOf(id));
  }
  const badges = new Map<string, Badge>();
  for (const [id, b] of Object.entries(view.badges ?? {})) {
    if (!(b in STYLE.badges)) {
      continue;
    }
    const r = repOf(id);
    const cur = badges.get(r);
    badges.set(r, cur && cur !== b ? 'changed' : (b as Badge));
  }
  const laneOf = new Map<string, string>();
  for (const [name, lane] of Object.entries(STYLE.lanes)) {
    for (const k of [...(lane.kinds ?? []), ...(lane.types ?? [])]) {
      laneOf.set(k, name);
    }
  }
  const nodes: IVNode[] = [];
  let folded = 0;
  for (const el of doc.elements.values()) {
    if (repOf(el.id) !== el.id || (shown && !shown.has(el.id))) {
      continue;
    }
    const key = keys.get(el.id)!;
    const members = membersOf.get(el.id) ?? [];
    folded += members.length;
    // The earliest known time of the node and its folded members (a run's creation activity).
    let time = ownTime(el);
    const gt = genTime.get(el.id);
    if (gt !== undefined && !Number.isNaN(gt) && !(gt >= time)) {
      time = gt;
    }
    for (const m of members) {
      const mel = doc.elements.get(m)!;
      if (mel.kind !== 'activity') {
        continue; // a run's time is its creation's start, not its metric timestamps
      }
      const t = ownTime(mel);
      if (!Number.isNaN(t) && !(t >= time)) {
        time = t;
      }
    }
    const summary = members.length ? summaryOf(members, doc, rule) : '';
    const node: IVNode = {
      id: el.id,
      kind: el.kind,
      key,
      label: shorten(labelOf(el, key)),
      sub:
        summary ||
        (expanded.has(el.id)
          ? `${typeStyle(key).name} · unfolded`
          : typeStyle(key).name),
      time,
      members,
      expanded: expanded.has(el.id),
      implicit: !!el.implicit,
      highlight: highlight.has(el.id)
    };
    const b = badges.get(el.id);
    if (b) {
      node.badge = b;
    }
    const lane = laneOf.get(key) ?? laneOf.get(el.kind);
    if (lane) {
      node.lane = lane;
    }
    nodes.push(node);
  }
  const byId = new Map(nodes.map(n => [n.id, n]));
  const silent = (id: string) =>
    rule.get(id)?.edges === false && repOf(id) !== id;
  const edges = buildEdges(doc.relations, byId, repOf, silent);
  return {
    nodes,
    edges,
    byId,
    doc,
    nodeOf: (id: string) => {
      if (!doc.elements.has(id)) {
        return byId.has(id) ? id : undefined;
      }
      const r = repOf(id);
      return byId.has(r) ? r : undefined;
    },
    ownerOf: owner,
    ruleOf: rule,
    styleKeys: keys,
    stats: {
      elements: doc.elements.size,
      relations: doc.relations.length,
      nodes: nodes.length,
      edges: edges.length,
      folded
    }
  };
}

const STYLE_RANK: Record<string, number> = { solid: 0, member: 1, people: 2 };

function buildEdges(
  relations: IProvRelation[],
  byId: Map<string, IVNode>,
  repOf: (id: string) => string,
  silent: (id: string) => boolean
): IVEdge[] {
  const map = new Map<string, IVEdge>();
  for (const r of relations) {
    if (!r.from || !r.to || silent(r.from) || silent(r.to)) {
      continue;
    }
    const a = repOf(r.from);
    const b = repOf(r.to);
    if (a === b || !byId.has(a) || !byId.has(b)) {
      continue;
    }
    const rs = STYLE.relations[r.kind];
    const [from, to] = rs && rs.flow === 'reverse' ? [b, a] : [a, b];
    const style = rs?.style ?? 'solid';
    const key = `${from}\u0000${to}`;
    const e = map.get(key);
    if (e) {
      e.count++;
      if (!e.kinds.includes(r.kind)) {
        e.kinds.push(r.kind);
      }
      if (STYLE_RANK[style] < STYLE_RANK[e.style]) {
        e.style = style;
      }
    } else {
      map.set(key, { id: '', from, to, kinds: [r.kind], count: 1, style });
    }
  }
  // A pair linked both ways (a metric of the run derived from the run's own model): one edge, earlier → later.
  for (const [key, e] of map) {
    const back = map.get(`${e.to}\u0000${e.from}`);
    if (!back || !map.has(key)) {
      continue;
    }
    const tf = byId.get(e.from)!.time;
    const tt = byId.get(e.to)!.time;
    const keepThis =
      Number.isNaN(tf) || Number.isNaN(tt) || tf === tt
        ? e.count >= back.count
        : tf < tt;
    const [keep, drop] = keepThis ? [e, back] : [back, e];
    keep.count += drop.count;
    for (const k of drop.kinds) {
      if (!keep.kinds.includes(k)) {
        keep.kinds.push(k);
      }
    }
    map.delete(`${drop.from}\u0000${drop.to}`);
  }
  const out = [...map.values()];
  out.forEach((e, i) => (e.id = `e${i}`));
  return out;
}

/** One search hit: the node, and the folded member that matched (when not the node itself). */
export interface ISearchHit {
  id: string;
  label: string;
  via?: string;
}

function elementText(el: IProvElement): string {
  const parts = [el.id];
  for (const [k, vals] of Object.entries(el.attrs)) {
    parts.push(k);
    for (const v of vals) {
      parts.push(v.text);
    }
  }
  return parts.join('\n').toLowerCase();
}

/**
 * Nodes whose element or folded members contain every whitespace-separated term of `query`
 * (case-insensitive), in drawing order; `via` names the member that matched.
 */
export function searchGraph(g: IViewGraph, query: string): ISearchHit[] {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!terms.length) {
    return [];
  }
  const hit = (el: IProvElement | undefined) => {
    if (!el) {
      return false;
    }
    const t = elementText(el);
    const l = labelOf(el, g.styleKeys.get(el.id)).toLowerCase();
    return terms.every(x => t.includes(x) || l.includes(x));
  };
  const out: ISearchHit[] = [];
  for (const n of g.nodes) {
    const el = g.doc.elements.get(n.id);
    if (hit(el) || (!el && terms.every(x => n.id.toLowerCase().includes(x)))) {
      out.push({ id: n.id, label: n.label });
      continue;
    }
    for (const m of n.members) {
      const mel = g.doc.elements.get(m);
      if (hit(mel)) {
        out.push({
          id: n.id,
          label: n.label,
          via: shorten(labelOf(mel!, g.styleKeys.get(m)), 40)
        });
        break;
      }
    }
  }
  return out;
}

/** Node ids for element ids (folded members map to their owner's node; unknown ids are dropped). */
export function nodesFor(
  g: IViewGraph,
  ids: Iterable<string> | null | undefined
): string[] {
  const out = new Set<string>();
  for (const id of ids ?? []) {
    const n = g.nodeOf(String(id));
    if (n) {
      out.add(n);
    }
  }
  return [...out];
}

export { shortId };
