/**
 * `GraphView`: mounts vis-network, a search box, a legend and a details panel into an element, given
 * vis node/edge dicts (from `provToGraph`, or computed in Python by pyvis for the notebook widget), and
 * emits node clicks. Small graphs get physics; above `PHYSICS_LIMIT` nodes physics is off and nodes without
 * positions are placed by the layered layout.
 */
import { DataSet, Network } from 'vis-network/standalone';

import type { Details } from './details';
import { h, renderDetails, renderLegend, tooltipElement } from './dom';
import { layeredLayout } from './layout';
import { SearchTextOf, edgeSummary, matchNodes } from './model';
import { HIGHLIGHT_BORDER, KIND_STYLE, houseRenderer } from './style';

/** Above this many nodes: no physics, straight edges, edges hidden while dragging/zooming. */
export const PHYSICS_LIMIT = 300;

/** A vis node dict; `kind` (entity/activity/agent) styles nodes that bring no shape/colour of their own. */
export interface ViewNode {
  id: string;
  label?: string;
  title?: string | HTMLElement;
  tooltip?: string;
  kind?: string;
  shape?: string;
  color?: unknown;
  font?: { color?: string } & Record<string, unknown>;
  x?: number;
  y?: number;
  [key: string]: unknown;
}

export interface ViewEdge {
  from: string;
  to: string;
  id?: string;
  title?: string | HTMLElement;
  tooltip?: string;
  [key: string]: unknown;
}

export interface GraphViewOptions {
  /** Called with the clicked node's id (null when the click hit no node). */
  onSelect?: (id: string | null) => void;
  /** Details of a node for the panel; default: its id, label and tooltip text. */
  details?: (id: string) => Details | null;
  /** Searched text of a node (default: its id, label, tooltip and title). */
  searchText?: SearchTextOf;
  /** Called after the first frame of each graph set with `setGraph` is drawn. */
  onPaint?: () => void;
  /** Show the search box (default true). */
  search?: boolean;
  /** Extra class on the root element (e.g. to size it). */
  className?: string;
}

/** The test/automation hook stored on the root element as `__m2pGraph`. */
export interface GraphViewHook {
  view: GraphView;
  network: Network | null;
}

const EMPHASIS_WIDTH = 3;

export function normaliseNode(n: ViewNode): ViewNode {
  const out: ViewNode = { ...n };
  const kind = typeof n.kind === 'string' && n.kind in KIND_STYLE ? (n.kind as keyof typeof KIND_STYLE) : null;
  if (kind && out.shape === undefined) {
    out.shape = KIND_STYLE[kind].shape;
  }
  if (kind && out.color === undefined) {
    out.color = { background: KIND_STYLE[kind].background, border: KIND_STYLE[kind].border };
  }
  if (out.shape === 'house' || n.m2p_shape === 'house') {
    out.shape = 'custom';
    out.ctxRenderer = houseRenderer(n.font?.color ?? '#000000');
  }
  // Tooltips: always DOM elements built with textContent, never strings vis-network might parse.
  if (typeof n.title === 'string') {
    out.title = tooltipElement(n.title);
  } else if (n.title === undefined && typeof n.tooltip === 'string') {
    out.title = tooltipElement(n.tooltip);
  } else if (n.title !== undefined && !(n.title instanceof HTMLElement)) {
    out.title = tooltipElement(String(n.title));
  }
  if (typeof out.label !== 'string' && out.label !== undefined) {
    out.label = String(out.label);
  }
  return out;
}

export function normaliseEdge(e: ViewEdge, i: number): ViewEdge {
  const out: ViewEdge = { ...e, id: e.id ?? `edge${i}` };
  if (typeof e.title === 'string') {
    out.title = tooltipElement(e.title);
  } else if (e.title === undefined && typeof e.tooltip === 'string') {
    out.title = tooltipElement(e.tooltip);
  } else if (e.title !== undefined && !(e.title instanceof HTMLElement)) {
    out.title = tooltipElement(String(e.title));
  } else if (e.title === undefined) {
    out.title = tooltipElement(edgeSummary(e)); // the Python payload sends the parts, not the text
  }
  return out;
}

function emphasised(n: ViewNode): Partial<ViewNode> {
  const c = n.color;
  const base = typeof c === 'string' ? { background: c } : c && typeof c === 'object' ? c : {};
  return { id: n.id, color: { ...base, border: HIGHLIGHT_BORDER }, borderWidth: EMPHASIS_WIDTH };
}

function baseStyle(n: ViewNode): Partial<ViewNode> {
  return { id: n.id, color: n.color ?? null, borderWidth: (n.borderWidth as number | undefined) ?? 1 };
}

export class GraphView {
  readonly element: HTMLElement;
  readonly canvasHost: HTMLElement;
  readonly detailsPanel: HTMLElement;
  readonly legend: HTMLElement;
  readonly searchInput: HTMLInputElement | null;
  network: Network | null = null;
  /** Milliseconds from `setGraph` to the first drawn frame of the last graph. */
  firstPaintMs: number | null = null;

