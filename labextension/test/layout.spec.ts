import { describe, expect, it } from 'vitest';

import {
  IBox,
  MIN_SCALE,
  boundsOf,
  boxGrid,
  fitScale,
  hitBox,
  initialViewport,
  layoutGraph,
  outside,
  timeRanks
} from '../src/graph/layout';
import { buildView } from '../src/graph/model';
import { NODE } from '../src/graph/style';
import { demoDoc } from './demo';
import { bigDoc } from './fixtures';

const AREA = { width: 1100, height: 650 };

function overlaps(boxes: IBox[]): number {
  let n = 0;
  const s = [...boxes].sort((a, b) => a.x - b.x);
  for (let i = 0; i < s.length; i++) {
    for (
      let j = i + 1;
      j < s.length && s[j].x - s[j].w / 2 < s[i].x + s[i].w / 2;
      j++
    ) {
      if (Math.abs(s[j].y - s[i].y) < (s[i].h + s[j].h) / 2) {
        n++;
      }
    }
  }
  return n;
}

/** Screen boxes in the 1100 × 650 area at the opening viewport. */
function onScreen(
  boxes: Map<string, IBox>,
  vp: { x: number; y: number; scale: number }
) {
  return [...boxes.entries()].map(([id, b]) => ({
    id,
    left: AREA.width / 2 + (b.x - b.w / 2 - vp.x) * vp.scale,
    top: AREA.height / 2 + (b.y - b.h / 2 - vp.y) * vp.scale,
    width: b.w * vp.scale,
    height: b.h * vp.scale
  }));
}

