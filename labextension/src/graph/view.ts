/**
 * The one PROV graph view every face uses (MIME renderer, file viewer, explorer widget, offline page):
 * `createProvView(host, provjson, view, callbacks)` draws the backbone graph at the positions of the
 * layered layout (draw.ts paints nodes and edges on vis-network's canvas; vis-network pans, zooms and
 * reports clicks), one search listing its matches, one details panel, the legend of what is on screen, and
 * follows the theme.
 *
 * Test hook: the root element carries `__m2pGraph` (see IProvViewHook) and data attributes
 * (data-ready, data-first-paint-ms, data-timings, data-node-count, data-edge-count, data-selected,
 * data-matches, data-highlighted, data-theme, data-scale, data-direction, data-error).
 */
import { DataSet } from 'vis-data/peer';
import { Network } from 'vis-network/peer';

import { IDetails, nodeDetails } from './details';
import { h, renderDetails, renderLegend, renderMatches } from './dom';
import {
  IDrawState,
  IEdgeDrawState,
  PositionOf,
  drawEdges,
  drawNodes
} from './draw';
import {
  IBox,
  ILayout,
  MIN_SCALE,
  IViewport,
  boundsOf,
  boxGrid,
  fitScale,
  hitBox,
  initialViewport,
  outside,
  layoutGraph
} from './layout';
import { legendEntries } from './legend';
import {
  NotProvError,
  ISearchHit,
  IVEdge,
  IViewGraph,
  IViewOptions,
  buildView,
  nodesFor,
  parseOrExplain,
  searchGraph
} from './model';
import type { IParsedProv } from './prov';
import { NODE } from './style';
import { applyThemeVars, readTheme, watchTheme } from './theme';

export const DEFAULT_HEIGHT = 520;
/** Graphs above this many nodes never fit at a readable zoom: `auto` keeps them left → right. */
const AUTO_DIRECTION_MAX_NODES = 150;
/**
 * Above this many edges to banded nodes (people, experiments): those edges are drawn only for the
 * selected node. Hundreds of lines from one person to every run hide the picture.
 */
export const BAND_EDGES_SHOWN = 200;

export interface IProvViewCallbacks {
  /** A node was selected (its element id) or the selection cleared (null). */
  onSelect?: (id: string | null) => void;
  /** First frame drawn (ms since createProvView / update). */
  onPaint?: (ms: number) => void;
  /** One line under the title (e.g. "Last state of the explorer (snapshot)"). */
  caption?: string;
  /** Fill the host's height instead of `view.height` (document viewers). */
  fill?: boolean;
}

export interface IProvView {
  readonly element: HTMLElement;
  /** Re-draw with a new document and/or new view options (omitted: keep the current one). */
  update(provjson?: unknown, view?: IViewOptions): void;
  /** Centre and zoom on these element ids (never below the readable scale). */
  zoomTo(ids: string[]): void;
  /** Select a node by element id (a folded member selects its owner); null clears. */
  select(id: string | null): void;
  /** Run the search box's query; returns the matches. */
  search(query: string): ISearchHit[];
  dispose(): void;
}

/** What browser tests read from `element.__m2pGraph`. */
export interface IProvViewHook {
  view: IProvView;
  network: Network | null;
  graph: IViewGraph | null;
  /** Drawn nodes with their client (page) centre and box. */
  nodes(): {
    id: string;
    x: number;
    y: number;
    box: { left: number; top: number; width: number; height: number };
  }[];
  /** Drawn edges with their ends' client centres. */
  edges(): {
    from: string;
    to: string;
    fromX: number;
    fromY: number;
    toX: number;
    toY: number;
  }[];
  scale(): number;
  /** On-screen height in px of the smallest label line at the current zoom. */
  labelPx(): number;
  legend(): string[];
}

export function createProvView(
  host: HTMLElement,
  provjson: unknown,
  view: IViewOptions = {},
  cb: IProvViewCallbacks = {}
): IProvView {
  return new ProvViewImpl(host, provjson, view, cb);
}

