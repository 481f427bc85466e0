/**
 * What the details panel shows for a clicked node: plain data (no DOM), rendered by `renderDetails`.
 */
import type { Graph, GraphNode } from './model';
import { labelOf } from './model';
import { ProvValue, firstText } from './prov';

export interface DetailsSection {
  heading: string;
  rows: [string, string][];
  /** Rows left out to keep the panel small. */
  more?: number;
}

export interface Details {
  title: string;
  subtitle?: string;
  sections: DetailsSection[];
}

export const MAX_MEMBER_ROWS = 300;

function valueText(v: ProvValue): string {
  if (v.lang) {
    return `${v.text} @${v.lang}`;
  }
  if (v.type && v.type !== 'xsd:string') {
    return `${v.text} (${v.type})`;
  }
  return v.text;
}

/** Details of a provToGraph node: all attributes of an element, or the members of a group node. */
export function nodeDetails(graph: Graph, node: GraphNode): Details {
  if (node.members) {
    const rows: [string, string][] = [];
    for (const id of node.members.slice(0, MAX_MEMBER_ROWS)) {
      const el = graph.elements.get(id);
      if (!el) {
        continue;
      }
      let value = labelOf(el);
      if (node.group === 'metrics') {
        const step = firstText(el.attrs, 'm2p:step');
        const val = firstText(el.attrs, 'm2p:value');
        value = `step ${step ?? '?'}: ${val ?? '?'}`;
      }
      rows.push([id, value]);
    }
    return {
      title: node.label.replace('\n', ' '),
      subtitle: `${node.count} × ${node.ptype} (collapsed ${node.group})`,
      sections: [
        {
          heading: 'Members',
          rows,
          more: Math.max(0, node.members.length - MAX_MEMBER_ROWS)
        }
      ]
    };
  }
  const el = graph.elements.get(node.id);
  const rows: [string, string][] = [
    ['id', node.id],
    ['kind', node.kind]
  ];
  if (el) {
    for (const [k, vals] of Object.entries(el.attrs)) {
      for (const v of vals) {
        rows.push([k, valueText(v)]);
      }
    }
  }
  return {
    title: el ? labelOf(el) : node.label,
    subtitle: el?.implicit ? `${node.ptype} (referenced, not described here)` : node.ptype,
    sections: [{ heading: 'Attributes', rows }]
  };
}

/**
 * Details from a plain dict (as a notebook sets the widget's `details` trait): scalar entries become rows
 * of an "Attributes" section, lists one row per value, nested dicts sections of their own. Keys `title`
 * and `subtitle` (strings) set the heading.
 */
export function detailsFromDict(d: Record<string, unknown> | null | undefined): Details | null {
  if (!d || typeof d !== 'object' || !Object.keys(d).length) {
    return null;
  }
  const main: DetailsSection = { heading: 'Attributes', rows: [] };
  const sections: DetailsSection[] = [main];
  const text = (v: unknown) =>
    v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const addRows = (sec: DetailsSection, k: string, v: unknown) => {
    if (Array.isArray(v)) {
      v.forEach(x => sec.rows.push([k, text(x)]));
    } else {
      sec.rows.push([k, text(v)]);
    }
  };
  for (const [k, v] of Object.entries(d)) {
    if ((k === 'title' || k === 'subtitle') && typeof v === 'string') {
      continue;
    }
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sec: DetailsSection = { heading: k, rows: [] };
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) {
        addRows(sec, k2, v2);
      }
      sections.push(sec);
    } else {
      addRows(main, k, v);
    }
  }
  return {
    title: typeof d['title'] === 'string' ? (d['title'] as string) : String(d['id'] ?? 'Details'),
    subtitle: typeof d['subtitle'] === 'string' ? (d['subtitle'] as string) : undefined,
    sections: sections.filter(s => s.rows.length)
  };
}
