// Bundle src/widget.ts (the anywidget ESM, vis-network included) into the Python package.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/widget.ts'],
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2020',
  loader: { '.css': 'text' },
  legalComments: 'none',
  outfile: '../mlflow2prov_jupyter/static/graph_widget.js',
  logLevel: 'warning'
});