class ProvViewImpl implements IProvView {
  readonly element: HTMLElement;
  private _title = h('div', 'm2p-view-title');
  private _caption = h('div', 'm2p-view-caption');
  private _note = h('div', 'm2p-view-note');
  private _bar = h('div', 'm2p-view-bar');
  private _input = h('input', 'm2p-view-search');
  private _main = h('div', 'm2p-view-main');
  private _canvas = h('div', 'm2p-view-canvas');
  private _side = h('div', 'm2p-view-side');
  private _matches = h('div', 'm2p-view-matches');
  private _details = h('div', 'm2p-view-details');
  private _legend = h('div', 'm2p-view-legend');
  private _message = h('div', 'm2p-view-message');
  private _stats = h('span', 'm2p-view-stats');
  private _hint = h(
    'div',
    'm2p-view-hint',
    'Ctrl + wheel (⌘ + wheel) zooms the graph; drag to pan'
  );
  private _hintTimer: ReturnType<typeof setTimeout> | undefined;
  private _cb: IProvViewCallbacks;
  private _doc: IParsedProv | null = null;
  private _view: IViewOptions = {};
  private _graph: IViewGraph | null = null;
  private _layout: ILayout | null = null;
  private _network: Network | null = null;
  /** Boxes by grid cell, for hit tests. */
  private _grid = new Map<string, string[]>();
  private _bandOnSelect = false;
  private _bandIncident = new Map<string, IVEdge[]>();
  /** What drawEdges draws (the drawn edges, the direction, the selection). */
  private _edgeState: IEdgeDrawState = {
    edges: [],
    direction: 'LR',
    selected: null
  };
  private _plainEdges: IVEdge[] = [];
  private _draw: IDrawState;
  private _hits: string[] = [];
  private _selected: string | null = null;
  private _pendingViewport: (() => void) | null = null;
  private _intended: IViewport | null = null;
  /** The direction `auto` chose for this document and view (kept through fold/unfold), once sized. */
  private _autoDir: 'LR' | 'TB' | null = null;
  /** "◀ 12 older" and the like, over the canvas edges where nodes lie outside the view. */
  private _more = {
    before: h('button', 'm2p-view-more m2p-view-more-before'),
    after: h('button', 'm2p-view-more m2p-view-more-after'),
    crossBefore: h('button', 'm2p-view-more m2p-view-more-cross-before'),
    crossAfter: h('button', 'm2p-view-more m2p-view-more-cross-after')
  };
  private _t0 = 0;
  /** Milliseconds per step of the last drawing (parse, build, layout, network, draw). */
  private _timings: Record<string, number> = {};
  private _searchTimer: ReturnType<typeof setTimeout> | undefined;
  private _resize: ResizeObserver | null = null;
  private _stopTheme: () => void;

