// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';

import { nodeDetails, valueText } from '../src/graph/details';
import { renderDetails, renderLegend, renderMatches } from '../src/graph/dom';
import { legendEntries } from '../src/graph/legend';
import { buildView, searchGraph } from '../src/graph/model';
import { STYLE } from '../src/graph/style';
import { readTheme, themeMode } from '../src/graph/theme';
import { isLive, markLive, onLive } from '../src/live';
import { RANK, rendererFactory } from '../src/mime';
import { canOpen } from '../src/files';
import { MIME_TYPE, readMeta } from '../src/renderer';
import { demoDoc } from './demo';
import { HOSTILE_IMG, HOSTILE_SCRIPT, hostileDoc, sampleDoc } from './fixtures';

const injected = (root: Element) =>
  root.querySelectorAll('img, script, iframe, svg, [onerror], [onload]').length;
const noop = { onToggleFold: () => undefined, onGoto: () => undefined };

afterEach(() => {
  document.body.removeAttribute('data-jp-theme-light');
});

describe('details panel', () => {
  it('lists the full id, attributes, links in words and the folded members with values', () => {
    const g = buildView(sampleDoc());
    const d = nodeDetails(g, 'mlflow:run/r1')!;
    expect(d.sections[0].rows[0]).toEqual(['id', 'mlflow:run/r1']);
    expect(d.fold).toEqual({
      count: g.byId.get('mlflow:run/r1')!.members.length,
      expanded: false
    });
    const params = d.sections.find(s => s.heading.startsWith('params'))!;
    expect(params.rows).toContainEqual(['lr', '0.1']);
    const metrics = d.sections.find(s => s.heading.startsWith('metrics'))!;
    expect(metrics.rows).toContainEqual(['loss (step 2)', '0.3']);
    expect(
      d.links.some(l => l.id === 'git:commit/c1' && l.text.startsWith('←'))
    ).toBe(true);
    const host = document.createElement('div');
    renderDetails(host, d, noop);
    expect(host.querySelector('[data-action="unfold"]')!.textContent).toMatch(
      /^Unfold \d+ members$/
    );
  });

  it('shows times to the second', () => {
    expect(
      valueText({
        text: '2026-12-06T12:15:56.663000+00:00',
        type: 'xsd:dateTime'
      })
    ).toBe('2026-12-06 12:15:56 +00:00');
  });

  it('renders hostile values as text', () => {
    const g = buildView(hostileDoc());
    const host = document.createElement('div');
    renderDetails(host, nodeDetails(g, 'mlflow:run/x'), noop);
    expect(injected(host)).toBe(0);
    expect(host.textContent).toContain(HOSTILE_IMG);
    expect(host.textContent).toContain(HOSTILE_SCRIPT);
    const m = document.createElement('div');
    renderMatches(m, 'x', searchGraph(g, 'img'), () => undefined);
    expect(injected(m)).toBe(0);
    expect(m.textContent).toContain('</script>');
  });
});

describe('legend', () => {
  it('explains exactly the colours, shapes, edge styles and marks in use', () => {
    const g = buildView(demoDoc());
    const entries = legendEntries(g, 0);
    const texts = entries.map(e => e.text);
    const used = new Set(g.nodes.map(n => STYLE.types[n.key]?.legend));
    for (const t of used) {
      expect(texts).toContain(t);
    }
    expect(texts).not.toContain(STYLE.types['m2p:Param'].legend);
    expect(texts).not.toContain(STYLE.marks.highlight.legend);
    expect(texts).toContain(STYLE.marks.folded.legend);
    expect(texts).toContain(STYLE.edge_styles.people.legend);
    const marked = legendEntries(
      buildView(demoDoc(), { badges: { [g.nodes[0].id]: 'removed' } }),
      2
    ).map(e => e.text);
    expect(marked).toContain(STYLE.marks.highlight.legend);
    expect(marked).toContain(STYLE.badges.removed.legend);
    expect(marked).not.toContain(STYLE.badges.added.legend);
    const host = document.createElement('div');
    renderLegend(host, entries, 'dark');
    expect(host.querySelectorAll('.m2p-legend-item')).toHaveLength(
      entries.length
    );
  });
});

describe('theme', () => {
  it('uses JupyterLab variables when set, the table fallbacks otherwise, dark by the body attribute', () => {
    const el = document.createElement('div');
    document.body.appendChild(el);
    expect(readTheme(el).canvas).toBe(STYLE.theme.canvas.light);
    document.body.setAttribute('data-jp-theme-light', 'false');
    expect(themeMode()).toBe('dark');
    expect(readTheme(el).canvas).toBe(STYLE.theme.canvas.dark);
    el.style.setProperty('--jp-layout-color0', '#123456'); // jsdom does not inherit custom properties
    expect(readTheme(el).canvas).toBe('#123456');
    el.remove();
  });
});

describe('faces', () => {
  it('the MIME renderer ranks below HTML (50), is safe and reads view options from metadata', () => {
    expect(RANK).toBeLessThan(50);
    expect(rendererFactory.safe).toBe(true);
    expect(rendererFactory.mimeTypes).toEqual([MIME_TYPE]);
    expect(
      readMeta({ [MIME_TYPE]: { view: { fold: 'none' }, snapshot_of: 'v1' } })
    ).toEqual({
      view: { fold: 'none' },
      snapshot_of: 'v1'
    });
    expect(readMeta({ [MIME_TYPE]: { view: [1], snapshot_of: 3 } })).toEqual(
      {}
    );
    expect(readMeta(undefined)).toEqual({});
  });

  it('"Open as PROV graph" is offered on JSON-ish files only', () => {
    for (const p of ['a.json', 'dir/b.provjson', 'c.prov.json', 'd.JSONLD']) {
      expect(canOpen(p), p).toBe(true);
    }
    for (const p of ['README.md', 'x.ipynb', 'y.json.bak', '', null]) {
      expect(canOpen(p as string), String(p)).toBe(false);
    }
  });

  it('the snapshot handshake registers live views and tells waiting snapshots', () => {
    let told = 0;
    const stop = onLive('view-1', () => told++);
    expect(isLive('view-1')).toBe(false);
    markLive('view-1');
    expect(isLive('view-1')).toBe(true);
    expect(told).toBe(1);
    stop();
    markLive('view-1');
    expect(told).toBe(1);
  });
});
