// Remove build output (lib/, the labextension, the widget and offline bundles, the style table copy) and the
// lint caches.
import { rmSync } from 'node:fs';

for (const p of [
  'lib',
  'tsconfig.tsbuildinfo',
  'src/graph/view_style.json',
  '../mlflow2prov_jupyter/labextension',
  '../mlflow2prov_jupyter/static/graph_widget.js',
  '../mlflow2prov_jupyter/static/prov_view.js',
  '.eslintcache',
  '.stylelintcache'
]) {
  rmSync(p, { recursive: true, force: true });
}
