/** The view's CSS for pages without the lab extension's stylesheet (the widget, the offline page). */
import baseCss from '../style/base.css';

const STYLE_ID = 'mlflow2prov-graph-style';

/** Put the view's CSS into the document (or the widget's shadow root) once. */
export function ensureStyle(el: HTMLElement, css: string = baseCss): void {
  const root = el.getRootNode() as Document | ShadowRoot;
  const scope: ParentNode = root instanceof ShadowRoot ? root : document;
  if (scope.querySelector?.(`#${STYLE_ID}`)) {
    return;
  }
  const style = document.createElement('style');
  style.id = STYLE_ID;
  style.textContent = css;
  (root instanceof ShadowRoot ? root : document.head).appendChild(style);
}