  private _opts: GraphViewOptions;
  private _nodes = new DataSet<ViewNode>();
  private _edges = new DataSet<ViewEdge>();
  private _base = new Map<string, ViewNode>();
  private _highlight = new Set<string>();
  private _matches = new Set<string>();
  private _emphasised = new Set<string>();
  private _searchInfo: HTMLElement | null = null;
  private _searchTimer: number | undefined;
  private _resize: ResizeObserver | null = null;
  private _fitted = false;

  constructor(host: HTMLElement, opts: GraphViewOptions = {}) {
    this._opts = opts;
    this.element = h('div', `m2p-graph${opts.className ? ' ' + opts.className : ''}`);
    this.element.dataset.nodeCount = '0';
    this.element.dataset.edgeCount = '0';
    if (opts.search !== false) {
      const bar = h('div', 'm2p-graph-searchbar');
      const input = h('input', 'm2p-graph-search');
      input.type = 'search';
      input.placeholder = 'Search ids, labels, attributes…';
      input.setAttribute('aria-label', 'Search the graph');
      input.addEventListener('input', () => {
        window.clearTimeout(this._searchTimer);
        this._searchTimer = window.setTimeout(() => this.search(input.value), 250);
      });
      input.addEventListener('keydown', ev => {
        if (ev.key === 'Enter') {
          window.clearTimeout(this._searchTimer);
          this.search(input.value);
        }
      });
      this._searchInfo = h('span', 'm2p-graph-searchinfo');
      bar.append(input, this._searchInfo);
      this.element.appendChild(bar);
      this.searchInput = input;
    } else {
      this.searchInput = null;
    }
    const main = h('div', 'm2p-graph-main');
    this.canvasHost = h('div', 'm2p-graph-canvas');
    this.detailsPanel = h('div', 'm2p-graph-details');
    main.append(this.canvasHost, this.detailsPanel);
    this.legend = h('div', 'm2p-graph-legend');
    renderLegend(this.legend);
    this.element.append(main, this.legend);
    renderDetails(this.detailsPanel, null);
    (this.element as unknown as { __m2pGraph: GraphViewHook }).__m2pGraph = {
      view: this,
      get network() {
        return this.view.network;
      }
    } as GraphViewHook;
    host.appendChild(this.element);
    if (typeof ResizeObserver !== 'undefined') {
      // Outputs are often rendered while detached (zero size): redraw, and fit once a real size appears.
      this._resize = new ResizeObserver(() => this._onResize());
      this._resize.observe(this.canvasHost);
    }
  }

  private _hasSize(): boolean {
    return this.canvasHost.clientWidth > 0 && this.canvasHost.clientHeight > 0;
  }

  private _onResize(): void {
    if (!this.network || !this._hasSize()) {
      return;
    }
    this.network.redraw();
    if (!this._fitted) {
      this._fitted = true;
      this.network.fit({ animation: false });
    }
  }

  /** Show a new graph. `visOptions` are merged over the defaults (physics, layout, interaction). */
  setGraph(nodes: ViewNode[], edges: ViewEdge[], visOptions: Record<string, unknown> = {}): void {
    const t0 = performance.now();
    const large = nodes.length > PHYSICS_LIMIT;
    let input = nodes;
    if (large && nodes.some(n => typeof n.x !== 'number' || typeof n.y !== 'number')) {
      input = layeredLayout(nodes.map(n => ({ ...n }))) as ViewNode[];
    }
    const norm = input.map(normaliseNode);
    this._base = new Map(norm.map(n => [String(n.id), n]));
    this._emphasised.clear();
    this._matches.clear();
    this._nodes = new DataSet<ViewNode>(norm);
    this._edges = new DataSet<ViewEdge>(edges.map(normaliseEdge));
    const options = this._visOptions(large, visOptions);
    this.firstPaintMs = null;
    delete this.element.dataset.ready;
    if (this.network) {
      this.network.destroy();
    }
    const network = new Network(this.canvasHost, { nodes: this._nodes, edges: this._edges } as never, options as never);
    this.network = network;
    this._fitted = this._hasSize();
    const onDrawn = () => {
      if (!this._hasSize()) {
        return; // drawn into a detached, zero-size canvas: not yet visible
      }
      network.off('afterDrawing', onDrawn);
      this.firstPaintMs = Math.round(performance.now() - t0);
      this.element.dataset.firstPaintMs = String(this.firstPaintMs);
      this.element.dataset.nodeCount = String(this._nodes.length);
      this.element.dataset.edgeCount = String(this._edges.length);
      this.element.dataset.ready = 'true';
      this._opts.onPaint?.();
    };
    network.on('afterDrawing', onDrawn);
    if (!large) {
      network.once('stabilizationIterationsDone', () => network.setOptions({ physics: { enabled: false } }));
    }
    network.on('click', params => {
      const id = params.nodes && params.nodes.length ? String(params.nodes[0]) : null;
      this._selected(id);
    });
    this.element.dataset.nodeCount = String(norm.length);
    this.element.dataset.edgeCount = String(this._edges.length);
    this._applyEmphasis();
    if (this.searchInput && this.searchInput.value) {
      this.search(this.searchInput.value);
    }
  }

