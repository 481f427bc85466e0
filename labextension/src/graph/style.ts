/**
 * Typed access to the one style table (mlflow2prov_jupyter/view_style.json, copied next to this file at
 * build time): colours, shapes, label rules, fold rules, relation flow, legend texts and theme variables.
 */
import table from './view_style.json';

import type { ElementKind, IProvElement } from './prov';
import { attrText, typesOf } from './prov';

export type Shade = { light: string; dark: string };
export type Shape = 'pill' | 'box' | 'house';

export interface ITypeStyle {
  name: string;
  legend: string;
  fill: Shade;
  border: Shade;
  label?: string[];
}

export interface IFoldRule {
  member: string;
  relation: string;
  member_end: 'from' | 'to';
  owner_types?: string[];
  noun: [string, string];
  count_by?: string;
  summary?: boolean;
  summary_text?: string;
  /** false: stays folded when its owner is unfolded. */
  unfold?: boolean;
  /** false: relations of a folded member of this rule draw no edge. */
  edges?: boolean;
}

export interface IRelationStyle {
  flow: 'reverse' | 'forward';
  text: string;
  style: string;
}

export interface IEdgeStyle {
  legend: string;
  dashes: false | number[];
  width: number;
  opacity: number;
}

export interface IStyleTable {
  node: {
    width: number;
    height: number;
    label_px: number;
    sub_px: number;
    label_chars: number;
    rank_gap: number;
    node_gap: number;
    hub_degree: number;
    min_readable_px: number;
  };
  kinds: Record<ElementKind, { shape: Shape; legend: string }>;
  types: Record<string, ITypeStyle>;
  fallback: Record<ElementKind, ITypeStyle>;
  lanes: Record<string, { kinds?: ElementKind[]; types?: string[] }>;
  fold: IFoldRule[];
  relations: Record<string, IRelationStyle>;
  edge_styles: Record<string, IEdgeStyle>;
  badges: Record<string, { legend: string; mark: string; color: Shade }>;
  marks: {
    highlight: { legend: string; color: Shade };
    implicit: { legend: string };
    folded: { legend: string };
    band: { legend: string };
  };
  theme: Record<string, { var: string } & Shade>;
}

export const STYLE = table as unknown as IStyleTable;
export const NODE = STYLE.node;

/** The style key of an element: its first prov:type the table knows, else `fallback:<kind>`. */
export function styleKey(el: IProvElement): string {
  for (const t of typesOf(el)) {
    if (t in STYLE.types) {
      return t;
    }
  }
  return `fallback:${el.kind}`;
}

export function typeStyle(key: string): ITypeStyle {
  if (key.startsWith('fallback:')) {
    return STYLE.fallback[key.slice(9) as ElementKind] ?? STYLE.fallback.entity;
  }
  return STYLE.types[key] ?? STYLE.fallback.entity;
}

export function kindShape(kind: ElementKind): Shape {
  return STYLE.kinds[kind]?.shape ?? 'pill';
}

/** Last segment of an id's local part, URL-decoded when possible (`mlflow:run/abc` → `abc`). */
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

const PLACEHOLDER = /\{([^{}]+?)(?::(\d+))?\}/g;

/** Fill one label template; null when one of its attributes is missing. */
function fill(template: string, el: IProvElement): string | null {
  let missing = false;
  const out = template.replace(PLACEHOLDER, (_, name: string, n?: string) => {
    const v = attrText(el, name);
    if (v === undefined || v === '') {
      missing = true;
      return '';
    }
    const line = v.split('\n')[0];
    return n ? line.slice(0, Number(n)) : line;
  });
  return missing ? null : out;
}

/** Short label of an element by the style table's label rule, else prov:label, else its short id. */
export function labelOf(el: IProvElement, key = styleKey(el)): string {
  for (const t of typeStyle(key).label ?? []) {
    const s = fill(t, el);
    if (s) {
      return s;
    }
  }
  return attrText(el, 'prov:label') ?? shortId(el.id);
}

/** Cut `s` to `max` characters with an ellipsis. */
export function shorten(s: string, max = NODE.label_chars): string {
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

export type ThemeName = 'light' | 'dark';

/** Current colours, resolved from CSS variables with the table's fallbacks (see theme.ts). */
export type ThemeColors = Record<
  keyof IStyleTable['theme'] & string,
  string
> & {
  mode: ThemeName;
};

/** Theme colours from the table's fallbacks only. */
export function fallbackTheme(mode: ThemeName): ThemeColors {
  const out: Record<string, string> = { mode };
  for (const [k, v] of Object.entries(STYLE.theme)) {
    out[k] = v[mode];
  }
  return out as ThemeColors;
}
