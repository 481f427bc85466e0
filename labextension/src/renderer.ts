/**
 * The `application/vnd.prov+json` renderer: a header with record counts per kind, collapse and prov:type
 * controls, and the shared graph view (search, legend, details of the clicked node).
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { h } from './graph/dom';
import { nodeDetails } from './graph/details';
import { Graph, GraphOptions, SearchTextOf, provToGraph, searchTexts } from './graph/model';
import { RELATION_KINDS, countElements } from './graph/prov';
import { GraphView } from './graph/view';

export const MIME_TYPE = 'application/vnd.prov+json';

/** Documents with more elements than this open with run members and revisions collapsed too. */
export const AUTO_COLLAPSE = 500;

const KIND_NAMES: Record<string, [string, string]> = {
  entity: ['entity', 'entities'],
  activity: ['activity', 'activities'],
  agent: ['agent', 'agents'],
  relation: ['relation', 'relations']
};

/** `3 entities`, `1 entity`. */
function count(n: number, kind: string): string {
  return `${n} ${KIND_NAMES[kind][n === 1 ? 0 : 1]}`;
}

export class ProvGraphRenderer extends Widget implements IRenderMime.IRenderer {
  private _mimeType: string;
  private _data: unknown = null;
  private _graph: Graph | null = null;
  private _searchText: SearchTextOf | null = null;
  private _t0 = 0;
  private _view: GraphView | null = null;
  private _opts: GraphOptions = {};
  private _header = h('div', 'm2p-header');
  private _controls = h('div', 'm2p-controls');
  private _typeList = h('div', 'm2p-typefilter-list');
  private _error = h('div', 'm2p-error');

  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this._mimeType = options.mimeType;
    this.addClass('m2p-prov-renderer');
    this.node.append(this._header, this._controls, this._error);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this._t0 = performance.now();
    let data = model.data[this._mimeType] as unknown;
    this._error.textContent = '';
    try {
      if (typeof data === 'string') {
        data = JSON.parse(data);
      }
      if (data === this._data && this._view) {
        return;
      }
      this._data = data;
      const big = countElements(data) > AUTO_COLLAPSE;
      this._opts = {
        collapseMetrics: true,
        collapseRunMembers: big,
        collapseRevisions: big,
        typeFilter: null
      };
      this._graph = provToGraph(data, this._opts);
      this._buildControls(this._graph);
      this._renderHeader(this._graph);
      this._redraw();
    } catch (err) {
      this._view?.dispose();
      this._view = null;
      this._error.textContent = `Cannot show this PROV-JSON document: ${(err as Error).message}`;
    }
  }

  private _renderHeader(graph: Graph): void {
    const c = graph.stats.counts;
    this._header.replaceChildren();
    const main = ['entity', 'activity', 'agent'].map(k => count(c[k] ?? 0, k));
    const rels = RELATION_KINDS.filter(k => c[k]);
    const total = rels.reduce((s, k) => s + c[k], 0);
    main.push(count(total, 'relation'));
    this._header.appendChild(h('span', 'm2p-header-main', main.join(' · ')));
    const detail = h('span', 'm2p-header-relations');
    detail.textContent = rels.map(k => `${k} ${c[k]}`).join(' · ');
    this._header.appendChild(detail);
    this._header.dataset.counts = JSON.stringify(c);
  }

  private _checkbox(label: string, key: keyof GraphOptions): HTMLElement {
    const wrap = h('label', 'm2p-control');
    const box = h('input');
    box.type = 'checkbox';
    box.checked = !!this._opts[key];
    box.dataset.option = key;
    box.addEventListener('change', () => {
      (this._opts as Record<string, unknown>)[key] = box.checked;
      this._graph = null;
      this._redraw();
    });
    wrap.append(box, h('span', undefined, label));
    return wrap;
  }

  private _buildControls(graph: Graph): void {
    this._controls.replaceChildren();
    this._controls.append(
      this._checkbox('Collapse metric series', 'collapseMetrics'),
      this._checkbox('Collapse run members', 'collapseRunMembers'),
      this._checkbox('Collapse revisions', 'collapseRevisions')
    );
    const types = Object.entries(graph.stats.types).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const filter = h('details', 'm2p-typefilter');
    filter.appendChild(h('summary', undefined, `Types (${types.length})`));
    this._typeList.replaceChildren();
    const boxes: HTMLInputElement[] = [];
    const apply = () => {
      const on = boxes.filter(b => b.checked).map(b => b.value);
      this._opts.typeFilter = on.length === boxes.length ? null : on;
      this._graph = null;
      this._redraw();
    };
    const buttons = h('div', 'm2p-typefilter-buttons');
    for (const [text, value] of [
      ['All', true],
      ['None', false]
    ] as [string, boolean][]) {
      const b = h('button', 'm2p-button', text);
      b.type = 'button';
      b.addEventListener('click', () => {
        boxes.forEach(x => (x.checked = value));
        apply();
      });
      buttons.appendChild(b);
    }
    this._typeList.appendChild(buttons);
    for (const [t, n] of types) {
      const wrap = h('label', 'm2p-control');
      const box = h('input');
      box.type = 'checkbox';
      box.checked = true;
      box.value = t;
      box.addEventListener('change', apply);
      boxes.push(box);
      wrap.append(box, h('span', undefined, `${t} (${n})`));
      this._typeList.appendChild(wrap);
    }
    filter.appendChild(this._typeList);
    this._controls.appendChild(filter);
  }

  private _redraw(): void {
    if (!this._graph) {
      this._graph = provToGraph(this._data, this._opts);
    }
    const graph = this._graph;
    this._searchText = searchTexts(graph);
    if (!this._view) {
      this._view = new GraphView(this.node, {
        searchText: id => this._searchText?.(id),
        onPaint: () => {
          // Milliseconds from receiving the data to the first drawn frame (parse, graph, layout, draw).
          if (this._t0 && this._view) {
            this._view.element.dataset.renderMs = String(Math.round(performance.now() - this._t0));
            this._t0 = 0;
          }
        },
        details: id => {
          const g = this._graph;
          const n = g?.nodes.find(x => x.id === id);
          return g && n ? nodeDetails(g, n) : null;
        }
      });
    }
    this._view.setGraph(graph.nodes as never[], graph.edges as never[]);
    this._view.element.dataset.elements = String(graph.stats.elements);
    this._view.element.dataset.collapsed = String(graph.stats.collapsed);
  }

  protected onResize(): void {
    this._view?.network?.redraw();
  }

  protected onAfterShow(): void {
    this._view?.network?.redraw();
  }

  dispose(): void {
    this._view?.dispose();
    this._view = null;
    super.dispose();
  }
}
