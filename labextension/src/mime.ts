/**
 * MIME extension: renders `application/vnd.prov+json` outputs and opens `.provjson` / `.prov.json` files
 * as the graph by default (the file type `provjson`; "Open With" still offers the text editor).
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import { MIME_TYPE, ProvGraphRenderer } from './renderer';

export const FACTORY = 'PROV Graph';
export const FILE_TYPE = 'provjson';

export const rendererFactory: IRenderMime.IRendererFactory = {
  // Safe: document text only reaches the page through textContent and the canvas.
  safe: true,
  mimeTypes: [MIME_TYPE],
  createRenderer: options => new ProvGraphRenderer(options)
};

const extension: IRenderMime.IExtension = {
  id: 'mlflow2prov-jupyter:prov-graph',
  description: 'Interactive graph of W3C PROV-JSON documents',
  rendererFactory,
  rank: 50,
  dataType: 'json',
  fileTypes: [
    {
      name: FILE_TYPE,
      displayName: 'PROV-JSON',
      mimeTypes: [MIME_TYPE],
      extensions: ['.provjson', '.prov.json'],
      fileFormat: 'text'
    }
  ],
  documentWidgetFactoryOptions: {
    name: FACTORY,
    label: 'PROV Graph',
    primaryFileType: FILE_TYPE,
    fileTypes: [FILE_TYPE],
    defaultFor: [FILE_TYPE]
  }
};

export default extension;
