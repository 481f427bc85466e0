/**
 * The layered layout (dagre's network-simplex ranking and crossing reduction) with time flowing along
 * the main axis (left → right for "LR", top → bottom for "TB"), plus the viewport a graph opens at.
 *
 * People (the style table's "people" lane) and hubs (nodes with more than `hub_degree` edges, e.g. one
 * experiment holding 800 runs) stay out of the ranking: their long edges would stretch every rank and
 * cost dagre most of its time. They go in a band before the graph, each just before its first neighbour.
 */
import { Graph, layout as dagreLayout } from '@dagrejs/dagre';

import type { IVEdge, IVNode } from './model';
import { NODE } from './style';

export type Direction = 'LR' | 'TB';

/** A stack of sinks (the runs of a commit, the members of an unfolded run) is at most this deep. */
export const STACK_ROWS = 10;
/** Above this many ranked nodes (after stacking) dagre keeps its initial order (no crossing sweeps). */
export const ORDER_SWEEPS_MAX = 300;

/** A node box: centre x/y and size, in graph coordinates. */
export interface IBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ILayout {
  boxes: Map<string, IBox>;
  direction: Direction;
  /** Nodes placed in the band outside the ranks. */
  banded: Set<string>;
  ms: number;
}

export interface IBounds {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Lay out `nodes` and `edges` (edges already oriented earlier → later). */
export function layoutGraph(
  nodes: IVNode[],
  edges: IVEdge[],
  direction: Direction = 'LR'
): ILayout {
  const t0 =
    typeof performance !== 'undefined' ? performance.now() : Date.now();
  const W = NODE.width;
  const H = NODE.height;
  const degree = new Map<string, number>();
  for (const e of edges) {
    degree.set(e.from, (degree.get(e.from) ?? 0) + 1);
    degree.set(e.to, (degree.get(e.to) ?? 0) + 1);
  }
  // Hubs by their links to non-leaves: an unfolded run with 40 members (leaves, stacked) is no hub.
  const reach = new Map<string, number>();
  for (const e of edges) {
    if ((degree.get(e.to) ?? 0) > 1) {
      reach.set(e.from, (reach.get(e.from) ?? 0) + 1);
    }
    if ((degree.get(e.from) ?? 0) > 1) {
      reach.set(e.to, (reach.get(e.to) ?? 0) + 1);
    }
  }
  const banded = new Set<string>();
  for (const n of nodes) {
    if (n.lane || (reach.get(n.id) ?? 0) > NODE.hub_degree) {
      banded.add(n.id);
    }
  }
  // Sinks with one predecessor (the runs of a commit, the params of an unfolded run) are stacked into
  // one tall dagre node per predecessor: the same picture for a fraction of dagre's time.
  const ordered = nodes.filter(n => !banded.has(n.id)).sort(byTime);
  const inner = edges.filter(e => !banded.has(e.from) && !banded.has(e.to));
  const ins = new Map<string, string[]>();
  const outDeg = new Map<string, number>();
  for (const e of inner) {
    (ins.get(e.to) ?? ins.set(e.to, []).get(e.to)!).push(e.from);
    outDeg.set(e.from, (outDeg.get(e.from) ?? 0) + 1);
  }
  const stacks = new Map<string, string[]>();
  for (const n of ordered) {
    const pred = ins.get(n.id);
    if (pred && pred.length === 1 && !outDeg.get(n.id)) {
      const key = `stack\u0000${pred[0]}`;
      (stacks.get(key) ?? stacks.set(key, []).get(key)!).push(n.id);
    }
  }
  const stackOf = new Map<string, string>();
  for (const [key, ids] of stacks) {
    if (ids.length < 2) {
      stacks.delete(key);
    } else {
      ids.forEach(id => stackOf.set(id, key));
    }
  }
  const gap = NODE.node_gap;
  /** Size of the dagre node standing for a stack of k nodes (STACK_ROWS deep, then more columns). */
  const stackSize = (k: number) => {
    const across = Math.min(k, STACK_ROWS);
    const along = Math.ceil(k / STACK_ROWS);
    const lr = {
      width: along * W + (along - 1) * gap,
      height: across * H + (across - 1) * gap
    };
    return direction === 'LR'
      ? lr
      : {
          width: across * W + (across - 1) * gap,
          height: along * H + (along - 1) * gap
        };
  };
  const g = new Graph({ multigraph: false, compound: false });
  g.setGraph({
    rankdir: direction,
    nodesep: gap,
    ranksep: NODE.rank_gap,
    marginx: 0,
    marginy: 0,
    // Ranks come from time order (timeRanks): network simplex cost ~half of dagre's time at 20k elements.
    ranker: 'none'
  });
  g.setDefaultEdgeLabel(() => ({}));
  const layerIds: string[] = [];
  const layerEdges: [string, string, number][] = [];
  // Time order first: dagre keeps the insertion order where crossings allow.
  for (const n of ordered) {
    const key = stackOf.get(n.id);
    if (!key) {
      layerIds.push(n.id);
    } else if (stacks.get(key)![0] === n.id) {
      layerIds.push(key);
    }
  }
  for (const e of inner) {
    const to = stackOf.get(e.to) ?? e.to;
    const from = stackOf.get(e.from) ?? e.from;
    if (from !== to) {
      layerEdges.push([from, to, e.style === 'solid' ? 2 : 1]);
    }
  }
  const rank = timeRanks(layerIds, layerEdges);
  for (const id of layerIds) {
    const ids = stacks.get(id);
    const size = ids ? stackSize(ids.length) : { width: W, height: H };
    // Doubled: dagre keeps a rank between two node ranks for edge labels, and expects it here too.
    g.setNode(id, { ...size, rank: 2 * (rank.get(id) ?? 0) });
  }
  for (const [from, to, weight] of layerEdges) {
    // Edges against the ranks (a broken cycle) are drawn but not laid out: dagre's given-rank mode
    // expects every edge to go forward.
    if ((rank.get(to) ?? 0) > (rank.get(from) ?? 0)) {
      g.setEdge(from, to, { minlen: 1, weight });
    }
  }
  // Crossing reduction (dagre's order sweeps) is most of its time; for big graphs its first order
  // (depth first along the time-ordered edges) reads well enough.
  dagreLayout(g, {
    disableOptimalOrderHeuristic: layerIds.length > ORDER_SWEEPS_MAX
  } as never);
  const boxes = new Map<string, IBox>();
  for (const n of ordered) {
    if (!stackOf.has(n.id)) {
      const p = g.node(n.id) as { x: number; y: number };
      boxes.set(n.id, { x: p.x, y: p.y, w: W, h: H });
    }
  }
  for (const [key, ids] of stacks) {
    const p = g.node(key) as { x: number; y: number };
    const size = stackSize(ids.length);
    const rows = Math.min(ids.length, STACK_ROWS);
    ids.forEach((id, i) => {
      // Column by column along the time axis, STACK_ROWS deep across it.
      const across = i % rows;
      const along = Math.floor(i / rows);
      if (direction === 'LR') {
        const x = p.x - size.width / 2 + W / 2 + along * (W + gap);
        const y = p.y - size.height / 2 + H / 2 + across * (H + gap);
        boxes.set(id, { x, y, w: W, h: H });
      } else {
        const x = p.x - size.width / 2 + W / 2 + across * (W + gap);
        const y = p.y - size.height / 2 + H / 2 + along * (H + gap);
        boxes.set(id, { x, y, w: W, h: H });
      }
    });
  }
  placeBand(nodes, edges, banded, boxes, direction);
  const t1 =
    typeof performance !== 'undefined' ? performance.now() : Date.now();
  return { boxes, direction, banded, ms: t1 - t0 };
}

/**
 * Ranks along the time axis in O(V + E): ids come in time order; each node goes one rank after its
 * latest predecessor, nodes without predecessors one rank before their earliest successor. A cycle is
 * broken at its earliest node.
 */
export function timeRanks(
  ids: string[],
  edges: [string, string, number][]
): Map<string, number> {
  const index = new Map(ids.map((id, i) => [id, i]));
  const preds: number[][] = ids.map(() => []);
  const succs: number[][] = ids.map(() => []);
  const indeg = new Int32Array(ids.length);
  for (const [f, t] of edges) {
    const a = index.get(f);
    const b = index.get(t);
    if (a === undefined || b === undefined || a === b) {
      continue;
    }
    preds[b].push(a);
    succs[a].push(b);
    indeg[b]++;
  }
  const rank = new Int32Array(ids.length);
  const done = new Uint8Array(ids.length);
  const order: number[] = [];
  const queue: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (!indeg[i]) {
      queue.push(i);
    }
  }
  let next = 0; // earliest node not yet placed (cycle breaking)
  while (order.length < ids.length) {
    if (!queue.length) {
      while (done[next]) {
        next++;
      }
      queue.push(next);
      indeg[next] = 0;
    }
    const v = queue.pop()!;
    if (done[v]) {
      continue;
    }
    done[v] = 1;
    order.push(v);
    for (const w of succs[v]) {
      if (!done[w]) {
        rank[w] = Math.max(rank[w], rank[v] + 1);
        if (--indeg[w] === 0) {
          queue.push(w);
        }
      }
    }
  }
  for (let k = order.length - 1; k >= 0; k--) {
    const v = order[k];
    if (!preds[v].length && succs[v].length) {
      let min = Infinity;
      for (const w of succs[v]) {
        min = Math.min(min, rank[w]);
      }
      rank[v] = Math.max(rank[v], min - 1);
    }
  }
  return new Map(ids.map((id, i) => [id, rank[i]]));
}