  constructor(
    host: HTMLElement,
    provjson: unknown,
    view: IViewOptions,
    cb: IProvViewCallbacks
  ) {
    this._cb = cb;
    this.element = h('div', 'm2p-view');
    if (cb.fill) {
      this.element.classList.add('m2p-view-fill');
    }
    this._input.type = 'search';
    this._input.placeholder = 'Search names, ids, params, tags…';
    this._input.setAttribute('aria-label', 'Search the graph');
    this._input.addEventListener('input', () => {
      clearTimeout(this._searchTimer);
      this._searchTimer = setTimeout(() => this.search(this._input.value), 200);
    });
    this._input.addEventListener('keydown', ev => {
      if (ev.key === 'Enter') {
        clearTimeout(this._searchTimer);
        this.search(this._input.value);
      } else if (ev.key === 'Escape') {
        clearTimeout(this._searchTimer);
        this.search('', false);
      }
    });
    const fit = h('button', 'm2p-button m2p-view-fit', 'Reset view');
    fit.type = 'button';
    fit.title = 'Back to the opening view';
    fit.addEventListener('click', () =>
      this._applyViewport(this._view.zoom_to ?? null)
    );
    this._bar.append(this._input, fit, this._stats);
    for (const [side, b] of Object.entries(this._more)) {
      b.type = 'button';
      b.hidden = true;
      b.dataset.side = side;
      b.addEventListener('click', () =>
        this._panToward(side as keyof typeof this._more)
      );
    }
    this._matches.hidden = true;
    this._side.append(this._matches, this._details);
    this._main.append(this._canvas, this._side);
    if (!cb.fill) {
      // In a notebook the wheel scrolls the notebook; Ctrl/⌘ + wheel (and trackpad pinch) zooms the graph.
      this._canvas.addEventListener(
        'wheel',
        ev => {
          if (!ev.ctrlKey && !ev.metaKey) {
            ev.stopPropagation();
            this._flashHint();
          }
        },
        { capture: true }
      );
      this._hint.hidden = true;
      this._main.appendChild(this._hint); // not in the canvas host: vis-network empties it
    }
    this._message.hidden = true;
    this.element.append(
      this._title,
      this._caption,
      this._note,
      this._bar,
      this._message,
      this._main,
      this._legend
    );
    this._draw = {
      graph: null as unknown as IViewGraph,
      theme: readTheme(host),
      scale: 1,
      emphasised: new Set()
    };
    const hook: IProvViewHook = {
      view: this,
      network: null,
      graph: null,
      nodes: () => this._clientNodes(),
      edges: () => this._clientEdges(),
      scale: () => this._network?.getScale() ?? 0,
      labelPx: () =>
        (this._network?.getScale() ?? 0) * Math.min(NODE.label_px, NODE.sub_px),
      legend: () =>
        [...this._legend.querySelectorAll('.m2p-legend-text')].map(
          e => e.textContent ?? ''
        )
    };
    Object.defineProperty(hook, 'network', { get: () => this._network });
    Object.defineProperty(hook, 'graph', { get: () => this._graph });
    (this.element as unknown as { __m2pGraph: IProvViewHook }).__m2pGraph =
      hook;
    host.appendChild(this.element);
    this._draw.theme = readTheme(this.element);
    applyThemeVars(this.element, this._draw.theme);
    this._stopTheme = watchTheme(() => this._onTheme());
    if (typeof ResizeObserver !== 'undefined') {
      // Outputs are often rendered detached (zero size): open the viewport once a real size appears.
      this._resize = new ResizeObserver(() => this._onResize());
      this._resize.observe(this._canvas);
    }
    this.update(provjson, view);
  }

  update(provjson?: unknown, view?: IViewOptions): void {
    this._t0 = performance.now();
    if (view !== undefined) {
      this._view = { ...(view ?? {}) };
    }
    this._autoDir = null; // a new document or view: `auto` chooses again once the canvas has a size
    const v = this._view;
    this._title.textContent = v.title ?? '';
    this._title.hidden = !v.title;
    this._caption.textContent = this._cb.caption ?? '';
    this._caption.hidden = !this._cb.caption;
    const omitted =
      v.omitted && typeof v.omitted === 'object'
        ? Object.entries(v.omitted).filter(([, n]) => Number(n) > 0)
        : [];
    this._note.textContent = omitted.length
      ? `Drawn without ${omitted.map(([k, n]) => `${Number(n).toLocaleString('en')} ${k}`).join(', ')} (too big to send; the full document stays in Python).`
      : '';
    this._note.hidden = !omitted.length;
    if (!this._cb.fill) {
      this._main.style.height = `${v.height ?? DEFAULT_HEIGHT}px`;
    }
    try {
      if (provjson !== undefined) {
        this._doc = parseOrExplain(provjson);
      }
      if (!this._doc) {
        throw new NotProvError('No PROV document to draw.');
      }
      this._timings = { parse: performance.now() - this._t0 };
      this._graph = buildView(this._doc, v);
      this._timings.build = performance.now() - this._t0 - this._timings.parse;
    } catch (err) {
      this._showMessage(
        err instanceof NotProvError
          ? err.message
          : `Cannot draw this document: ${(err as Error).message}`
      );
      return;
    }
    this._message.hidden = true;
    this._main.hidden = false;
    this._bar.hidden = false;
    this._legend.hidden = false;
    const sel = v.select
      ? (nodesFor(this._graph, [v.select])[0] ?? null)
      : this._selected && this._graph.byId.has(this._selected)
        ? this._selected
        : null;
    if (!sel && this._selected) {
      // Close the side panel before the drawing measures its canvas (the opening zoom and `auto`'s
      // direction depend on the width it leaves).
      this._selected = null;
      this._syncSide();
    }
    this._render(v.zoom_to ?? null);
    this._select(sel, false);
    if (this._input.value.trim()) {
      this.search(this._input.value, false);
    }
  }

