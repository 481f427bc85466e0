/**
 * Drawing the graph on vis-network's canvas (graph coordinates, in its `beforeDrawing` hook): edges as
 * curves with arrowheads, then nodes — the kind's shape filled with its type's colour, the short label and
 * the folded-members line, and the marks (highlight, selection, dashed border for referenced-only elements,
 * diff badge). vis-network only pans, zooms and reports clicks: its per-node and per-edge set-up cost most
 * of the first paint of big graphs. Text is drawn with fillText: never markup.
 */
import type { IVEdge, IVNode, IViewGraph } from './model';
import { NODE, STYLE, Shape, ThemeColors, kindShape, typeStyle } from './style';

export interface IDrawState {
  graph: IViewGraph;
  theme: ThemeColors;
  /** Current zoom (text is skipped when it would be too small to read). */
  scale: number;
  emphasised: Set<string>;
}

/** Trace the outline of `shape` for a box centred at x, y. */
export function shapePath(
  ctx: CanvasRenderingContext2D,
  shape: Shape,
  x: number,
  y: number,
  w: number,
  h: number
): void {
  const l = x - w / 2;
  const t = y - h / 2;
  ctx.beginPath();
  if (shape === 'house') {
    const roof = 10;
    ctx.moveTo(l, t + roof);
    ctx.lineTo(x, t);
    ctx.lineTo(l + w, t + roof);
    ctx.lineTo(l + w, t + h);
    ctx.lineTo(l, t + h);
    ctx.closePath();
    return;
  }
  const r = shape === 'pill' ? h / 2 : 3;
  ctx.moveTo(l + r, t);
  ctx.lineTo(l + w - r, t);
  ctx.arcTo(l + w, t, l + w, t + r, r);
  ctx.lineTo(l + w, t + h - r);
  ctx.arcTo(l + w, t + h, l + w - r, t + h, r);
  ctx.lineTo(l + r, t + h);
  ctx.arcTo(l, t + h, l, t + h - r, r);
  ctx.lineTo(l, t + r);
  ctx.arcTo(l, t, l + r, t, r);
  ctx.closePath();
}

const fitted = new Map<string, string>();

/** `text` cut with an ellipsis to fit `max` px in the current font (cached per font and text). */
export function fitText(
  ctx: CanvasRenderingContext2D,
  text: string,
  max: number
): string {
  const key = `${ctx.font}\u0000${max}\u0000${text}`;
  let out = fitted.get(key);
  if (out !== undefined) {
    return out;
  }
  out = text;
  if (ctx.measureText(text).width > max) {
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ctx.measureText(text.slice(0, mid) + '…').width <= max) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    out = text.slice(0, lo) + '…';
  }
  if (fitted.size > 50000) {
    fitted.clear();
  }
  fitted.set(key, out);
  return out;
}