function byTime(a: IVNode, b: IVNode): number {
  const ha = !Number.isNaN(a.time);
  const hb = !Number.isNaN(b.time);
  if (ha && hb && a.time !== b.time) {
    return a.time - b.time;
  }
  if (ha !== hb) {
    return ha ? -1 : 1;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Place banded nodes in rows before the ranked graph (above it for LR, left of it for TB): each at the
 * main-axis position just before its earliest later neighbour, so its edges still point forward.
 */
function placeBand(
  nodes: IVNode[],
  edges: IVEdge[],
  banded: Set<string>,
  boxes: Map<string, IBox>,
  dir: Direction
): void {
  if (!banded.size) {
    return;
  }
  const W = NODE.width;
  const H = NODE.height;
  // u: main (time) axis, v: cross axis.
  const u = (b: IBox) => (dir === 'LR' ? b.x : b.y);
  const v = (b: IBox) => (dir === 'LR' ? b.y : b.x);
  const len = dir === 'LR' ? W : H; // box length along u
  const thick = dir === 'LR' ? H : W; // box thickness along v
  const outs = new Map<string, number>();
  const ins = new Map<string, number>();
  for (const e of edges) {
    const bt = boxes.get(e.to);
    const bf = boxes.get(e.from);
    if (banded.has(e.from) && bt) {
      outs.set(e.from, Math.min(outs.get(e.from) ?? Infinity, u(bt)));
    }
    if (banded.has(e.to) && bf) {
      ins.set(e.to, Math.max(ins.get(e.to) ?? -Infinity, u(bf)));
    }
  }
  let minU = Infinity;
  let minV = Infinity;
  for (const b of boxes.values()) {
    minU = Math.min(minU, u(b) - len / 2);
    minV = Math.min(minV, v(b) - thick / 2);
  }
  if (!Number.isFinite(minU)) {
    minU = 0;
    minV = 0;
  }
  const want: { id: string; at: number }[] = [];
  for (const n of nodes) {
    if (!banded.has(n.id)) {
      continue;
    }
    const o = outs.get(n.id);
    const i = ins.get(n.id);
    let at: number;
    if (o !== undefined) {
      at = o - len * 0.6; // just before its first later neighbour
    } else if (i !== undefined) {
      at = i + len * 0.6;
    } else {
      at = minU + len / 2;
    }
    want.push({ id: n.id, at });
  }
  const gap = NODE.node_gap;
  const rowOf = new Map<string, number>();
  if (dir === 'TB') {
    // Standing, a band column costs a node's width (184 px) but moving a node up costs only its height
    // (46 px): latest first, a node that does not fit where it wants goes just above the one below it,
    // still before its neighbours (edges keep pointing forward). One column instead of two keeps a
    // passport's chain narrow enough to stand beside a side panel.
    want.sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : 1));
    let start = Infinity;
    for (const w of want) {
      w.at = Math.min(w.at, start - gap - len / 2);
      start = w.at - len / 2;
      rowOf.set(w.id, 0);
    }
  } else {
    want.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
    const rowEnd: number[] = [];
    for (const w of want) {
      let r = rowEnd.findIndex(end => end + gap <= w.at - len / 2);
      if (r < 0) {
        r = rowEnd.length;
        rowEnd.push(-Infinity);
      }
      rowEnd[r] = w.at + len / 2;
      rowOf.set(w.id, r);
    }
  }
  const bandGap = NODE.rank_gap;
  for (const w of want) {
    const r = rowOf.get(w.id)!;
    // Row 0 nearest the graph.
    const cross =
      (Number.isFinite(minV) ? minV : 0) -
      bandGap -
      thick / 2 -
      r * (thick + gap);
    boxes.set(
      w.id,
      dir === 'LR'
        ? { x: w.at, y: cross, w: W, h: H }
        : { x: cross, y: w.at, w: W, h: H }
    );
  }
}