  private _showMessage(text: string): void {
    this._network?.destroy();
    this._network = null;
    this._graph = null;
    this._message.textContent = text;
    this._message.hidden = false;
    this._main.hidden = true;
    this._bar.hidden = true;
    this._legend.hidden = true;
    this.element.dataset.ready = 'true';
    this.element.dataset.nodeCount = '0';
    this.element.dataset.error = text;
  }

  /** Lay out and draw the current graph; open the viewport on `focus` ids or the newest part. */
  private _render(
    focus: string[] | null,
    keep?: { id: string; dom: { x: number; y: number } }
  ): void {
    const g = this._graph!;
    const dir = this._direction();
    this.element.dataset.direction = dir;
    this._layout = layoutGraph(g.nodes, g.edges, dir);
    this._timings.layout = this._layout.ms;
    const tNet = performance.now();
    this._draw.graph = g;
    delete this.element.dataset.error;
    this._applyEmphasis(false);
    this._grid = boxGrid(this._layout.boxes);
    const banded = this._layout.banded;
    const bandEdges = g.edges.filter(
      e => banded.has(e.from) || banded.has(e.to)
    );
    this._bandOnSelect = bandEdges.length > BAND_EDGES_SHOWN;
    this._plainEdges = this._bandOnSelect
      ? g.edges.filter(e => !banded.has(e.from) && !banded.has(e.to))
      : g.edges;
    this._bandIncident = new Map();
    if (this._bandOnSelect) {
      for (const e of bandEdges) {
        for (const end of [e.from, e.to]) {
          (
            this._bandIncident.get(end) ??
            this._bandIncident.set(end, []).get(end)!
          ).push(e);
        }
      }
    }
    this._edgeState = {
      edges: this._plainEdges,
      direction: dir,
      selected: null
    };
    // No vis-network nodes or edges: drawEdges and drawNodes draw them (see draw.ts).
    const data = { nodes: new DataSet([]), edges: new DataSet([]) };
    const options = {
      autoResize: false, // the view follows its canvas's size itself (_onResize), keeping its scale
      physics: { enabled: false },
      layout: { improvedLayout: false, randomSeed: 1 },
      interaction: {
        hover: false,
        dragNodes: false,
        selectConnectedEdges: false,
        navigationButtons: false,
        keyboard: false,
        multiselect: false,
        zoomSpeed: 0.6
      }
    };
    this._network?.destroy();
    const network = new Network(this._canvas, data as never, options as never);
    this._network = network;
    this._canvas.append(...Object.values(this._more)); // after vis-network emptied its host
    this._timings.network = performance.now() - tNet;
    const tDraw = performance.now();
    this.element.dataset.nodeCount = String(g.nodes.length);
    this.element.dataset.edgeCount = String(this._plainEdges.length);
    this._stats.textContent = `${g.nodes.length} nodes · ${g.stats.folded} folded · ${g.stats.elements} elements`;
    delete this.element.dataset.ready;
    const t0 = this._t0;
    const onDrawn = () => {
      if (!this._hasSize()) {
        return; // drawn into a detached, zero-size canvas: not yet visible
      }
      network.off('afterDrawing', onDrawn);
      const ms = Math.round(performance.now() - t0);
      this.element.dataset.firstPaintMs = String(ms);
      this.element.dataset.layoutMs = String(Math.round(this._layout?.ms ?? 0));
      this._timings.draw = performance.now() - tDraw;
      this.element.dataset.timings = JSON.stringify(
        Object.fromEntries(
          Object.entries(this._timings).map(([k, x]) => [k, Math.round(x)])
        )
      );
      this.element.dataset.ready = 'true';
      this.element.dataset.scale = network.getScale().toFixed(3);
      this._cb.onPaint?.(ms);
    };
    network.on('afterDrawing', onDrawn);
    const boxes = this._layout.boxes;
    const posOf: PositionOf = id => boxes.get(id);
    network.on('beforeDrawing', (ctx: CanvasRenderingContext2D) => {
      const w = this._canvas.clientWidth;
      const hgt = this._canvas.clientHeight;
      const tl = network.DOMtoCanvas({ x: 0, y: 0 });
      const br = network.DOMtoCanvas({ x: w, y: hgt });
      const view = { left: tl.x, top: tl.y, right: br.x, bottom: br.y };
      this._draw.scale = network.getScale();
      drawEdges(ctx, this._draw, this._edgeState, posOf, view);
      drawNodes(ctx, this._draw, posOf, this._selected, view);
    });
    network.on('zoom', () => {
      this._draw.scale = network.getScale();
      this.element.dataset.scale = this._draw.scale.toFixed(3);
    });
    // What the user (or the view) chose to look at: restored after every resize of the canvas.
    const remember = () => {
      this._intended = {
        ...network.getViewPosition(),
        scale: network.getScale()
      };
    };
    network.on('zoom', remember);
    network.on('dragEnd', remember);
    network.on('zoom', () => this._updateMore());
    network.on('dragEnd', () => this._updateMore());
    network.on('click', p => this._select(this._hit(p.pointer?.canvas), true));
    network.on('doubleClick', p => {
      const id = this._hit(p.pointer?.canvas);
      if (id) {
        this._toggleFold(id);
      }
    });
    this._renderLegend();
    if (keep) {
      this._whenSized(() => this._keepAt(keep.id, keep.dom));
    } else {
      this._whenSized(() => this._applyViewport(focus));
    }
  }

