/**
 * The snapshot handshake of the contract: an explorer widget, on render, adds its `view_id` to
 * `window.__m2pLiveViews` (a Set) and dispatches the window event `m2p-live-view` (detail: the id); a
 * snapshot output of that id hides itself.
 */
export const LIVE_EVENT = 'm2p-live-view';

type LiveWindow = Window & { __m2pLiveViews?: Set<string> };

function registry(): Set<string> {
  const w = window as LiveWindow;
  if (!(w.__m2pLiveViews instanceof Set)) {
    w.__m2pLiveViews = new Set();
  }
  return w.__m2pLiveViews;
}

export function isLive(id: string): boolean {
  return typeof window !== 'undefined' && registry().has(id);
}

/** Register `id` as live and tell waiting snapshots. */
export function markLive(id: string): void {
  if (!id) {
    return;
  }
  registry().add(id);
  window.dispatchEvent(new CustomEvent(LIVE_EVENT, { detail: id }));
}

/** Call `cb` once the view `id` comes alive; returns the function that stops listening. */
export function onLive(id: string, cb: () => void): () => void {
  const handler = (ev: Event) => {
    if ((ev as CustomEvent).detail === id) {
      cb();
    }
  };
  window.addEventListener(LIVE_EVENT, handler);
  return () => window.removeEventListener(LIVE_EVENT, handler);
}