/** Bounds of the boxes of `ids` (all boxes when omitted). */
export function boundsOf(
  boxes: Map<string, IBox>,
  ids?: Iterable<string>
): IBounds | null {
  let b: IBounds | null = null;
  const list = ids
    ? [...ids].map(id => boxes.get(id)).filter((x): x is IBox => !!x)
    : [...boxes.values()];
  for (const x of list) {
    const l = x.x - x.w / 2;
    const t = x.y - x.h / 2;
    const r = x.x + x.w / 2;
    const btm = x.y + x.h / 2;
    if (!b) {
      b = { left: l, top: t, right: r, bottom: btm };
    } else {
      b.left = Math.min(b.left, l);
      b.top = Math.min(b.top, t);
      b.right = Math.max(b.right, r);
      b.bottom = Math.max(b.bottom, btm);
    }
  }
  return b;
}

/** The smallest zoom at which every label is at least `min_readable_px` high on screen. */
export const MIN_SCALE =
  Math.ceil(
    (NODE.min_readable_px / Math.min(NODE.label_px, NODE.sub_px)) * 100
  ) / 100;
export const MAX_FIT_SCALE = 1.25;

export interface IViewport {
  /** Graph coordinates shown at the centre of the area. */
  x: number;
  y: number;
  scale: number;
}