describe('layout of the sample project (1100 × 650 graph area)', () => {
  const g = buildView(demoDoc());
  const lay = layoutGraph(g.nodes, g.edges, 'LR');
  const vp = initialViewport(lay, AREA);

  it('places every node, none overlapping', () => {
    expect(lay.boxes.size).toBe(g.nodes.length);
    expect(overlaps([...lay.boxes.values()])).toBe(0);
  });

  it('points at least 95 % of the edges left → right', () => {
    const fwd = g.edges.filter(
      e => lay.boxes.get(e.to)!.x > lay.boxes.get(e.from)!.x
    );
    expect(fwd.length / g.edges.length).toBeGreaterThanOrEqual(0.95);
  });

  it('opens at a readable zoom: every label line at least 10 px high, nodes in view', () => {
    expect(vp.scale).toBeGreaterThanOrEqual(MIN_SCALE);
    expect(
      Math.min(NODE.label_px, NODE.sub_px) * vp.scale
    ).toBeGreaterThanOrEqual(10);
    const inView = onScreen(lay.boxes, vp).filter(
      b =>
        b.left >= 0 &&
        b.top >= 0 &&
        b.left + b.width <= AREA.width &&
        b.top + b.height <= AREA.height
    );
    expect(inView.length).toBeGreaterThanOrEqual(8);
  });

  it('opens on the newest part when the graph does not fit', () => {
    const all = boundsOf(lay.boxes)!;
    expect((all.right - all.left) * vp.scale).toBeGreaterThan(AREA.width);
    // The right end of the graph is in view.
    expect(vp.x + AREA.width / 2 / vp.scale).toBeGreaterThanOrEqual(all.right);
    const newest = g.nodes.reduce((a, b) => (b.time > a.time ? b : a));
    const nb = lay.boxes.get(newest.id)!;
    expect(Math.abs(nb.x - vp.x)).toBeLessThan(AREA.width / 2 / vp.scale);
  });

  it('counts the nodes cut off at the opening: older ones to the left, none newer', () => {
    const half = {
      w: AREA.width / 2 / vp.scale,
      h: AREA.height / 2 / vp.scale
    };
    const view = {
      left: vp.x - half.w,
      right: vp.x + half.w,
      top: vp.y - half.h,
      bottom: vp.y + half.h
    };
    const n = outside(lay, view);
    const left = [...lay.boxes.values()].filter(b => b.x + b.w / 2 < view.left);
    expect(n.before).toBeGreaterThan(0);
    expect(n.before).toBeGreaterThanOrEqual(left.length);
    expect(n.after).toBe(0);
    const all = boundsOf(lay.boxes)!;
    const whole = {
      left: all.left,
      right: all.right,
      top: all.top,
      bottom: all.bottom
    };
    expect(outside(lay, whole)).toEqual({
      before: 0,
      after: 0,
      crossBefore: 0,
      crossAfter: 0
    });
  });

  it('measures the fit: below the readable scale left → right in 1100 × 650', () => {
    expect(fitScale(lay, AREA)).toBeLessThan(MIN_SCALE);
    expect(fitScale(lay, { width: 100000, height: 100000 })).toBeGreaterThan(1);
  });

  it('zooms to given ids, never below the readable scale', () => {
    const alias = g.nodes.find(n => n.key === 'm2p:ModelAlias')!;
    const one = initialViewport(lay, AREA, [alias.id]);
    expect(one.scale).toBeLessThanOrEqual(1.25);
    expect(one.x).toBeCloseTo(lay.boxes.get(alias.id)!.x);
    const many = initialViewport(
      lay,
      AREA,
      g.nodes.map(n => n.id)
    );
    expect(many.scale).toBeGreaterThanOrEqual(MIN_SCALE);
    // Targets that do not fit: centred on the newest of them, which is then on screen.
    const ids = g.nodes.map(n => n.id);
    const newest = ids.reduce((a, b) =>
      lay.boxes.get(b)!.x > lay.boxes.get(a)!.x ? b : a
    );
    expect(many.x).toBe(lay.boxes.get(newest)!.x);
  });

  it('makes the whole node box a click target, and the gaps between nodes none', () => {
    const grid = boxGrid(lay.boxes);
    for (const [id, b] of lay.boxes) {
      expect(hitBox(grid, lay.boxes, { x: b.x, y: b.y })).toBe(id);
      expect(
        hitBox(grid, lay.boxes, { x: b.x + b.w / 2 - 2, y: b.y - b.h / 2 + 2 })
      ).toBe(id);
      expect(
        hitBox(grid, lay.boxes, {
          x: b.x,
          y: b.y + b.h / 2 + NODE.node_gap / 2
        })
      ).toBe(null);
    }
  });

  it('puts people in a band before the graph (above for LR, left for TB)', () => {
    const people = g.nodes
      .filter(n => n.kind === 'agent')
      .map(n => lay.boxes.get(n.id)!);
    const others = g.nodes.filter(n => !n.lane).map(n => lay.boxes.get(n.id)!);
    const top = Math.min(...others.map(b => b.y));
    expect(people.every(b => b.y < top)).toBe(true);
    const tb = layoutGraph(g.nodes, g.edges, 'TB');
    const fwd = g.edges.filter(
      e => tb.boxes.get(e.to)!.y > tb.boxes.get(e.from)!.y
    );
    expect(fwd.length / g.edges.length).toBeGreaterThanOrEqual(0.95);
    expect(overlaps([...tb.boxes.values()])).toBe(0);
  });
});

describe('layout of a larger document', () => {
  it('stays overlap-free and forward with long metric histories and unfolded runs', () => {
    const doc = bigDoc(20000);
    const g = buildView(doc, { expand: ['mlflow:run/run3'] });
    expect(g.nodes.length).toBeLessThan(1300); // one run's 1,000 metric points unfolded
    const lay = layoutGraph(g.nodes, g.edges, 'LR');
    expect(overlaps([...lay.boxes.values()])).toBe(0);
    const fwd = g.edges.filter(
      e => lay.boxes.get(e.to)!.x > lay.boxes.get(e.from)!.x
    );
    expect(fwd.length / g.edges.length).toBeGreaterThanOrEqual(0.95);
  });
});

describe('timeRanks', () => {
  it('ranks after predecessors, pulls sources next to their successors and breaks cycles', () => {
    const r = timeRanks(
      ['a', 'b', 'c', 'd', 'x', 'y'],
      [
        ['a', 'b', 1],
        ['b', 'c', 1],
        ['d', 'c', 1],
        ['x', 'y', 1],
        ['y', 'x', 1]
      ]
    );
    expect([r.get('a'), r.get('b'), r.get('c')]).toEqual([0, 1, 2]);
    expect(r.get('d')).toBe(1);
    expect(r.get('x')).not.toBe(r.get('y'));
  });
});
