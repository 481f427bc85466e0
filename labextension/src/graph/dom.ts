/**
 * DOM builders for the graph view. Document text is untrusted: it only ever reaches the page through
 * `textContent` (never innerHTML), and vis-network tooltips are DOM elements built the same way.
 */
import type { Details } from './details';
import { HIGHLIGHT_BORDER, KIND_STYLE } from './style';

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

/** A tooltip element for vis-network's `title` (plain text, line breaks kept by CSS). */
export function tooltipElement(text: string): HTMLElement {
  return h('div', 'm2p-tooltip', text);
}

/** Fill `container` with the details panel for `details` (or a hint when nothing is selected). */
export function renderDetails(container: HTMLElement, details: Details | null): void {
  container.replaceChildren();
  if (!details) {
    container.appendChild(h('div', 'm2p-details-empty', 'Click a node to see its attributes.'));
    return;
  }
  container.appendChild(h('div', 'm2p-details-title', details.title));
  if (details.subtitle) {
    container.appendChild(h('div', 'm2p-details-subtitle', details.subtitle));
  }
  for (const sec of details.sections) {
    container.appendChild(h('div', 'm2p-details-heading', sec.heading));
    const table = h('table', 'm2p-details-table');
    const body = h('tbody');
    for (const [k, v] of sec.rows) {
      const tr = h('tr');
      tr.appendChild(h('th', undefined, k));
      tr.appendChild(h('td', undefined, v));
      body.appendChild(tr);
    }
    table.appendChild(body);
    container.appendChild(table);
    if (sec.more) {
      container.appendChild(h('div', 'm2p-details-more', `… and ${sec.more} more`));
    }
  }
}

function swatch(className: string, background: string, border: string): HTMLElement {
  const s = h('span', `m2p-swatch ${className}`);
  s.style.background = background;
  s.style.borderColor = border;
  return s;
}

/** The legend: the three PROV kinds, collapsed groups, referenced-only elements, highlights. */
export function renderLegend(container: HTMLElement): void {
  container.replaceChildren();
  const items: [HTMLElement, string][] = [
    [swatch('m2p-swatch-entity', KIND_STYLE.entity.background, KIND_STYLE.entity.border), 'Entity'],
    [swatch('m2p-swatch-activity', KIND_STYLE.activity.background, KIND_STYLE.activity.border), 'Activity'],
    [swatch('m2p-swatch-agent', KIND_STYLE.agent.background, KIND_STYLE.agent.border), 'Agent'],
    [swatch('m2p-swatch-group', KIND_STYLE.entity.background, KIND_STYLE.entity.border), 'Collapsed group (×count)'],
    [swatch('m2p-swatch-implicit', '#FFFFFF', KIND_STYLE.entity.border), 'Referenced, not described'],
    [swatch('m2p-swatch-highlight', '#FFFFFF', HIGHLIGHT_BORDER), 'Highlighted / search match']
  ];
  for (const [sw, text] of items) {
    const item = h('span', 'm2p-legend-item');
    item.appendChild(sw);
    item.appendChild(h('span', undefined, text));
    container.appendChild(item);
  }
}
