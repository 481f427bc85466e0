/**
 * Theme colours: JupyterLab's CSS variables when present (light, dark, high contrast), else the style
 * table's fallbacks for the mode the page prefers (prefers-color-scheme). Re-read when JupyterLab switches
 * theme (the body's data-jp-theme-light attribute) or the system scheme changes.
 */
import { STYLE, ThemeColors, ThemeName, fallbackTheme } from './style';

/** Dark or light: JupyterLab's body attribute first, else prefers-color-scheme. */
export function themeMode(doc: Document = document): ThemeName {
  const attr = doc.body?.getAttribute('data-jp-theme-light');
  if (attr === 'false') {
    return 'dark';
  }
  if (attr === 'true') {
    return 'light';
  }
  const mq =
    typeof window !== 'undefined' && window.matchMedia
      ? window.matchMedia('(prefers-color-scheme: dark)')
      : null;
  return mq && mq.matches ? 'dark' : 'light';
}

/** Colours for `el`: each theme variable as computed on it, or the fallback of the current mode. */
export function readTheme(el: Element): ThemeColors {
  const mode = themeMode(el.ownerDocument ?? document);
  const out = fallbackTheme(mode) as Record<string, string>;
  const cs =
    typeof getComputedStyle === 'function' ? getComputedStyle(el) : null;
  for (const [k, v] of Object.entries(STYLE.theme)) {
    const css = cs ? cs.getPropertyValue(v.var).trim() : '';
    if (css) {
      out[k] = css;
    }
  }
  return out as ThemeColors;
}

/** Call `cb` when the theme may have changed; returns the function that stops watching. */
export function watchTheme(
  cb: () => void,
  doc: Document = document
): () => void {
  const stops: (() => void)[] = [];
  if (typeof MutationObserver !== 'undefined' && doc.body) {
    const mo = new MutationObserver(() => cb());
    mo.observe(doc.body, {
      attributes: true,
      attributeFilter: ['data-jp-theme-light', 'data-jp-theme-name']
    });
    stops.push(() => mo.disconnect());
  }
  const mq =
    typeof window !== 'undefined' && window.matchMedia
      ? window.matchMedia('(prefers-color-scheme: dark)')
      : null;
  if (mq && mq.addEventListener) {
    mq.addEventListener('change', cb);
    stops.push(() => mq.removeEventListener('change', cb));
  }
  return () => stops.forEach(s => s());
}

/** Expose the colours as `--m2p-<name>` custom properties on `el` (the panels' CSS reads them). */
export function applyThemeVars(el: HTMLElement, t: ThemeColors): void {
  for (const k of Object.keys(STYLE.theme)) {
    el.style.setProperty(
      `--m2p-${k.replace(/_/g, '-')}`,
      (t as Record<string, string>)[k]
    );
  }
  el.dataset.theme = t.mode;
}
