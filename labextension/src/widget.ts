/**
 * The anywidget front-end of the explorer (`mlflow2prov_jupyter/static/graph_widget.js`, bundled by
 * esbuild with the graph module). Traits (notes/VIEW_CONTRACT.md): `doc` (PROV-JSON), `view`
 * (IViewOptions), `view_id` (registered as live for the snapshot handshake), `selected` (written here on
 * click, "" = none), `height` (px of the graph area).
 */
import type { IViewOptions } from './graph/model';
import { createProvView } from './graph/view';
import { markLive } from './live';
import { ensureStyle } from './pagestyle';

interface IModel {
  get(name: string): unknown;
  set(name: string, value: unknown): void;
  save_changes(): void;
  on(event: string, cb: () => void): void;
  off(event: string, cb: () => void): void;
}

function viewOf(model: IModel): IViewOptions {
  const v = (model.get('view') as IViewOptions | null) ?? {};
  const height = model.get('height');
  return typeof height === 'number' && height > 0 ? { ...v, height } : v;
}

function render({ model, el }: { model: IModel; el: HTMLElement }): () => void {
  ensureStyle(el);
  el.classList.add('m2p-widget');
  markLive(String(model.get('view_id') ?? ''));
  const view = createProvView(el, model.get('doc') ?? {}, viewOf(model), {
    onSelect: id => {
      model.set('selected', id ?? '');
      model.save_changes();
    }
  });
  // One redraw per burst of trait changes (Python sets doc and view in one message, but in two events).
  let docChanged = false;
  let pending = false;
  const schedule = (doc: boolean) => {
    docChanged ||= doc;
    if (pending) {
      return;
    }
    pending = true;
    setTimeout(() => {
      pending = false;
      const d = docChanged;
      docChanged = false;
      view.update(d ? (model.get('doc') ?? {}) : undefined, viewOf(model));
    }, 0);
  };
  const onDoc = () => schedule(true);
  const onView = () => schedule(false);
  const onId = () => markLive(String(model.get('view_id') ?? ''));
  model.on('change:doc', onDoc);
  model.on('change:view', onView);
  model.on('change:height', onView);
  model.on('change:view_id', onId);
  return () => {
    model.off('change:doc', onDoc);
    model.off('change:view', onView);
    model.off('change:height', onView);
    model.off('change:view_id', onId);
    view.dispose();
  };
}

export default { render };
