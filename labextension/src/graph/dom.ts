/**
 * DOM builders for the view's panels. Document text is untrusted: it only ever reaches the page through
 * `textContent` (never innerHTML) or is drawn on the canvas.
 */
import type { IDetails } from './details';
import type { LegendEntry } from './legend';
import type { ISearchHit } from './model';
import type { Shape, ThemeName } from './style';

/** `document.createElement(tag)` with a class and text set through textContent. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) {
    e.className = className;
  }
  if (text !== undefined) {
    e.textContent = text;
  }
  return e;
}

function button(
  className: string,
  text: string,
  onClick: () => void
): HTMLButtonElement {
  const b = h('button', className, text);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

export interface IDetailsActions {
  onToggleFold(id: string): void;
  onGoto(id: string): void;
}

/** Fill `container` with the details of a node (or a hint when nothing is selected). */
export function renderDetails(
  container: HTMLElement,
  d: IDetails | null,
  act: IDetailsActions
): void {
  container.replaceChildren();
  if (!d) {
    container.appendChild(
      h(
        'div',
        'm2p-details-empty',
        'Click a node to see its details; double-click unfolds its members.'
      )
    );
    return;
  }
  container.dataset.id = d.id;
  container.appendChild(h('div', 'm2p-details-title', d.title));
  container.appendChild(h('div', 'm2p-details-subtitle', d.subtitle));
  if (d.badge) {
    container.appendChild(h('div', 'm2p-details-badge', d.badge));
  }
  if (d.fold) {
    const text = d.fold.expanded
      ? 'Fold members into this node'
      : `Unfold ${d.fold.count} members`;
    const b = button('m2p-button m2p-details-fold', text, () =>
      act.onToggleFold(d.id)
    );
    b.dataset.action = d.fold.expanded ? 'fold' : 'unfold';
    container.appendChild(b);
  }
  if (d.links.length) {
    container.appendChild(h('div', 'm2p-details-heading', 'Linked'));
    const list = h('div', 'm2p-details-links');
    for (const l of d.links) {
      const b = button('m2p-link', '', () => act.onGoto(l.id));
      b.dataset.id = l.id;
      b.append(
        h('span', 'm2p-link-rel', l.text),
        h('span', 'm2p-link-label', l.label)
      );
      list.appendChild(b);
    }
    container.appendChild(list);
    if (d.moreLinks) {
      container.appendChild(
        h('div', 'm2p-details-more', `… and ${d.moreLinks} more links`)
      );
    }
  }
  for (const sec of d.sections) {
    container.appendChild(h('div', 'm2p-details-heading', sec.heading));
    const table = h('table', 'm2p-details-table');
    const body = h('tbody');
    for (const [k, v] of sec.rows) {
      const tr = h('tr');
      tr.append(h('th', undefined, k), h('td', undefined, v));
      body.appendChild(tr);
    }
    table.appendChild(body);
    container.appendChild(table);
    if (sec.more) {
      container.appendChild(
        h('div', 'm2p-details-more', `… and ${sec.more} more`)
      );
    }
  }
}

export const MAX_MATCHES_LISTED = 100;

/** The clickable list of search matches. */
export function renderMatches(
  container: HTMLElement,
  query: string,
  hits: ISearchHit[],
  onPick: (id: string) => void
): void {
  container.replaceChildren();
  if (!query.trim()) {
    container.hidden = true;
    return;
  }
  container.hidden = false;
  const n = hits.length;
  container.appendChild(
    h(
      'div',
      'm2p-matches-count',
      n ? `${n} match${n === 1 ? '' : 'es'}` : 'No match'
    )
  );
  for (const hit of hits.slice(0, MAX_MATCHES_LISTED)) {
    const b = button('m2p-match', '', () => onPick(hit.id));
    b.dataset.id = hit.id;
    b.appendChild(h('span', 'm2p-match-label', hit.label));
    if (hit.via) {
      b.appendChild(h('span', 'm2p-match-via', hit.via));
    }
    container.appendChild(b);
  }
  if (n > MAX_MATCHES_LISTED) {
    container.appendChild(
      h(
        'div',
        'm2p-details-more',
        `… and ${n - MAX_MATCHES_LISTED} more (refine the search)`
      )
    );
  }
}

function swatch(
  shape: Shape,
  fill: string,
  border: string,
  dashed = false,
  width = 1.5
): HTMLElement {
  const s = h('span', `m2p-swatch m2p-swatch-${shape}`);
  s.style.background = fill;
  s.style.borderColor = border;
  s.style.borderWidth = `${width}px`;
  if (dashed) {
    s.style.borderStyle = 'dashed';
  }
  return s;
}

/** Fill `container` with the legend entries (colours resolved for `mode`). */
export function renderLegend(
  container: HTMLElement,
  entries: LegendEntry[],
  mode: ThemeName
): void {
  container.replaceChildren();
  for (const e of entries) {
    const item = h('span', `m2p-legend-item m2p-legend-${e.type}`);
    if (e.type === 'node') {
      item.appendChild(swatch(e.shape, e.fill[mode], e.border[mode]));
    } else if (e.type === 'shape') {
      item.appendChild(swatch(e.shape, 'transparent', 'var(--m2p-font-muted)'));
    } else if (e.type === 'edge') {
      const line = h('span', 'm2p-legend-line');
      line.style.borderTopStyle = e.dashes
        ? e.dashes[0] <= 2
          ? 'dotted'
          : 'dashed'
        : 'solid';
      item.appendChild(line);
    } else if (e.mark === 'highlight') {
      item.appendChild(swatch('box', 'transparent', e.color![mode], false, 3));
    } else if (e.mark === 'implicit') {
      item.appendChild(
        swatch('box', 'transparent', 'var(--m2p-font-muted)', true)
      );
    } else if (e.mark === 'badge') {
      const b = h('span', 'm2p-legend-badge', e.symbol);
      b.style.background = e.color![mode];
      item.appendChild(b);
    } else if (e.mark === 'folded') {
      item.appendChild(h('span', 'm2p-legend-folded', '5 params · …'));
    }
    item.appendChild(h('span', 'm2p-legend-text', e.text));
    item.dataset.entry = e.type;
    container.appendChild(item);
  }
}
