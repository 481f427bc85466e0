/**
 * MIME extension: renders `application/vnd.prov+json` outputs (rank 40: below HTML's 50, so JupyterLab and
 * Notebook 7 pick the graph over the offline `text/html` fallback of the same output) and opens
 * `.provjson` / `.prov.json` files as the graph by default; `.json` and `.jsonld` can be opened with it
 * ("Open as PROV graph", "Open With").
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import {
  FACTORY,
  FILE_TYPE,
  JSONLD_FILE_TYPE,
  OPENABLE_FILE_TYPES
} from './files';
import { MIME_TYPE, ProvGraphRenderer } from './renderer';

export const RANK = 40;

export const rendererFactory: IRenderMime.IRendererFactory = {
  // Safe: runs nothing from the data; document text reaches the page through textContent and the canvas.
  safe: true,
  mimeTypes: [MIME_TYPE],
  createRenderer: options => new ProvGraphRenderer(options)
};

const extension: IRenderMime.IExtension = {
  id: 'mlflow2prov-jupyter:prov-graph',
  description: 'Interactive graph of W3C PROV-JSON documents',
  rendererFactory,
  rank: RANK,
  // Files reach the renderer as text: a file that is not JSON gets one line in the view, not a dialog.
  dataType: 'string',
  fileTypes: [
    {
      name: FILE_TYPE,
      displayName: 'PROV-JSON',
      mimeTypes: [MIME_TYPE],
      extensions: ['.provjson', '.prov.json'],
      fileFormat: 'text'
    },
    {
      name: JSONLD_FILE_TYPE,
      displayName: 'JSON-LD',
      mimeTypes: ['application/ld+json'],
      extensions: ['.jsonld'],
      fileFormat: 'text'
    }
  ],
  documentWidgetFactoryOptions: {
    // No label: JupyterLab's mime document factory labels the viewer with its name (it passes no label on).
    name: FACTORY,
    primaryFileType: FILE_TYPE,
    fileTypes: OPENABLE_FILE_TYPES,
    defaultFor: [FILE_TYPE]
  }
};

export default extension;
