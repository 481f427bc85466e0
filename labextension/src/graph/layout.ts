/**
 * A computed layered layout for graphs too large for physics: horizontal lanes by element group (agents,
 * git activities, git entities, experiments, runs, run members, models, registry, others), nodes in each
 * lane ordered by time then id and wrapped into rows. Deterministic and O(n log n).
 */

export interface LayoutNode {
  id: string;
  kind?: string;
  ptype?: string;
  /** Epoch ms used for ordering inside a lane (NaN/undefined: after the timed ones, by id). */
  time?: number;
  x?: number;
  y?: number;
}

export const X_SPACING = 210;
export const ROW_SPACING = 80;
export const LANE_GAP = 70;

/** Lanes, top to bottom, by the local name of the primary type. */
const LANES: string[][] = [
  [],
  ['Commit'],
  ['File', 'FileRevision', 'GitBranch', 'GitTag', 'GitRemoteBranch'],
  ['Experiment', 'ExperimentCreation', 'ExperimentDeletion', 'ExperimentTag'],
  ['RunCreation', 'RunDeletion'],
  ['Run'],
  ['Param', 'Metric', 'RunTag', 'Artifact', 'ModelArtifact', 'Dataset'],
  ['LoggedModel', 'LoggedModelParam', 'LoggedModelTag'],
  [
    'RegisteredModel',
    'RegisteredModelCreation',
    'RegisteredModelTag',
    'ModelVersion',
    'ModelVersionCreation',
    'ModelVersionDeletion',
    'ModelVersionTag',
    'ModelAlias'
  ]
];
const LANE_OF = new Map<string, number>();
LANES.forEach((names, i) => names.forEach(n => LANE_OF.set(n, i)));
const OTHER_ACTIVITY_LANE = LANES.length;
const OTHER_ENTITY_LANE = LANES.length + 1;

/** Lane index of a node: agents first, then by type, unknown types by kind. */
export function laneOf(n: LayoutNode): number {
  if (n.kind === 'agent') {
    return 0;
  }
  const t = n.ptype ?? '';
  const local = t.slice(t.indexOf(':') + 1);
  const lane = LANE_OF.get(local);
  if (lane !== undefined) {
    return lane;
  }
  return n.kind === 'activity' ? OTHER_ACTIVITY_LANE : OTHER_ENTITY_LANE;
}

function byTimeThenId(a: LayoutNode, b: LayoutNode): number {
  const ta = a.time ?? NaN;
  const tb = b.time ?? NaN;
  const ha = !Number.isNaN(ta);
  const hb = !Number.isNaN(tb);
  if (ha && hb && ta !== tb) {
    return ta - tb;
  }
  if (ha !== hb) {
    return ha ? -1 : 1;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Assign `x`/`y` to every node (in place) and return the nodes. */
export function layeredLayout<T extends LayoutNode>(nodes: T[]): T[] {
  const lanes = new Map<number, T[]>();
  for (const n of nodes) {
    const l = laneOf(n);
    let list = lanes.get(l);
    if (!list) {
      list = [];
      lanes.set(l, list);
    }
    list.push(n);
  }
  const perRow = Math.max(10, Math.ceil(Math.sqrt(nodes.length) * 1.6));
  let y = 0;
  for (const l of [...lanes.keys()].sort((a, b) => a - b)) {
    const list = lanes.get(l)!.sort(byTimeThenId);
    const rows = Math.ceil(list.length / perRow);
    for (let r = 0; r < rows; r++) {
      const row = list.slice(r * perRow, (r + 1) * perRow);
      const x0 = -((row.length - 1) * X_SPACING) / 2;
      // Stagger odd rows so labels of neighbouring rows do not line up.
      const stagger = r % 2 ? X_SPACING / 2 : 0;
      row.forEach((n, i) => {
        n.x = Math.round(x0 + i * X_SPACING + stagger);
        n.y = y;
      });
      y += ROW_SPACING;
    }
    y += LANE_GAP;
  }
  return nodes;
}
