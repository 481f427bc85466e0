/**
 * What the details panel shows for a node: plain data (no DOM), rendered by dom.ts. The full id, the
 * attributes, the linked nodes in words, and the folded members with their values.
 */
import type { IViewGraph } from './model';
import { IProvValue, firstText } from './prov';
import { STYLE, labelOf, typeStyle } from './style';

export interface IDetailsSection {
  heading: string;
  rows: [string, string][];
  /** Rows left out to keep the panel small. */
  more?: number;
}

export interface IDetailsLink {
  /** Node id to go to. */
  id: string;
  /** "used by", "generated", … as read from this node. */
  text: string;
  label: string;
}

export interface IDetails {
  id: string;
  title: string;
  subtitle: string;
  /** Folded members: how many, and whether they are drawn now. */
  fold?: { count: number; expanded: boolean };
  badge?: string;
  sections: IDetailsSection[];
  links: IDetailsLink[];
  /** Links left out of `links`. */
  moreLinks?: number;
}

export const MAX_ROWS = 200;
export const MAX_LINKS = 12;

export function valueText(v: IProvValue): string {
  if (v.lang) {
    return `${v.text} @${v.lang}`;
  }
  if (v.type === 'xsd:dateTime') {
    // To the second, in the document's offset: "2026-12-06 12:15:56 +00:00".
    const m =
      /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)?$/.exec(
        v.text
      );
    return m
      ? `${m[1]} ${m[2]}${m[3] ? ' ' + (m[3] === 'Z' ? 'UTC' : m[3]) : ''}`
      : v.text;
  }
  return v.text;
}

function memberRow(g: IViewGraph, id: string): [string, string] {
  const el = g.doc.elements.get(id);
  if (!el) {
    return [id, ''];
  }
  const key = firstText(el.attrs, 'm2p:key');
  const value = el.attrs['m2p:value'];
  if (key !== undefined && value) {
    const step = firstText(el.attrs, 'm2p:step');
    return [
      step !== undefined ? `${key} (step ${step})` : key,
      value.map(valueText).join(', ')
    ];
  }
  const path = firstText(el.attrs, 'm2p:path');
  if (path !== undefined) {
    return [path, firstText(el.attrs, 'm2p:status') ?? ''];
  }
  const start = el.attrs['prov:startTime'];
  return [labelOf(el, g.styleKeys.get(id)), start ? valueText(start[0]) : ''];
}

/** Details of node `id` of `g` (null when it is not drawn). */
export function nodeDetails(g: IViewGraph, id: string): IDetails | null {
  const node = g.byId.get(id);
  if (!node) {
    return null;
  }
  const el = g.doc.elements.get(id);
  const ts = typeStyle(node.key);
  const kind = STYLE.kinds[node.kind]?.legend ?? node.kind;
  const attrs: [string, string][] = [['id', id]];
  if (el) {
    for (const [k, vals] of Object.entries(el.attrs)) {
      attrs.push([k, vals.map(valueText).join(', ')]);
    }
  }
  const sections: IDetailsSection[] = [{ heading: 'Attributes', rows: attrs }];
  // Folded members, one section per noun, in the fold rules' order.
  const groups = new Map<string, string[]>();
  for (const m of node.members) {
    const r = g.ruleOf.get(m);
    const noun = r ? r.noun[1] : 'members';
    (groups.get(noun) ?? groups.set(noun, []).get(noun)!).push(m);
  }
  for (const [noun, ids] of groups) {
    const rows = ids.slice(0, MAX_ROWS).map(m => memberRow(g, m));
    rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    sections.push({
      heading: `${noun} (${ids.length})`,
      rows,
      more: Math.max(0, ids.length - MAX_ROWS)
    });
  }
  const links: IDetailsLink[] = [];
  let moreLinks = 0;
  // Links to other backbone nodes first, unfolded members after.
  const incident = g.edges.filter(e => e.from === id || e.to === id);
  const isMember = (e: (typeof incident)[number]) =>
    g.ownerOf.get(e.from === id ? e.to : e.from) === id;
  incident.sort((a, b) => Number(isMember(a)) - Number(isMember(b)));
  for (const e of incident) {
    if (links.length >= MAX_LINKS) {
      moreLinks++;
      continue;
    }
    const other = e.from === id ? e.to : e.from;
    const words = e.kinds.map(k => STYLE.relations[k]?.text ?? k).join(', ');
    links.push({
      id: other,
      text: e.from === id ? `→ ${words}` : `← ${words}`,
      label: g.byId.get(other)?.label ?? other
    });
  }
  const out: IDetails = {
    moreLinks,
    id,
    title: el ? labelOf(el, node.key) : node.label,
    subtitle: `${ts.name} · ${kind}${node.implicit ? ' · referenced, not described here' : ''}`,
    sections,
    links
  };
  if (node.members.length || node.expanded) {
    out.fold = { count: node.members.length, expanded: node.expanded };
  }
  if (node.badge) {
    out.badge = STYLE.badges[node.badge]?.legend ?? node.badge;
  }
  return out;
}
