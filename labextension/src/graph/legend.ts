/**
 * The legend of what is on screen: one entry per node colour (style table legend text), the shapes of
 * the PROV kinds present, the edge styles present and the marks in use (highlight, dashed border, badges,
 * folded members). Pure: rendered by dom.ts.
 */
import type { IViewGraph } from './model';
import { STYLE, Shade, Shape, kindShape, typeStyle } from './style';

export type LegendEntry =
  | { type: 'node'; text: string; fill: Shade; border: Shade; shape: Shape }
  | { type: 'shape'; text: string; shape: Shape }
  | { type: 'edge'; text: string; dashes: false | number[] }
  | {
      type: 'mark';
      mark: 'highlight' | 'implicit' | 'folded' | 'badge' | 'band';
      text: string;
      color?: Shade;
      symbol?: string;
    };

/**
 * Legend entries for `g` with `emphasised` highlighted nodes; `bandOnSelect`: edges to people and
 * experiments are drawn for the selected node only (say so).
 */
export function legendEntries(
  g: IViewGraph,
  emphasised: number,
  bandOnSelect = false
): LegendEntry[] {
  const out: LegendEntry[] = [];
  const seen = new Set<string>();
  const kinds = new Set<string>();
  let implicit = false;
  let folded = false;
  const badges = new Set<string>();
  for (const n of g.nodes) {
    kinds.add(n.kind);
    implicit ||= n.implicit;
    folded ||= n.members.length > 0;
    if (n.badge) {
      badges.add(n.badge);
    }
    const ts = typeStyle(n.key);
    const key = `${ts.legend}\u0000${ts.fill.light}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({
        type: 'node',
        text: ts.legend,
        fill: ts.fill,
        border: ts.border,
        shape: kindShape(n.kind)
      });
    }
  }
  for (const k of ['entity', 'activity', 'agent'] as const) {
    if (kinds.has(k)) {
      out.push({
        type: 'shape',
        text: STYLE.kinds[k].legend,
        shape: STYLE.kinds[k].shape
      });
    }
  }
  const styles = new Set(g.edges.map(e => e.style));
  for (const [name, es] of Object.entries(STYLE.edge_styles)) {
    if (styles.has(name)) {
      out.push({ type: 'edge', text: es.legend, dashes: es.dashes });
    }
  }
  if (bandOnSelect) {
    out.push({ type: 'mark', mark: 'band', text: STYLE.marks.band.legend });
  }
  if (folded) {
    out.push({ type: 'mark', mark: 'folded', text: STYLE.marks.folded.legend });
  }
  if (emphasised) {
    out.push({
      type: 'mark',
      mark: 'highlight',
      text: STYLE.marks.highlight.legend,
      color: STYLE.marks.highlight.color
    });
  }
  if (implicit) {
    out.push({
      type: 'mark',
      mark: 'implicit',
      text: STYLE.marks.implicit.legend
    });
  }
  for (const [name, b] of Object.entries(STYLE.badges)) {
    if (badges.has(name)) {
      out.push({
        type: 'mark',
        mark: 'badge',
        text: b.legend,
        color: b.color,
        symbol: b.mark
      });
    }
  }
  return out;
}