  /** The drawn edges for selection `id`: with many band edges, only the selected node's. */
  private _updateEdges(id: string | null): void {
    const band =
      this._bandOnSelect && id ? (this._bandIncident.get(id) ?? []) : [];
    this._edgeState = {
      ...this._edgeState,
      edges: band.length ? [...this._plainEdges, ...band] : this._plainEdges,
      selected: id
    };
  }

  private _renderLegend(): void {
    if (this._graph) {
      const entries = legendEntries(
        this._graph,
        this._draw.emphasised.size,
        this._bandOnSelect
      );
      renderLegend(this._legend, entries, this._draw.theme.mode);
    }
  }

  private _hasSize(): boolean {
    return this._canvas.clientWidth > 0 && this._canvas.clientHeight > 0;
  }

  private _whenSized(fn: () => void): void {
    if (this._hasSize()) {
      this._pendingViewport = null;
      fn();
    } else {
      this._pendingViewport = fn;
    }
  }

  private _onResize(): void {
    if (!this._network || !this._hasSize()) {
      return;
    }
    // vis-network's own resize keeps the visible *width* (a notebook cell laid out, the side panel opened,
    // a theme's style sheets swapped through a zero-size moment), which changes the scale, down to
    // unreadable or to nothing: the view sets the size itself and keeps the scale and centre it chose.
    this._network.setSize('100%', '100%');
    if (this._pendingViewport) {
      const fn = this._pendingViewport;
      this._pendingViewport = null;
      fn();
    } else if (this._intended) {
      this._moveTo(this._intended);
    }
    this._network.redraw();
    this._updateMore();
  }

