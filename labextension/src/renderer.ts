/**
 * The `application/vnd.prov+json` renderer (notebook outputs and the PROV-JSON document viewer): the shared
 * graph view with the output's view options (`metadata[MIME_TYPE].view`). Runs nothing from the data, so it
 * is safe in untrusted notebooks. Snapshot outputs (`metadata[MIME_TYPE].snapshot_of`) stay empty while the
 * explorer widget of that id is live (see the contract's handshake, live.ts).
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import type { IViewOptions } from './graph/model';
import { IProvView, createProvView } from './graph/view';
import { isLive, onLive } from './live';

export const MIME_TYPE = 'application/vnd.prov+json';
export const SNAPSHOT_CAPTION = 'Last state of the explorer (snapshot)';

interface IProvMeta {
  view?: IViewOptions;
  snapshot_of?: string;
}

/** The view options and snapshot id of an output's metadata (anything malformed is ignored). */
export function readMeta(metadata: unknown): IProvMeta {
  const m =
    metadata && typeof metadata === 'object'
      ? (metadata as Record<string, unknown>)[MIME_TYPE]
      : null;
  if (!m || typeof m !== 'object') {
    return {};
  }
  const o = m as Record<string, unknown>;
  const out: IProvMeta = {};
  if (o.view && typeof o.view === 'object' && !Array.isArray(o.view)) {
    out.view = o.view as IViewOptions;
  }
  if (typeof o.snapshot_of === 'string' && o.snapshot_of) {
    out.snapshot_of = o.snapshot_of;
  }
  return out;
}

export class ProvGraphRenderer extends Widget implements IRenderMime.IRenderer {
  private _mimeType: string;
  private _view: IProvView | null = null;
  private _data: unknown = undefined;
  private _stopLive: (() => void) | null = null;
  private _fill: boolean;

  constructor(options: IRenderMime.IRendererOptions, fill = false) {
    super();
    this._mimeType = options.mimeType;
    this._fill = fill;
    this.addClass('m2p-prov-renderer');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[this._mimeType] as unknown;
    const meta = readMeta(model.metadata);
    this._stopLive?.();
    this._stopLive = null;
    if (meta.snapshot_of) {
      const id = meta.snapshot_of;
      this.node.dataset.snapshotOf = id;
      if (isLive(id)) {
        this._hide();
        return;
      }
      // Drawn now; hidden if the explorer of this id comes alive later (kernel re-run).
      this._stopLive = onLive(id, () => this._hide());
    }
    const caption = meta.snapshot_of ? SNAPSHOT_CAPTION : undefined;
    this.node.hidden = false;
    if (this._view && data === this._data) {
      this._view.update(undefined, meta.view ?? {});
      return;
    }
    this._data = data;
    this._view?.dispose();
    this._view = createProvView(this.node, data, meta.view ?? {}, {
      caption,
      fill: this._fill
    });
  }

  private _hide(): void {
    this._view?.dispose();
    this._view = null;
    this._data = undefined;
    this.node.hidden = true;
    this.node.dataset.live = 'true';
  }

  dispose(): void {
    this._stopLive?.();
    this._view?.dispose();
    this._view = null;
    super.dispose();
  }
}
