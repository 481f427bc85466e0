/**
 * The offline bundle (`mlflow2prov_jupyter/static/prov_view.js`, an esbuild IIFE): the graph view for
 * pages without the JupyterLab extension (VS Code, nbconvert HTML, other front ends). Defines
 * `window.mlflow2provView = {render(el, provjson, view), renderEmbedded(el)}` and dispatches the window
 * event `m2p-view-ready`. Marks `document.body[data-m2p-drawn]` after the first frame (benchmarks).
 */
import type { IViewOptions } from './graph/model';
import { IProvView, createProvView } from './graph/view';
import { readEmbedded } from './embedded';
import { ensureStyle } from './pagestyle';

function render(
  el: HTMLElement,
  provjson: unknown,
  view: IViewOptions = {}
): IProvView {
  ensureStyle(el);
  return createProvView(el, provjson, view ?? {}, {
    onPaint: () => document.body?.setAttribute('data-m2p-drawn', 'true')
  });
}

/** Draw the output `el` from its data script (a child, else the next sibling). */
async function renderEmbedded(el: HTMLElement): Promise<IProvView | null> {
  let script = el.querySelector('script[type="application/json"]');
  if (
    !script &&
    el.nextElementSibling?.matches('script[type="application/json"]')
  ) {
    script = el.nextElementSibling;
  }
  if (!script) {
    el.textContent = 'No PROV data found next to this graph.';
    return null;
  }
  const { doc, view } = await readEmbedded(script.textContent ?? '');
  el.querySelectorAll('.m2p-offline-note').forEach(
    n => ((n as HTMLElement).hidden = true)
  );
  return render(el, doc, view);
}

const api = { render, renderEmbedded };
(window as unknown as { mlflow2provView: typeof api }).mlflow2provView = api;
window.dispatchEvent(new Event('m2p-view-ready'));
