/**
 * PROV drawing conventions (the colours and shapes of the W3C PROV diagrams and of prov's dot output):
 * entities yellow ellipses, activities blue rectangles, agents orange "house" pentagons.
 */
import type { ElementKind } from './prov';

export interface KindStyle {
  background: string;
  border: string;
  shape: string;
}

export const KIND_STYLE: Record<ElementKind, KindStyle> = {
  entity: { background: '#FFFC87', border: '#808080', shape: 'ellipse' },
  activity: { background: '#9FB1FC', border: '#0000FF', shape: 'box' },
  agent: { background: '#FED37F', border: '#000000', shape: 'house' }
};

export const HIGHLIGHT_BORDER = '#E6007E';
export const DIMMED_FONT = '#B0B0B0';
export const FONT_FACE = 'sans-serif';
export const FONT_SIZE = 12;

/** Colour with alpha, for dimmed (non-matching) nodes. */
export function fade(hex: string, alpha = 0.25): string {
  const h = hex.replace('#', '');
  const r = parseInt(h.slice(0, 2), 16);
  const g = parseInt(h.slice(2, 4), 16);
  const b = parseInt(h.slice(4, 6), 16);
  return `rgba(${r},${g},${b},${alpha})`;
}

/** Arguments vis-network passes to a custom shape's `ctxRenderer`. */
export interface CtxRendererArgs {
  ctx: CanvasRenderingContext2D;
  id: string;
  x: number;
  y: number;
  state: { selected: boolean; hover: boolean };
  style: {
    color?: string;
    borderColor?: string;
    borderWidth?: number;
    borderDashes?: boolean | number[];
  };
  label?: string;
}

/**
 * A vis-network `ctxRenderer` drawing a "house" (a rectangle under a roof) around the label, since
 * vis-network has no such built-in shape. The label is drawn with `fillText` (canvas: never markup).
 */
export function houseRenderer(fontColor = '#000000') {
  return ({ ctx, x, y, state, style, label }: CtxRendererArgs) => {
    const lines = String(label ?? '').split('\n');
    ctx.font = `${FONT_SIZE}px ${FONT_FACE}`;
    const textW = Math.max(0, ...lines.map(l => ctx.measureText(l).width));
    const lineH = FONT_SIZE + 3;
    const w = Math.max(48, textW + 20);
    const body = lines.length * lineH + 12;
    const roof = Math.min(18, w / 3);
    const h = body + roof;
    const top = y - h / 2;
    const bodyTop = top + roof;
    return {
      drawNode() {
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x + w / 2, bodyTop);
        ctx.lineTo(x + w / 2, top + h);
        ctx.lineTo(x - w / 2, top + h);
        ctx.lineTo(x - w / 2, bodyTop);
        ctx.closePath();
        ctx.fillStyle = style.color ?? KIND_STYLE.agent.background;
        ctx.fill();
        const bw = style.borderWidth ?? 1;
        ctx.lineWidth = state.selected ? Math.max(bw, 2) * 1.5 : bw;
        ctx.strokeStyle = style.borderColor ?? KIND_STYLE.agent.border;
        if (Array.isArray(style.borderDashes)) {
          ctx.setLineDash(style.borderDashes);
        }
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = fontColor;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        const first = bodyTop + 6 + lineH / 2;
        lines.forEach((l, i) => ctx.fillText(l, x, first + i * lineH));
      },
      nodeDimensions: { width: w, height: h }
    };
  };
}