  private _visOptions(large: boolean, extra: Record<string, unknown>): Record<string, unknown> {
    const base: Record<string, unknown> = {
      autoResize: true,
      layout: { improvedLayout: false },
      physics: large
        ? { enabled: false }
        : {
            enabled: true,
            solver: 'forceAtlas2Based',
            forceAtlas2Based: { gravitationalConstant: -60, springLength: 120, avoidOverlap: 0.4 },
            stabilization: { enabled: true, iterations: 300, fit: true }
          },
      interaction: {
        hover: !large,
        tooltipDelay: 250,
        hideEdgesOnDrag: large,
        hideEdgesOnZoom: large,
        navigationButtons: false,
        keyboard: false
      },
      nodes: {
        font: { size: 12, face: 'sans-serif' },
        margin: { top: 8, bottom: 8, left: 10, right: 10 },
        widthConstraint: { maximum: 220 }
      },
      edges: {
        arrows: { to: { enabled: true, scaleFactor: 0.6 } },
        color: { color: '#8A8A8A', highlight: '#222222', hover: '#444444' },
        font: { size: 9, color: '#555555', strokeWidth: 3, strokeColor: '#FFFFFF', align: 'middle' },
        smooth: large ? false : { enabled: true, type: 'continuous', roundness: 0.3 },
        scaling: { label: { drawThreshold: 7 } }
      }
    };
    return { ...base, ...extra };
  }

  private _selected(id: string | null): void {
    if (id === null) {
      this.setDetails(null);
    } else if (this._opts.details) {
      this.setDetails(this._opts.details(id));
    } else {
      const n = this._base.get(id);
      const rows: [string, string][] = [['id', id]];
      if (n && typeof n.tooltip === 'string') {
        rows.push(['', n.tooltip]);
      }
      this.setDetails({ title: String(n?.label ?? id), sections: [{ heading: 'Node', rows }] });
    }
    this.element.dataset.selected = id ?? '';
    this._opts.onSelect?.(id);
  }

  /** Select a node as if clicked (null clears the selection). */
  select(id: string | null): void {
    if (this.network) {
      if (id !== null && this._nodes.get(id)) {
        this.network.selectNodes([id]);
      } else {
        this.network.unselectAll();
      }
    }
    this._selected(id !== null && this._nodes.get(id) ? id : null);
  }

  /** Show `details` in the panel (null: the hint). */
  setDetails(details: Details | null): void {
    renderDetails(this.detailsPanel, details);
  }

  /** Emphasise the nodes `ids` (thick highlight border); an empty list clears it. */
  setHighlight(ids: Iterable<string>): void {
    this._highlight = new Set([...ids].map(String));
    this._applyEmphasis();
  }

  /** Emphasise the nodes matching `query` and zoom to them; returns the number of matches. */
  search(query: string): number {
    this._matches = matchNodes(this._base.values(), query, this._opts.searchText);
    this._applyEmphasis();
    const n = this._matches.size;
    if (this._searchInfo) {
      this._searchInfo.textContent = query.trim() ? `${n} match${n === 1 ? '' : 'es'}` : '';
    }
    this.element.dataset.matches = String(n);
    if (this.network && n) {
      const ids = [...this._matches];
      if (n <= 50) {
        this.network.fit({ nodes: ids, animation: false });
      } else {
        this.network.focus(ids[0], { scale: 1, animation: false });
      }
    }
    return n;
  }

  private _applyEmphasis(): void {
    const want = new Set([...this._highlight, ...this._matches].filter(id => this._base.has(id)));
    const updates: Partial<ViewNode>[] = [];
    for (const id of this._emphasised) {
      if (!want.has(id)) {
        updates.push(baseStyle(this._base.get(id)!));
      }
    }
    for (const id of want) {
      if (!this._emphasised.has(id)) {
        updates.push(emphasised(this._base.get(id)!));
      }
    }
    if (updates.length) {
      this._nodes.update(updates as ViewNode[]);
    }
    this._emphasised = want;
    this.element.dataset.highlighted = String(want.size);
  }

  /** Client (page) coordinates of a node's centre, or null (for tests and automation). */
  clientPosition(id: string): { x: number; y: number } | null {
    if (!this.network || !this._nodes.get(id)) {
      return null;
    }
    const pos = this.network.getPositions([id])[id];
    const dom = this.network.canvasToDOM(pos);
    const rect = this.canvasHost.getBoundingClientRect();
    return { x: rect.left + dom.x, y: rect.top + dom.y };
  }

  /** Current vis node dicts (normalised). */
  nodes(): ViewNode[] {
    return this._nodes.get();
  }

  dispose(): void {
    window.clearTimeout(this._searchTimer);
    this._resize?.disconnect();
    this.network?.destroy();
    this.network = null;
    this.element.remove();
  }
}