/** Draw node `n` centred at x, y (graph coordinates). */
export function drawNode(
  ctx: CanvasRenderingContext2D,
  st: IDrawState,
  n: IVNode,
  x: number,
  y: number,
  selected: boolean
): void {
  const W = NODE.width;
  const H = NODE.height;
  const mode = st.theme.mode;
  const ts = typeStyle(n.key);
  const shape = kindShape(n.kind);
  const emph = st.emphasised.has(n.id);
  const badge = n.badge ? STYLE.badges[n.badge] : undefined;
  if (selected) {
    shapePath(ctx, shape, x, y, W + 10, H + 10);
    ctx.strokeStyle = st.theme.font;
    ctx.lineWidth = 2;
    ctx.stroke();
  }
  shapePath(ctx, shape, x, y, W, H);
  ctx.fillStyle = ts.fill[mode];
  ctx.fill();
  ctx.lineWidth = emph || badge ? 3.5 : 1.5;
  ctx.strokeStyle = emph
    ? STYLE.marks.highlight.color[mode]
    : badge
      ? badge.color[mode]
      : ts.border[mode];
  ctx.setLineDash(n.implicit ? [5, 4] : []);
  ctx.stroke();
  ctx.setLineDash([]);
  if (badge) {
    const bx = x + W / 2 - 6;
    const by = y - H / 2 + 2;
    ctx.beginPath();
    ctx.arc(bx, by, 9, 0, 2 * Math.PI);
    ctx.fillStyle = badge.color[mode];
    ctx.fill();
    ctx.fillStyle = mode === 'dark' ? '#000000' : '#FFFFFF';
    ctx.font = `bold 13px ${st.theme.font_family}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(badge.mark, bx, by + 1);
  }
  if (st.scale * NODE.sub_px < 5) {
    return; // unreadably small: shapes only (also much faster when zoomed far out)
  }
  const inner = W - (shape === 'pill' ? H * 0.6 : 16);
  const dy = shape === 'house' ? 4 : 0;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = st.theme.font;
  ctx.font = `600 ${NODE.label_px}px ${st.theme.font_family}`;
  const two = !!n.sub;
  ctx.fillText(fitText(ctx, n.label, inner), x, y + dy + (two ? -8 : 0));
  if (two) {
    ctx.fillStyle = st.theme.font_muted;
    ctx.font = `${NODE.sub_px}px ${st.theme.font_family}`;
    ctx.fillText(fitText(ctx, n.sub, inner), x, y + dy + 10);
  }
}

/** Draw every node whose box meets `view` (graph coordinates); the selected one last (on top). */
export function drawNodes(
  ctx: CanvasRenderingContext2D,
  st: IDrawState,
  pos: PositionOf,
  selected: string | null,
  view: { left: number; top: number; right: number; bottom: number }
): void {
  const W = NODE.width / 2 + 8;
  const H = NODE.height / 2 + 8;
  ctx.save();
  for (const n of st.graph.nodes) {
    const p = pos(n.id);
    if (
      !p ||
      n.id === selected ||
      p.x + W < view.left ||
      p.x - W > view.right ||
      p.y + H < view.top ||
      p.y - H > view.bottom
    ) {
      continue;
    }
    drawNode(ctx, st, n, p.x, p.y, false);
  }
  const sp = selected ? pos(selected) : undefined;
  const sn = selected ? st.graph.byId.get(selected) : undefined;
  if (sp && sn) {
    drawNode(ctx, st, sn, sp.x, sp.y, true);
  }
  ctx.restore();
}

/** Where a node is now (vis-network's current positions: nodes can be dragged). */
export type PositionOf = (id: string) => { x: number; y: number } | undefined;

export interface IEdgeDrawState {
  edges: IVEdge[];
  direction: 'LR' | 'TB';
  /** The selected node: its edges are drawn emphasised. */
  selected: string | null;
}

/**
 * Draw the edges on the canvas (graph coordinates: vis-network's `beforeDrawing` context), each a curve
 * from the earlier node's trailing side to the later node's leading side with an arrowhead; edges outside
 * `view` (graph coordinates) are skipped. Drawn here rather than as vis-network edges: vis-network's
 * per-edge set-up cost most of the first paint of big graphs.
 */
export function drawEdges(
  ctx: CanvasRenderingContext2D,
  st: IDrawState,
  es: IEdgeDrawState,
  pos: PositionOf,
  view: { left: number; top: number; right: number; bottom: number }
): void {
  const W = NODE.width;
  const H = NODE.height;
  const lr = es.direction === 'LR';
  const zoomedOut = st.scale < 0.3;
  const styles = STYLE.edge_styles;
  // Batch by (style, emphasis): one stroke per batch.
  const batches = new Map<string, IVEdge[]>();
  for (const e of es.edges) {
    const hot =
      es.selected !== null && (e.from === es.selected || e.to === es.selected);
    const key = `${hot ? 1 : 0}${e.style}`;
    (batches.get(key) ?? batches.set(key, []).get(key)!).push(e);
  }
  const keys = [...batches.keys()].sort(); // emphasised last (on top)
  for (const key of keys) {
    const hot = key[0] === '1';
    const es0 = styles[key.slice(1)] ?? styles.solid;
    ctx.save();
    ctx.strokeStyle = hot ? st.theme.font : st.theme.edge;
    ctx.fillStyle = ctx.strokeStyle;
    ctx.globalAlpha = hot ? 1 : es0.opacity;
    ctx.lineWidth = (hot ? es0.width + 1 : es0.width) / Math.max(st.scale, 0.5);
    ctx.setLineDash(es0.dashes && !zoomedOut ? es0.dashes : []);
    const heads: [number, number, number, number][] = [];
    ctx.beginPath();
    for (const e of batches.get(key)!) {
      const a = pos(e.from);
      const b = pos(e.to);
      if (!a || !b) {
        continue;
      }
      const sx = lr ? a.x + W / 2 : a.x;
      const sy = lr ? a.y : a.y + H / 2;
      const tx = lr ? b.x - W / 2 : b.x;
      const ty = lr ? b.y : b.y - H / 2;
      if (
        Math.max(sx, tx) < view.left ||
        Math.min(sx, tx) > view.right ||
        Math.max(sy, ty) < view.top ||
        Math.min(sy, ty) > view.bottom
      ) {
        continue;
      }
      const bend = Math.max(30, Math.abs(lr ? tx - sx : ty - sy) * 0.5);
      const c1x = lr ? sx + bend : sx;
      const c1y = lr ? sy : sy + bend;
      const c2x = lr ? tx - bend : tx;
      const c2y = lr ? ty : ty - bend;
      ctx.moveTo(sx, sy);
      ctx.bezierCurveTo(c1x, c1y, c2x, c2y, tx, ty);
      heads.push([tx, ty, tx - c2x, ty - c2y]);
    }
    ctx.stroke();
    ctx.setLineDash([]);
    // Arrowheads along the curve's end tangent.
    const size = 8;
    ctx.beginPath();
    for (const [x, y, dx, dy] of heads) {
      const len = Math.hypot(dx, dy) || 1;
      const ux = dx / len;
      const uy = dy / len;
      ctx.moveTo(x, y);
      ctx.lineTo(
        x - ux * size - uy * size * 0.45,
        y - uy * size + ux * size * 0.45
      );
      ctx.lineTo(
        x - ux * size + uy * size * 0.45,
        y - uy * size - ux * size * 0.45
      );
      ctx.closePath();
    }
    ctx.fill();
    ctx.restore();
  }
}