/**
 * Where a graph opens: all of it when it fits at a readable zoom; else the readable zoom (never below
 * MIN_SCALE), centred on `focus` (ids to zoom to) or on the newest part (the end of the time axis).
 */
const VIEW_MARGIN = 24;

/** The zoom at which the whole layout fills `area` (inside the view's margin); Infinity when empty. */
export function fitScale(
  layout: ILayout,
  area: { width: number; height: number }
): number {
  const b = boundsOf(layout.boxes);
  if (!b) {
    return Infinity;
  }
  const w = Math.max(1, area.width - 2 * VIEW_MARGIN);
  const h = Math.max(1, area.height - 2 * VIEW_MARGIN);
  return Math.min(w / (b.right - b.left), h / (b.bottom - b.top));
}

/**
 * Node counts outside `view` (graph coordinates) on each side: `before`/`after` along the time axis
 * (older/newer), `crossBefore`/`crossAfter` across it. A node counts once, on the side it is furthest out.
 */
export function outside(
  layout: ILayout,
  view: { left: number; top: number; right: number; bottom: number }
): { before: number; after: number; crossBefore: number; crossAfter: number } {
  const out = { before: 0, after: 0, crossBefore: 0, crossAfter: 0 };
  const lr = layout.direction === 'LR';
  for (const b of layout.boxes.values()) {
    const left = view.left - (b.x + b.w / 2);
    const right = b.x - b.w / 2 - view.right;
    const top = view.top - (b.y + b.h / 2);
    const bottom = b.y - b.h / 2 - view.bottom;
    const worst = Math.max(left, right, top, bottom);
    if (worst <= 0) {
      continue;
    }
    const side =
      worst === left
        ? lr
          ? 'before'
          : 'crossBefore'
        : worst === right
          ? lr
            ? 'after'
            : 'crossAfter'
          : worst === top
            ? lr
              ? 'crossBefore'
              : 'before'
            : lr
              ? 'crossAfter'
              : 'after';
    out[side] += 1;
  }
  return out;
}

