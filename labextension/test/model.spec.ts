import { describe, expect, it } from 'vitest';

import {
  NotProvError,
  buildView,
  nodesFor,
  parseOrExplain,
  searchGraph,
  summaryOf
} from '../src/graph/model';
import { STYLE, labelOf, styleKey } from '../src/graph/style';
import { demoDoc } from './demo';
import { DocBuilder, hostileDoc, sampleDoc } from './fixtures';

const typeOf = (doc: Record<string, unknown>, id: string) => {
  for (const k of ['entity', 'activity', 'agent']) {
    const rec = (
      doc[k] as Record<string, Record<string, unknown>> | undefined
    )?.[id];
    if (rec) {
      const t = rec['prov:type'];
      const first = Array.isArray(t) ? t[0] : t;
      return (first as { $: string }).$;
    }
  }
  return '';
};

describe('fold rules (backbone view) on the sample project', () => {
  const doc = demoDoc();
  const g = buildView(doc);

  it('draws only backbone types as nodes, at most 60', () => {
    expect(g.nodes.length).toBeLessThanOrEqual(60);
    const kinds = new Set(g.nodes.map(n => n.key));
    for (const t of [
      'm2p:Commit',
      'm2p:Run',
      'm2p:LoggedModel',
      'm2p:ModelVersion',
      'm2p:ModelAlias',
      'm2p:Dataset',
      'm2p:Experiment',
      'm2p:RegisteredModel',
      'm2p:MlflowUser',
      'm2p:GitUser'
    ]) {
      expect(kinds.has(t), t).toBe(true);
    }
    const folded = STYLE.fold.map(r => r.member);
    for (const n of g.nodes) {
      expect(
        folded.includes(n.key),
        `${n.id} (${n.key}) should be folded`
      ).toBe(false);
    }
    expect(g.stats.folded + g.nodes.length).toBe(g.stats.elements);
  });

  it('folds params, metrics, tags and artifacts into their run and says so on the second line', () => {
    const run = g.nodes.find(
      n =>
        n.key === 'm2p:Run' &&
        n.sub.includes('metric') &&
        n.sub.includes('artifact')
    )!;
    expect(run.sub).toMatch(/^\d+ params? · \d+ metrics? · \d+ tags?/);
    const types = new Set(run.members.map(m => typeOf(doc, m)));
    expect(types).toEqual(
      new Set([
        'm2p:Param',
        'm2p:Metric',
        'm2p:RunTag',
        'm2p:Artifact',
        'm2p:RunCreation'
      ])
    );
    // Metrics are counted by key, not by point.
    const keys = new Set(
      run.members
        .filter(m => typeOf(doc, m) === 'm2p:Metric')
        .map(m => m.split('/metric/')[1].split('/')[0])
    );
    expect(run.sub).toContain(`${keys.size} metric`);
  });

  it('folds file revisions and files into commits, creations into what they created', () => {
    for (const n of g.nodes.filter(x => x.key === 'm2p:Commit')) {
      for (const m of n.members) {
        expect(['m2p:FileRevision', 'm2p:File']).toContain(typeOf(doc, m));
      }
    }
    const mv = g.nodes.find(n => n.key === 'm2p:ModelVersion')!;
    expect(
      mv.members.some(m => typeOf(doc, m) === 'm2p:ModelVersionCreation')
    ).toBe(true);
  });

  it('maps folded members to their owner node (highlight, select, zoom_to ids)', () => {
    const run = g.nodes.find(n => n.key === 'm2p:Run' && n.members.length)!;
    const param = run.members.find(m => typeOf(doc, m) === 'm2p:Param')!;
    expect(g.nodeOf(param)).toBe(run.id);
    expect(nodesFor(g, [param, run.id, 'no:such'])).toEqual([run.id]);
  });

  it('unfolds an owner on request: its members become nodes, linked to it', () => {
    const run = g.nodes.find(n => n.key === 'm2p:Run' && n.members.length > 5)!;
    const g2 = buildView(doc, { expand: [run.id] });
    const r2 = g2.byId.get(run.id)!;
    expect(r2.expanded).toBe(true);
    // Its creation activity stays folded (the run is its creation); params, metrics, … are drawn.
    expect(r2.members.map(m => typeOf(doc, m))).toEqual(['m2p:RunCreation']);
    const param = run.members.find(m => typeOf(doc, m) === 'm2p:Param')!;
    expect(g2.byId.has(param)).toBe(true);
    expect(g2.edges.some(e => e.from === run.id && e.to === param)).toBe(true);
    expect(g2.nodes.length).toBeGreaterThan(g.nodes.length);
  });

  it('fold "none" draws every element', () => {
    expect(buildView(doc, { fold: 'none' }).nodes.length).toBe(
      g.stats.elements
    );
  });

  it('orients every edge from the earlier to the later end (PROV points back in time)', () => {
    const commit = g.nodes.filter(n => n.key === 'm2p:Commit');
    const run = g.nodes.find(n => n.key === 'm2p:Run' && n.members.length)!;
    const e = g.edges.find(
      x => x.to === run.id && commit.some(c => c.id === x.from)
    );
    expect(e?.kinds).toContain('wasInformedBy');
    const alias = g.nodes.find(n => n.key === 'm2p:ModelAlias')!;
    expect(
      g.edges.some(
        x => x.to === alias.id && g.byId.get(x.from)!.key === 'm2p:ModelVersion'
      )
    ).toBe(true);
    const timed = g.edges.filter(
      x =>
        !Number.isNaN(g.byId.get(x.from)!.time) &&
        !Number.isNaN(g.byId.get(x.to)!.time)
    );
    const forward = timed.filter(
      x => g.byId.get(x.from)!.time <= g.byId.get(x.to)!.time
    );
    expect(forward.length / timed.length).toBeGreaterThanOrEqual(0.95);
  });

  it('limits the drawing to `show` ids (members mean their owner)', () => {
    const run = g.nodes.find(n => n.key === 'm2p:Run' && n.members.length)!;
    const g2 = buildView(doc, { show: [run.members[0], run.id] });
    expect(g2.nodes.map(n => n.id)).toEqual([run.id]);
  });

  it('marks highlight and badge ids on their nodes', () => {
    const run = g.nodes.find(n => n.key === 'm2p:Run' && n.members.length)!;
    const g2 = buildView(doc, {
      highlight: [run.members[0]],
      badges: { [run.id]: 'added', 'x:unknown': 'removed' }
    });
    expect(g2.byId.get(run.id)!.highlight).toBe(true);
    expect(g2.byId.get(run.id)!.badge).toBe('added');
    expect(g2.nodes.filter(n => n.badge)).toHaveLength(1);
  });
});

