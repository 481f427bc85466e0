// Bundle the graph module into the Python package: the explorer's anywidget ESM (src/widget.ts →
// static/graph_widget.js) and the offline page's IIFE (src/offline.ts → static/prov_view.js).
import { build } from 'esbuild';

const common = {
  bundle: true,
  minify: !process.env.M2P_NOMINIFY,
  target: 'es2020',
  loader: { '.css': 'text' },
  legalComments: 'none',
  logLevel: 'warning'
};
await build({
  ...common,
  entryPoints: ['src/widget.ts'],
  format: 'esm',
  outfile: '../mlflow2prov_jupyter/static/graph_widget.js'
});
await build({
  ...common,
  entryPoints: ['src/offline.ts'],
  format: 'iife',
  outfile: '../mlflow2prov_jupyter/static/prov_view.js'
});
