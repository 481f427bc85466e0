// Copy the one style table (mlflow2prov_jupyter/view_style.json, in git) next to the TypeScript that
// imports it (src/graph/view_style.json, git-ignored), so tsc, vitest and esbuild read the same file.
import { copyFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
copyFileSync(
  resolve(here, '../../mlflow2prov_jupyter/view_style.json'),
  resolve(here, '../src/graph/view_style.json')
);