  /** The time axis drawn: the view's direction, or the one `auto` chose (LR until the canvas has a size). */
  private _direction(): 'LR' | 'TB' {
    const d = this._view.direction;
    return d === 'LR' || d === 'TB' ? d : (this._autoDir ?? 'LR');
  }

  /**
   * `auto`: left → right, unless only top → bottom shows the whole graph at a readable zoom (a passport's
   * chain of five steps is ~1,200 px wide but ~500 px tall: beside the explorer's side panel it fits only
   * standing). Decided once per document and view, when the canvas first has a size; true if re-drawn.
   */
  private _chooseDirection(focus: string[] | null): boolean {
    const d = this._view.direction;
    if (
      d === 'LR' ||
      d === 'TB' ||
      this._autoDir ||
      !this._layout ||
      !this._graph
    ) {
      return false;
    }
    const area = {
      width: this._canvas.clientWidth,
      height: this._canvas.clientHeight
    };
    this._autoDir = 'LR';
    const lr = fitScale(this._layout, area);
    this.element.dataset.fit = `LR ${lr.toFixed(3)} in ${area.width}×${area.height}`;
    // Only small graphs can fit either way; a big one is not laid out twice (dagre: ~0.5 s at 1,000 nodes).
    if (
      this._graph.nodes.length > AUTO_DIRECTION_MAX_NODES ||
      lr >= MIN_SCALE
    ) {
      return false;
    }
    const g = this._graph;
    const tb = fitScale(layoutGraph(g.nodes, g.edges, 'TB'), area);
    this.element.dataset.fit += `, TB ${tb.toFixed(3)}`;
    if (tb < MIN_SCALE) {
      return false;
    }
    this._autoDir = 'TB';
    this._render(focus);
    return true;
  }

  /** Show or hide the edge buttons that count the nodes outside the view on each side. */
  private _updateMore(): void {
    const net = this._network;
    if (!net || !this._layout || !this._hasSize()) {
      return;
    }
    const tl = net.DOMtoCanvas({ x: 0, y: 0 });
    const br = net.DOMtoCanvas({
      x: this._canvas.clientWidth,
      y: this._canvas.clientHeight
    });
    const n = outside(this._layout, {
      left: tl.x,
      top: tl.y,
      right: br.x,
      bottom: br.y
    });
    const lr = this._layout.direction === 'LR';
    const words = {
      before: lr ? ['◀ ', ' older', 'left'] : ['▲ ', ' older', 'up'],
      after: lr ? ['', ' newer ▶', 'right'] : ['▼ ', ' newer', 'down'],
      crossBefore: lr ? ['▲ ', ' more', 'up'] : ['◀ ', ' more', 'left'],
      crossAfter: lr ? ['▼ ', ' more', 'down'] : ['', ' more ▶', 'right']
    };
    for (const [side, b] of Object.entries(this._more)) {
      const count = n[side as keyof typeof n];
      const [pre, post, where] = words[side as keyof typeof words];
      b.hidden = count === 0;
      b.textContent = `${pre}${count}${post}`;
      b.title = `${count} node${count === 1 ? '' : 's'} outside the view: click to move ${where}`;
      b.dataset.count = String(count);
      b.classList.toggle('m2p-view-more-lr', lr);
    }
  }

  /** Pan most of a view's width or height toward `side` (keeping the scale). */
  private _panToward(
    side: 'before' | 'after' | 'crossBefore' | 'crossAfter'
  ): void {
    const net = this._network;
    if (!net || !this._layout) {
      return;
    }
    const scale = net.getScale();
    const at = net.getViewPosition();
    const lr = this._layout.direction === 'LR';
    const alongX = (side === 'before' || side === 'after') === lr;
    const sign = side === 'before' || side === 'crossBefore' ? -1 : 1;
    const span =
      (alongX ? this._canvas.clientWidth : this._canvas.clientHeight) / scale;
    const step = sign * span * 0.8;
    this._moveTo({
      x: alongX ? at.x + step : at.x,
      y: alongX ? at.y : at.y + step,
      scale
    });
    net.redraw();
  }

