/**
 * Drawing one node on the canvas (a vis-network custom shape): the kind's shape filled with its type's
 * colour, the short label and the folded-members line, and the marks (highlight, selection, dashed
 * border for referenced-only elements, diff badge). Text is drawn with fillText: never markup.
 */
import type { ViewGraph } from './model';
import { NODE, STYLE, Shape, ThemeColors, kindShape, typeStyle } from './style';

export interface DrawState {
  graph: ViewGraph;
  theme: ThemeColors;
  /** Current zoom (text is skipped when it would be too small to read). */
  scale: number;
  emphasised: Set<string>;
}

/** Arguments vis-network passes to a custom shape's `ctxRenderer`. */
export interface CtxRendererArgs {
  ctx: CanvasRenderingContext2D;
  id: string | number;
  x: number;
  y: number;
  state: { selected: boolean; hover: boolean };
}

/** Trace the outline of `shape` for a box centred at x, y. */
export function shapePath(ctx: CanvasRenderingContext2D, shape: Shape, x: number, y: number, w: number, h: number): void {
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
export function fitText(ctx: CanvasRenderingContext2D, text: string, max: number): string {
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

/** The vis-network `ctxRenderer` drawing every node from `st` (read at draw time: theme changes apply on redraw). */
export function nodeRenderer(st: DrawState) {
  const W = NODE.width;
  const H = NODE.height;
  return ({ ctx, id, x, y, state }: CtxRendererArgs) => ({
    drawNode() {
      const n = st.graph.byId.get(String(id));
      if (!n) {
        return;
      }
      const mode = st.theme.mode;
      const ts = typeStyle(n.key);
      const shape = kindShape(n.kind);
      const emph = st.emphasised.has(n.id);
      const badge = n.badge ? STYLE.badges[n.badge] : undefined;
      if (state.selected) {
        ctx.save();
        shapePath(ctx, shape, x, y, W + 10, H + 10);
        ctx.strokeStyle = st.theme.font;
        ctx.lineWidth = 2;
        ctx.stroke();
        ctx.restore();
      }
      shapePath(ctx, shape, x, y, W, H);
      ctx.fillStyle = ts.fill[mode];
      ctx.fill();
      ctx.lineWidth = emph || badge ? 3.5 : 1.5;
      ctx.strokeStyle = emph ? STYLE.marks.highlight.color[mode] : badge ? badge.color[mode] : ts.border[mode];
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
    },
    nodeDimensions: { width: W, height: H }
  });
}
