import { describe, expect, it } from 'vitest';

import { layeredLayout, laneOf } from '../src/graph/layout';
import { matchNodes, provToGraph, searchTexts, shortId } from '../src/graph/model';
import { countElements, decodeValue, parseProvJson, primaryType } from '../src/graph/prov';
import { nodeDetails, detailsFromDict } from '../src/graph/details';
import { houseRenderer } from '../src/graph/style';
import { HOSTILE_IMG, HOSTILE_SCRIPT, bigDoc, hostileDoc, sampleDoc } from './fixtures';

const byId = <T extends { id: string }>(xs: T[], id: string) => xs.find(x => x.id === id)!;

describe('parseProvJson', () => {
  it('reads elements, relations, counts and typed values', () => {
    const p = parseProvJson(sampleDoc());
    expect(p.counts).toMatchObject({ entity: 12, activity: 4, agent: 2, hadMember: 8, wasGeneratedBy: 11 });
    expect(p.relations).toHaveLength(28);
    const run = p.elements.get('mlflow:run/r1')!;
    expect(run.kind).toBe('entity');
    expect(run.attrs['prov:type'].map(v => v.text)).toEqual(['m2p:Run', 'prov:Collection']);
    expect(primaryType(run)).toBe('m2p:Run');
    const assoc = p.relations.find(r => r.kind === 'wasAssociatedWith')!;
    expect(assoc.from).toBe('git:commit/c0');
    expect(assoc.to).toBe('user:git/ann%40x.org');
    expect(assoc.attrs['prov:role'].map(v => v.text)).toEqual(['CommitAuthor', 'Committer']);
    const gen = p.relations.find(r => r.kind === 'wasGeneratedBy')!;
    expect(gen.formal['prov:time']).toBe('2025-01-01T10:00:00+00:00');
  });

  it('accepts text, flattens bundles, unions repeated records and adds referenced-only elements', () => {
    const doc = {
      entity: { 'ex:a': [{ 'prov:label': 'A' }, { 'ex:n': 1 }] },
      bundle: {
        'ex:b': {
          activity: { 'ex:act': {} },
          wasGeneratedBy: { '_:g': { 'prov:entity': 'ex:a', 'prov:activity': 'ex:act' } },
          wasAssociatedWith: { '_:w': { 'prov:activity': 'ex:act', 'prov:agent': 'ex:someone' } }
        }
      }
    };
    const p = parseProvJson(JSON.stringify(doc));
    const a = p.elements.get('ex:a')!;
    expect(a.attrs['prov:label'][0].text).toBe('A');
    expect(a.attrs['ex:n'][0]).toEqual({ text: '1', type: 'xsd:int' });
    expect(p.elements.get('ex:act')!.kind).toBe('activity');
    const someone = p.elements.get('ex:someone')!;
    expect(someone).toMatchObject({ kind: 'agent', implicit: true });
    expect(primaryType(someone)).toBe('prov:Agent');
    expect(p.counts.entity).toBe(2);
    expect(countElements(doc)).toBe(2);
    expect(countElements(sampleDoc())).toBe(18);
  });

  it('decodes every PROV-JSON value form', () => {
    expect(decodeValue('x')).toEqual({ text: 'x' });
    expect(decodeValue(true)).toEqual({ text: 'true', type: 'xsd:boolean' });
    expect(decodeValue(2.5)).toEqual({ text: '2.5', type: 'xsd:double' });
    expect(decodeValue({ $: 'NaN', type: 'xsd:double' })).toEqual({ text: 'NaN', type: 'xsd:double' });
    expect(decodeValue({ $: 'hallo', lang: 'de' })).toEqual({ text: 'hallo', lang: 'de' });
  });

  it('rejects a non-object with one line', () => {
    expect(() => parseProvJson([1, 2])).toThrow('not a PROV-JSON document');
  });
});