export function initialViewport(
  layout: ILayout,
  area: { width: number; height: number },
  focus?: string[] | null
): IViewport {
  const margin = VIEW_MARGIN;
  const target = focus && focus.length ? boundsOf(layout.boxes, focus) : null;
  const all = boundsOf(layout.boxes);
  const b = target ?? all;
  if (!b || !all) {
    return { x: 0, y: 0, scale: 1 };
  }
  const w = Math.max(1, area.width - 2 * margin);
  const h = Math.max(1, area.height - 2 * margin);
  const fit = Math.min(w / (b.right - b.left), h / (b.bottom - b.top));
  const scale = Math.max(MIN_SCALE, Math.min(MAX_FIT_SCALE, fit));
  if (fit >= MIN_SCALE) {
    return { x: (b.left + b.right) / 2, y: (b.top + b.bottom) / 2, scale };
  }
  if (target && focus) {
    // Spread-out targets: centre on the newest of them (the centre of their bounds may hold none).
    const along = (bx: IBox) => (layout.direction === 'LR' ? bx.x : bx.y);
    const boxes = focus
      .map(id => layout.boxes.get(id))
      .filter((x): x is IBox => !!x);
    const newest = boxes.reduce((a, c) => (along(c) > along(a) ? c : a));
    return { x: newest.x, y: newest.y, scale };
  }
  // Too big: show the newest end of the time axis, centred across on what is there.
  const viewW = w / scale;
  const viewH = h / scale;
  if (layout.direction === 'LR') {
    const x = Math.max(all.left + viewW / 2, all.right - viewW / 2);
    const inView = [...layout.boxes.values()].filter(
      bx => bx.x + bx.w / 2 >= x - viewW / 2
    );
    const y = crossCentre(
      inView.map(bx => bx.y),
      all.top,
      all.bottom,
      viewH
    );
    return { x, y, scale };
  }
  const y = Math.max(all.top + viewH / 2, all.bottom - viewH / 2);
  const inView = [...layout.boxes.values()].filter(
    bx => bx.y + bx.h / 2 >= y - viewH / 2
  );
  const x = crossCentre(
    inView.map(bx => bx.x),
    all.left,
    all.right,
    viewW
  );
  return { x, y, scale };
}

/** Centre across the time axis: the middle of what is in view, kept inside the graph. */
function crossCentre(
  vals: number[],
  lo: number,
  hi: number,
  span: number
): number {
  if (hi - lo <= span) {
    return (lo + hi) / 2;
  }
  const sorted = vals.sort((a, b) => a - b);
  const mid = sorted.length
    ? sorted[Math.floor(sorted.length / 2)]
    : (lo + hi) / 2;
  return Math.min(hi - span / 2, Math.max(lo + span / 2, mid));
}

const CELL = 256;
const cellKey = (i: number, j: number) => `${i},${j}`;

/** Node ids by the grid cells their boxes meet, for hit tests in O(1). */
export function boxGrid(boxes: Map<string, IBox>): Map<string, string[]> {
  const grid = new Map<string, string[]>();
  for (const [id, b] of boxes) {
    for (
      let i = Math.floor((b.x - b.w / 2) / CELL);
      i <= Math.floor((b.x + b.w / 2) / CELL);
      i++
    ) {
      for (
        let j = Math.floor((b.y - b.h / 2) / CELL);
        j <= Math.floor((b.y + b.h / 2) / CELL);
        j++
      ) {
        const k = cellKey(i, j);
        (grid.get(k) ?? grid.set(k, []).get(k)!).push(id);
      }
    }
  }
  return grid;
}

/** The node whose box holds point `p` (graph coordinates), or null: the whole box is the click target. */
export function hitBox(
  grid: Map<string, string[]>,
  boxes: Map<string, IBox>,
  p: { x: number; y: number }
): string | null {
  for (const id of grid.get(
    cellKey(Math.floor(p.x / CELL), Math.floor(p.y / CELL))
  ) ?? []) {
    const b = boxes.get(id)!;
    if (Math.abs(p.x - b.x) <= b.w / 2 && Math.abs(p.y - b.y) <= b.h / 2) {
      return id;
    }
  }
  return null;
}
