/**
 * Front-end plugin: the command "Open as PROV graph" (command palette, file browser context menu on
 * `.json`, `.jsonld`, `.provjson` and `.prov.json` files) that opens a file with the PROV Graph viewer.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { DocumentWidget } from '@jupyterlab/docregistry';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { FACTORY, OPENABLE_FILE_TYPES, canOpen } from './files';

export const COMMAND = 'mlflow2prov:open-prov-graph';

function currentPath(
  app: JupyterFrontEnd,
  browser: IDefaultFileBrowser | null
): string | null {
  if (browser) {
    const item = browser.selectedItems().next();
    if (item && !item.done && item.value.type !== 'directory') {
      return item.value.path;
    }
  }
  const w = app.shell.currentWidget;
  return w instanceof DocumentWidget ? w.context.path : null;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'mlflow2prov-jupyter:open-command',
  description: 'Open the current file as a PROV graph',
  autoStart: true,
  optional: [ICommandPalette, IDefaultFileBrowser, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    browser: IDefaultFileBrowser | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load('mlflow2prov_jupyter');
    const target = (args: Record<string, unknown>) =>
      (args['path'] as string | undefined) ?? currentPath(app, browser);
    app.commands.addCommand(COMMAND, {
      label: trans.__('Open as PROV graph'),
      caption: trans.__(
        'Open this PROV-JSON file (.json, .jsonld, .provjson) with the PROV Graph viewer'
      ),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            path: {
              type: 'string',
              description: trans.__(
                'Path of the file to open (default: the file selected in the file browser, else the current document)'
              )
            }
          }
        }
      },
      isEnabled: args => canOpen(target(args)),
      isVisible: args => canOpen(target(args)),
      execute: async args => {
        const path = target(args);
        if (!canOpen(path)) {
          return;
        }
        return app.commands.execute('docmanager:open', {
          path,
          factory: FACTORY
        });
      }
    });
    palette?.addItem({ command: COMMAND, category: trans.__('PROV') });
    app.contextMenu.addItem({
      command: COMMAND,
      selector: OPENABLE_FILE_TYPES.map(
        t => `.jp-DirListing-item[data-file-type="${t}"]`
      ).join(', '),
      rank: 3
    });
  }
};

export default plugin;