describe('provToGraph', () => {
  it('maps elements to styled nodes and relations to labelled edges (metric series collapsed by default)', () => {
    const g = provToGraph(sampleDoc());
    expect(g.stats).toMatchObject({ elements: 18, relations: 28, nodes: 16, edges: 24, collapsed: 3, hidden: 0 });
    const commit = byId(g.nodes, 'git:commit/c0');
    expect(commit).toMatchObject({ kind: 'activity', shape: 'box', ptype: 'm2p:Commit', label: 'c0 commit 0' });
    expect(commit.color.background).toBe('#9FB1FC');
    expect(byId(g.nodes, 'mlflow:run/r1')).toMatchObject({ shape: 'ellipse' });
    expect(byId(g.nodes, 'mlflow:run/r1').color.background).toBe('#FFFC87');
    expect(byId(g.nodes, 'user:mlflow/alice')).toMatchObject({ shape: 'house', kind: 'agent' });
    expect(byId(g.nodes, 'user:mlflow/alice').color.background).toBe('#FED37F');
    const series = byId(g.nodes, 'group:metrics:mlflow:run/r1/metric/loss');
    expect(series).toMatchObject({ count: 3, group: 'metrics', label: 'loss ×3', ptype: 'm2p:Metric' });
    expect(series.members).toEqual([0, 1, 2].map(s => `mlflow:run/r1/metric/loss/${s}`));
    // a series of one stays a plain node
    expect(byId(g.nodes, 'mlflow:run/r1/metric/acc/0')).toBeTruthy();
    const member = g.edges.find(e => e.kind === 'hadMember' && e.to === series.id)!;
    expect(member).toMatchObject({ from: 'mlflow:run/r1', count: 3, label: 'hadMember ×3', arrows: 'to' });
    const assoc = g.edges.find(e => e.from === 'git:commit/c0' && e.kind === 'wasAssociatedWith')!;
    expect(assoc.label).toBe('wasAssociatedWith');
    expect(assoc.tooltip).toContain('prov:role: CommitAuthor, Committer');
    expect(new Set(g.edges.map(e => e.id)).size).toBe(g.edges.length);
  });

  it('shows every metric value without collapse', () => {
    const g = provToGraph(sampleDoc(), { collapseMetrics: false });
    expect(g.stats).toMatchObject({ nodes: 18, edges: 28, collapsed: 0 });
    expect(g.nodes.some(n => n.group)).toBe(false);
  });

  it('collapses run members per collection and type', () => {
    const g = provToGraph(sampleDoc(), { collapseRunMembers: true });
    expect(g.stats).toMatchObject({ nodes: 15, edges: 22, collapsed: 5 });
    const params = g.nodes.find(n => n.group === 'members')!;
    expect(params).toMatchObject({ count: 2, label: '2 × Param', ptype: 'm2p:Param' });
    expect(g.nodes.find(n => n.id === 'mlflow:run/r1/tag/mlflow.user')).toBeTruthy();
  });

  it('collapses the revisions of a file and drops the edges inside the group', () => {
    const g = provToGraph(sampleDoc(), { collapseRevisions: true });
    expect(g.stats).toMatchObject({ nodes: 15, edges: 22 });
    const revs = byId(g.nodes, 'group:revisions:git:file/c0/README.md');
    expect(revs).toMatchObject({ count: 2, label: 'README.md\n2 revisions' });
    expect(g.edges.filter(e => e.kind === 'wasDerivedFrom')).toHaveLength(0);
    expect(g.edges.filter(e => e.from === revs.id && e.kind === 'wasGeneratedBy').map(e => e.to).sort()).toEqual([
      'git:commit/c0',
      'git:commit/c1'
    ]);
  });

  it('keeps only the filtered prov:types and their edges', () => {
    const g = provToGraph(sampleDoc(), { typeFilter: ['m2p:Run', 'm2p:RunCreation', 'm2p:MlflowUser'] });
    expect(g.nodes.map(n => n.id).sort()).toEqual(['mlflow:run/r1', 'mlflow:run/r1/creation', 'user:mlflow/alice']);
    expect(g.edges.map(e => e.kind).sort()).toEqual(['wasAssociatedWith', 'wasAttributedTo', 'wasGeneratedBy']);
    expect(g.stats.hidden).toBe(15);
    expect(g.stats.types['m2p:Metric']).toBe(4);
  });

  it('marks search matches and dims the rest', () => {
    const g = provToGraph(sampleDoc(), { search: 'ALICE' });
    const hits = g.nodes.filter(n => n.matched).map(n => n.id).sort();
    expect(hits).toEqual(['mlflow:run/r1', 'mlflow:run/r1/tag/mlflow.user', 'user:mlflow/alice']);
    expect(g.stats.matches).toBe(3);
    const other = byId(g.nodes, 'git:commit/c0');
    expect(other.matched).toBe(false);
    expect(other.color.background).toMatch(/^rgba\(/);
    // several terms must all occur; group nodes match through their members
    expect(matchNodes(g.nodes, 'loss 0.5', searchTexts(g))).toEqual(new Set(['group:metrics:mlflow:run/r1/metric/loss']));
    expect(matchNodes([{ id: 'n1', label: 'Foo' }], 'foo')).toEqual(new Set(['n1']));
    expect(matchNodes(g.nodes, '   ').size).toBe(0);
  });

  it('keeps untrusted text verbatim in labels and tooltips (the view escapes)', () => {
    const g = provToGraph(hostileDoc());
    const run = byId(g.nodes, 'mlflow:run/x');
    expect(run.label).toBe(HOSTILE_IMG);
    expect(run.tooltip).toContain(HOSTILE_SCRIPT);
    const agent = byId(g.nodes, 'user:mlflow/%3Cimg%3E');
    expect(agent.label).toBe(HOSTILE_SCRIPT.slice(0, 31) + '…');
    expect(g.edges.find(e => e.kind === 'wasAttributedTo')!.tooltip).toContain(HOSTILE_IMG);
    expect(shortId('user:mlflow/%3Cimg%3E')).toBe('<img>');
  });

  it('is deterministic and lays nodes out in lanes without overlaps', () => {
    const a = provToGraph(sampleDoc());
    const b = provToGraph(sampleDoc());
    expect(a.nodes.map(n => [n.id, n.x, n.y])).toEqual(b.nodes.map(n => [n.id, n.x, n.y]));
    const pos = new Set(a.nodes.map(n => `${n.x},${n.y}`));
    expect(pos.size).toBe(a.nodes.length);
    const y = (id: string) => byId(a.nodes, id).y!;
    expect(y('user:mlflow/alice')).toBeLessThan(y('git:commit/c0'));
    expect(y('git:commit/c0')).toBeLessThan(y('git:revision/c0/README.md'));
    expect(y('mlflow:run/r1/creation')).toBeLessThan(y('mlflow:run/r1'));
    expect(y('mlflow:run/r1')).toBeLessThan(y('mlflow:run/r1/param/lr'));
    // commits ordered by time inside their lane
    expect(byId(a.nodes, 'git:commit/c0').x!).toBeLessThan(byId(a.nodes, 'git:commit/c1').x!);
    expect(laneOf({ id: 'x', kind: 'activity', ptype: 'ex:Unknown' })).toBeGreaterThan(laneOf({ id: 'y', kind: 'activity', ptype: 'm2p:Commit' }));
    const wrapped = layeredLayout(Array.from({ length: 400 }, (_, i) => ({ id: `n${i}`, kind: 'entity' })));
    expect(new Set(wrapped.map(n => n.y)).size).toBeGreaterThan(1);
  });

  it('builds a collapsed 20,000-element document quickly', () => {
    const doc = bigDoc(20000);
    const elements = ['entity', 'activity', 'agent'].reduce((s, k) => s + Object.keys((doc as Record<string, object>)[k] ?? {}).length, 0);
    expect(elements).toBeGreaterThanOrEqual(19500);
    const t0 = performance.now();
    const g = provToGraph(doc, { collapseMetrics: true, collapseRunMembers: true, collapseRevisions: true });
    const ms = performance.now() - t0;
    expect(g.stats.elements).toBe(elements);
    expect(g.nodes.length).toBeLessThan(500);
    expect(g.nodes.every(n => Number.isFinite(n.x) && Number.isFinite(n.y))).toBe(true);
    expect(ms).toBeLessThan(2000);
    console.log(`provToGraph: ${elements} elements → ${g.nodes.length} nodes, ${g.edges.length} edges in ${ms.toFixed(0)} ms`);
    const full = provToGraph(doc, { collapseMetrics: false });
    expect(full.nodes.length).toBe(elements);
  });
});

describe('details', () => {
  it('lists every attribute of an element and the members of a group', () => {
    const g = provToGraph(sampleDoc());
    const d = nodeDetails(g, byId(g.nodes, 'mlflow:run/r1/metric/acc/0'));
    expect(d.title).toBe('acc[0] = 0.8');
    expect(d.subtitle).toBe('m2p:Metric');
    expect(d.sections[0].rows).toContainEqual(['m2p:value', '0.8 (xsd:double)']);
    expect(d.sections[0].rows).toContainEqual(['prov:type', 'm2p:Metric (xsd:QName)']);
    const s = nodeDetails(g, byId(g.nodes, 'group:metrics:mlflow:run/r1/metric/loss'));
    expect(s.sections[0].rows).toEqual([
      ['mlflow:run/r1/metric/loss/0', 'step 0: 0.9'],
      ['mlflow:run/r1/metric/loss/1', 'step 1: 0.5'],
      ['mlflow:run/r1/metric/loss/2', 'step 2: 0.3']
    ]);
  });

  it('turns a dict from Python into sections', () => {
    const d = detailsFromDict({ title: 'Run r1', id: 'mlflow:run/r1', tags: ['a', 'b'], extra: { k: 1 } })!;
    expect(d.title).toBe('Run r1');
    expect(d.sections[0].rows).toEqual([
      ['id', 'mlflow:run/r1'],
      ['tags', 'a'],
      ['tags', 'b']
    ]);
    expect(d.sections[1]).toEqual({ heading: 'extra', rows: [['k', '1']] });
    expect(detailsFromDict({})).toBeNull();
  });
});

describe('houseRenderer', () => {
  it('draws a five-corner house around the label with fillText', () => {
    const calls: string[] = [];
    const ctx = new Proxy(
      {},
      {
        get: (_t, name) =>
          name === 'measureText'
            ? (s: string) => ({ width: s.length * 6 })
            : typeof name === 'string' && ['beginPath', 'moveTo', 'lineTo', 'closePath', 'fill', 'stroke', 'setLineDash', 'fillText'].includes(name)
              ? (...args: unknown[]) => calls.push(`${name}:${args.join(',')}`)
              : undefined,
        set: () => true
      }
    ) as unknown as CanvasRenderingContext2D;
    const r = houseRenderer()({ ctx, id: 'a', x: 0, y: 0, state: { selected: false, hover: false }, style: {}, label: HOSTILE_IMG });
    r.drawNode();
    expect(calls.filter(c => c.startsWith('lineTo'))).toHaveLength(4);
    expect(calls).toContain(`fillText:${HOSTILE_IMG},0,${calls.find(c => c.startsWith('fillText'))!.split(',').pop()}`);
    expect(r.nodeDimensions.width).toBeGreaterThan(HOSTILE_IMG.length * 6);
  });
});
