// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';

import { nodeDetails } from '../src/graph/details';
import { renderDetails, renderLegend, tooltipElement } from '../src/graph/dom';
import { provToGraph } from '../src/graph/model';
import { normaliseEdge, normaliseNode } from '../src/graph/view';
import { HOSTILE_IMG, HOSTILE_SCRIPT, hostileDoc } from './fixtures';

const injected = (root: Element) => root.querySelectorAll('img, script, iframe, svg, [onerror], [onload]').length;

describe('escaping', () => {
  it('renders hostile attribute values in the details panel as text', () => {
    const g = provToGraph(hostileDoc());
    const host = document.createElement('div');
    renderDetails(host, nodeDetails(g, g.nodes.find(n => n.id === 'mlflow:run/x')!));
    expect(injected(host)).toBe(0);
    expect(host.textContent).toContain(HOSTILE_IMG);
    expect(host.textContent).toContain(HOSTILE_SCRIPT);
    expect(host.querySelector('.m2p-details-title')!.textContent).toBe(HOSTILE_IMG);
  });

  it('builds tooltips as DOM elements holding text only', () => {
    const t = tooltipElement(`${HOSTILE_IMG}\n${HOSTILE_SCRIPT}`);
    expect(t.children).toHaveLength(0);
    expect(t.textContent).toBe(`${HOSTILE_IMG}\n${HOSTILE_SCRIPT}`);
  });

  it('turns string titles of nodes and edges (e.g. from Python) into text elements', () => {
    const n = normaliseNode({ id: 'a', label: 'x', title: HOSTILE_IMG });
    expect(n.title).toBeInstanceOf(HTMLElement);
    expect((n.title as HTMLElement).textContent).toBe(HOSTILE_IMG);
    expect(injected(n.title as HTMLElement)).toBe(0);
    const t = normaliseNode({ id: 'b', tooltip: HOSTILE_SCRIPT });
    expect((t.title as HTMLElement).textContent).toBe(HOSTILE_SCRIPT);
    const e = normaliseEdge({ from: 'a', to: 'b', title: HOSTILE_SCRIPT }, 0);
    expect((e.title as HTMLElement).textContent).toBe(HOSTILE_SCRIPT);
    expect(e.id).toBe('edge0');
  });

  it('builds the tooltip of an edge sent as parts (the Python payload) as text', () => {
    const e = normaliseEdge(
      { from: HOSTILE_IMG, to: 'b', kind: 'used', roles: ['EntryPoint', HOSTILE_SCRIPT], time: '2025-01-01T00:00:00+00:00', count: 3,
        m2p_diff: 'added' },
      1
    );
    const t = e.title as HTMLElement;
    expect(injected(t)).toBe(0);
    expect(t.textContent).toBe(
      `added\nused: ${HOSTILE_IMG} \u2192 b\nrole: EntryPoint, ${HOSTILE_SCRIPT}\ntime: 2025-01-01T00:00:00+00:00\n3 relations`
    );
    expect((normaliseEdge({ from: 'a', to: 'b', kind: 'hadMember' }, 2).title as HTMLElement).textContent).toBe(
      'hadMember: a \u2192 b'
    );
  });

  it('styles nodes by kind and draws agents as houses', () => {
    const a = normaliseNode({ id: 'u', kind: 'agent', label: 'alice' });
    expect(a.shape).toBe('custom');
    expect(typeof a.ctxRenderer).toBe('function');
    expect(normaliseNode({ id: 'u2', shape: 'triangle', m2p_shape: 'house' }).shape).toBe('custom');
    const e = normaliseNode({ id: 'e', kind: 'entity' });
    expect(e).toMatchObject({ shape: 'ellipse', color: { background: '#FFFC87' } });
    expect(normaliseNode({ id: 'c', kind: 'activity', shape: 'dot' }).shape).toBe('dot');
  });

  it('renders the legend and the empty details hint', () => {
    const host = document.createElement('div');
    renderLegend(host);
    expect([...host.querySelectorAll('.m2p-legend-item')].map(i => i.textContent)).toEqual([
      'Entity',
      'Activity',
      'Agent',
      'Collapsed group (×count)',
      'Referenced, not described',
      'Highlighted / search match'
    ]);
    renderDetails(host, null);
    expect(host.textContent).toBe('Click a node to see its attributes.');
  });
});