  private _moveTo(vp: IViewport): void {
    this._intended = { ...vp };
    this._draw.scale = vp.scale;
    this._network?.moveTo({
      position: { x: vp.x, y: vp.y },
      scale: vp.scale,
      animation: false
    });
    this.element.dataset.scale = vp.scale.toFixed(3);
    this._updateMore();
  }

  private _applyViewport(focus: string[] | null): void {
    if (!this._layout || !this._graph) {
      return;
    }
    if (this._chooseDirection(focus)) {
      return; // re-drawn standing; that drawing opened its own viewport
    }
    const ids = focus && focus.length ? nodesFor(this._graph, focus) : null;
    const area = {
      width: this._canvas.clientWidth,
      height: this._canvas.clientHeight
    };
    this._moveTo(
      initialViewport(this._layout, area, ids && ids.length ? ids : null)
    );
  }

  /** Keep node `id` at the same place on screen after a re-layout (fold/unfold). */
  private _keepAt(id: string, dom: { x: number; y: number }): void {
    const b = this._layout?.boxes.get(id);
    if (!b || !this._network) {
      this._applyViewport(null);
      return;
    }
    const scale = Math.max(MIN_SCALE, this._draw.scale);
    const cx = this._canvas.clientWidth / 2;
    const cy = this._canvas.clientHeight / 2;
    this._moveTo({
      x: b.x - (dom.x - cx) / scale,
      y: b.y - (dom.y - cy) / scale,
      scale
    });
  }

  /** The node whose box holds canvas point `p`, or null. */
  private _hit(p: { x: number; y: number } | undefined): string | null {
    return p && this._layout ? hitBox(this._grid, this._layout.boxes, p) : null;
  }

  private _flashHint(): void {
    this._hint.hidden = false;
    clearTimeout(this._hintTimer);
    this._hintTimer = setTimeout(() => (this._hint.hidden = true), 1200);
  }

  zoomTo(ids: string[]): void {
    this._whenSized(() => this._applyViewport(ids));
  }

  select(id: string | null): void {
    const nid =
      id && this._graph ? (nodesFor(this._graph, [id])[0] ?? null) : null;
    this._select(nid, false);
  }

  private _select(id: string | null, fromUser: boolean): void {
    const before = this._selected;
    this._selected = id;
    this._updateEdges(id);
    if (this._network && (id || before)) {
      this._network.redraw();
    }
    const d: IDetails | null =
      id && this._graph ? nodeDetails(this._graph, id) : null;
    renderDetails(this._details, d, {
      onToggleFold: nid => this._toggleFold(nid),
      onGoto: nid => {
        this._select(nid, true);
        this._centreOn(nid);
      }
    });
    this.element.dataset.selected = id ?? '';
    this._syncSide();
    if (fromUser) {
      this._cb.onSelect?.(id);
    }
  }

  /** The side panel (matches, details) takes width from the canvas only while it has something to show. */
  private _syncSide(): void {
    const open = !!this._selected || !this._matches.hidden;
    if (this.element.classList.contains('m2p-view-side-open') !== open) {
      this.element.classList.toggle('m2p-view-side-open', open);
    }
  }

  private _centreOn(id: string): void {
    const b = this._layout?.boxes.get(id);
    if (b) {
      this._moveTo({
        x: b.x,
        y: b.y,
        scale: Math.max(MIN_SCALE, this._draw.scale)
      });
    }
  }

