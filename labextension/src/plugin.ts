/**
 * Front-end plugin: the command "Open as PROV graph" (command palette, file browser context menu) that
 * opens the current file with the PROV Graph viewer.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { DocumentWidget } from '@jupyterlab/docregistry';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';

import { FACTORY } from './mime';

export const COMMAND = 'mlflow2prov:open-prov-graph';

function currentPath(app: JupyterFrontEnd, browser: IDefaultFileBrowser | null): string | null {
  const w = app.shell.currentWidget;
  if (w instanceof DocumentWidget) {
    return w.context.path;
  }
  if (browser) {
    const item = browser.selectedItems().next();
    if (item && !item.done && item.value.type !== 'directory') {
      return item.value.path;
    }
  }
  return null;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'mlflow2prov-jupyter:open-command',
  description: 'Open the current file as a PROV graph',
  autoStart: true,
  optional: [ICommandPalette, IDefaultFileBrowser],
  activate: (app: JupyterFrontEnd, palette: ICommandPalette | null, browser: IDefaultFileBrowser | null) => {
    app.commands.addCommand(COMMAND, {
      label: 'Open as PROV graph',
      caption: 'Open the current file (PROV-JSON) with the PROV Graph viewer',
      isEnabled: () => true,
      execute: async args => {
        const path = (args['path'] as string | undefined) ?? currentPath(app, browser);
        if (!path) {
          return;
        }
        return app.commands.execute('docmanager:open', { path, factory: FACTORY });
      }
    });
    palette?.addItem({ command: COMMAND, category: 'PROV' });
    app.contextMenu.addItem({
      command: COMMAND,
      selector: '.jp-DirListing-item[data-isdir="false"]',
      rank: 3
    });
  }
};

export default plugin;
