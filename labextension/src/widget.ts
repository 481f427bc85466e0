/**
 * The anywidget front-end (`mlflow2prov_jupyter/static/graph_widget.js`, bundled by esbuild with
 * vis-network). Model traits: `nodes` (list of vis node dicts), `edges` (list), `options` (dict of
 * vis-network options), `selected` (str, written here on click), `details` (dict shown in the details
 * panel), `highlight` (list of node ids to emphasise). See labextension/README.md.
 */
import visCss from 'vis-network/styles/vis-network.css';

import baseCss from '../style/base.css';
import { detailsFromDict } from './graph/details';
import { GraphView, ViewEdge, ViewNode } from './graph/view';

interface Model {
  get(name: string): unknown;
  set(name: string, value: unknown): void;
  save_changes(): void;
  on(event: string, cb: () => void): void;
  off(event: string, cb: () => void): void;
}

const STYLE_ID = 'mlflow2prov-graph-widget-style';

function ensureStyle(el: HTMLElement): void {
  const root = el.getRootNode() as Document | ShadowRoot;
  const doc = root instanceof ShadowRoot ? root : document;
  if ((doc as ParentNode).querySelector?.(`#${STYLE_ID}`)) {
    return;
  }
  const style = document.createElement('style');
  style.id = STYLE_ID;
  style.textContent = `${visCss}\n${baseCss}`;
  (doc instanceof ShadowRoot ? doc : document.head).appendChild(style);
}

function render({ model, el }: { model: Model; el: HTMLElement }): () => void {
  ensureStyle(el);
  el.classList.add('m2p-widget');
  const view = new GraphView(el, {
    onSelect: id => {
      model.set('selected', id ?? '');
      model.save_changes();
    }
  });
  let pending = false;
  const draw = () => {
    if (pending) {
      return;
    }
    pending = true;
    setTimeout(() => {
      pending = false;
      view.setGraph(
        (model.get('nodes') as ViewNode[]) ?? [],
        (model.get('edges') as ViewEdge[]) ?? [],
        (model.get('options') as Record<string, unknown>) ?? {}
      );
      view.setHighlight((model.get('highlight') as string[]) ?? []);
    }, 0);
  };
  const onDetails = () => {
    const d = detailsFromDict(model.get('details') as Record<string, unknown> | null);
    if (d) {
      view.setDetails(d);
    }
  };
  const onHighlight = () => view.setHighlight((model.get('highlight') as string[]) ?? []);
  model.on('change:nodes', draw);
  model.on('change:edges', draw);
  model.on('change:options', draw);
  model.on('change:details', onDetails);
  model.on('change:highlight', onHighlight);
  draw();
  onDetails();
  return () => {
    model.off('change:nodes', draw);
    model.off('change:edges', draw);
    model.off('change:options', draw);
    model.off('change:details', onDetails);
    model.off('change:highlight', onHighlight);
    view.dispose();
  };
}

export default { render };