  private _toggleFold(id: string): void {
    const g = this._graph;
    const n = g?.byId.get(id);
    if (!g || !n || (!n.members.length && !n.expanded)) {
      return;
    }
    const expand = new Set(this._view.expand ?? []);
    if (n.expanded) {
      expand.delete(id);
    } else {
      expand.add(id);
    }
    const pos = this._layout?.boxes.get(id);
    const dom =
      pos && this._network
        ? this._network.canvasToDOM({ x: pos.x, y: pos.y })
        : null;
    this._view = { ...this._view, expand: [...expand] };
    this._t0 = performance.now();
    this._graph = buildView(this._doc!, this._view);
    this._render(null, dom ? { id, dom } : undefined);
    this._select(id, false);
    if (this._input.value.trim()) {
      this.search(this._input.value, false);
    }
  }

  search(query: string, zoom = true): ISearchHit[] {
    if (this._input.value !== query) {
      this._input.value = query;
    }
    const hits = this._graph ? searchGraph(this._graph, query) : [];
    this._hits = hits.map(x => x.id);
    this.element.dataset.matches = String(hits.length);
    renderMatches(this._matches, query, hits, id => {
      this._select(id, true);
      this._centreOn(id);
    });
    this._syncSide();
    this._applyEmphasis(true);
    if (zoom && hits.length) {
      this._whenSized(() => this._applyViewport(this._hits));
    }
    return hits;
  }

  private _applyEmphasis(redraw: boolean): void {
    const g = this._graph;
    const want = new Set<string>();
    if (g) {
      for (const n of g.nodes) {
        if (n.highlight) {
          want.add(n.id);
        }
      }
      for (const id of this._hits) {
        want.add(id);
      }
    }
    this._draw.emphasised = want;
    this.element.dataset.highlighted = String(want.size);
    if (redraw && g) {
      this._renderLegend();
      this._network?.redraw();
    }
  }

  private _onTheme(): void {
    this._draw.theme = readTheme(this.element);
    applyThemeVars(this.element, this._draw.theme);
    this._renderLegend();
    this._network?.redraw();
    // JupyterLab swaps its theme's style sheets after the body attribute changes; while they load, the
    // canvas may measure zero and vis-network sizes its bitmap to nothing. Measure again once they are in
    // (colours, and the size with the scale and centre the view had).
    for (const ms of [50, 400]) {
      setTimeout(() => {
        this._draw.theme = readTheme(this.element);
        applyThemeVars(this.element, this._draw.theme);
        this._onResize();
      }, ms);
    }
  }

  private _clientBox(b: IBox) {
    const net = this._network!;
    const rect = this._canvas.getBoundingClientRect();
    const c = net.canvasToDOM({ x: b.x, y: b.y });
    const s = net.getScale();
    return {
      x: rect.left + c.x,
      y: rect.top + c.y,
      box: {
        left: rect.left + c.x - (b.w * s) / 2,
        top: rect.top + c.y - (b.h * s) / 2,
        width: b.w * s,
        height: b.h * s
      }
    };
  }

  private _clientNodes() {
    if (!this._network || !this._layout || !this._graph) {
      return [];
    }
    return this._graph.nodes.map(n => {
      const p = this._layout!.boxes.get(n.id)!;
      return {
        id: n.id,
        ...this._clientBox({ x: p.x, y: p.y, w: NODE.width, h: NODE.height })
      };
    });
  }

  private _clientEdges() {
    if (!this._network || !this._graph) {
      return [];
    }
    const byId = new Map(this._clientNodes().map(n => [n.id, n]));
    return this._edgeState.edges.map(e => {
      const a = byId.get(e.from)!;
      const b = byId.get(e.to)!;
      return {
        from: e.from,
        to: e.to,
        fromX: a.x,
        fromY: a.y,
        toX: b.x,
        toY: b.y
      };
    });
  }

  dispose(): void {
    clearTimeout(this._searchTimer);
    clearTimeout(this._hintTimer);
    this._resize?.disconnect();
    this._stopTheme();
    this._network?.destroy();
    this._network = null;
    this.element.remove();
  }
}

export { boundsOf };