describe('labels', () => {
  it('uses the style table label rules (short), full prov:label otherwise', () => {
    const g = buildView(demoDoc());
    const commit = g.nodes.find(n => n.key === 'm2p:Commit')!;
    expect(commit.label).toMatch(/^[0-9a-f]{7} \S/);
    expect(g.nodes.find(n => n.key === 'm2p:ModelAlias')!.label).toMatch(
      /^@\w+ → v\d+$/
    );
    for (const n of g.nodes) {
      expect(n.label.length).toBeLessThanOrEqual(STYLE.node.label_chars);
      expect(n.label).not.toContain('{');
    }
  });

  it('falls back to prov:label and then the id', () => {
    const b = new DocBuilder();
    b.add('entity', 'ex:thing/one', { 'prov:label': 'The one' });
    b.add('entity', 'ex:thing/two', {});
    const p = parseOrExplain(b.doc);
    expect(labelOf(p.elements.get('ex:thing/one')!)).toBe('The one');
    expect(labelOf(p.elements.get('ex:thing/two')!)).toBe('two');
    expect(styleKey(p.elements.get('ex:thing/two')!)).toBe('fallback:entity');
  });
});

describe('not PROV', () => {
  it('says in one line what is wrong', () => {
    for (const input of [
      '# Markdown\n',
      '[1, 2]',
      '{"name": "package", "version": "1"}',
      42,
      null
    ]) {
      let err: unknown = null;
      try {
        buildView(input);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NotProvError);
      expect((err as Error).message).not.toContain('\n');
      expect((err as Error).message).toMatch(/not (JSON|a PROV-JSON document)/);
    }
  });

  it('accepts an empty but PROV-shaped document', () => {
    expect(buildView({ prefix: {}, entity: {} }).nodes).toEqual([]);
  });
});

describe('search', () => {
  const g = buildView(demoDoc());

  it('finds nodes by name and by folded member values, saying which member matched', () => {
    const hits = searchGraph(g, 'champion');
    expect(hits.map(h => g.byId.get(h.id)!.key)).toContain('m2p:ModelAlias');
    const byParam = searchGraph(g, 'n_estimators');
    expect(byParam.length).toBeGreaterThan(0);
    expect(byParam.every(h => h.via !== undefined)).toBe(true);
    expect(
      byParam.every(h =>
        ['m2p:Run', 'm2p:LoggedModel'].includes(g.byId.get(h.id)!.key)
      )
    ).toBe(true);
  });

  it('requires every term, ignores case and returns nothing for a blank query', () => {
    expect(searchGraph(g, '   ')).toEqual([]);
    expect(searchGraph(g, 'CHAMPION wine-classifier').length).toBeGreaterThan(
      0
    );
    expect(searchGraph(g, 'champion zzz-no-such-term')).toEqual([]);
  });
});

describe('small documents', () => {
  it('folds the fixture run into one node with its counts', () => {
    const g = buildView(sampleDoc());
    const run = g.byId.get('mlflow:run/r1')!;
    expect(run.sub).toBe('2 params · 2 metrics · 1 tag');
    expect(summaryOf(run.members, g.doc, g.ruleOf)).toBe(run.sub);
    expect(g.byId.has('mlflow:run/r1/param/lr')).toBe(false);
    expect(g.byId.has('mlflow:run/r1/creation')).toBe(false);
  });

  it('keeps hostile text verbatim (escaping happens where it is shown)', () => {
    const g = buildView(hostileDoc());
    expect(g.byId.get('mlflow:run/x')!.label).toContain('run </script>');
  });
});
