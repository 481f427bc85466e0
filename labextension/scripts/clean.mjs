// Remove build output (lib/, the labextension and the widget bundle).
import { rmSync } from 'node:fs';

for (const p of ['lib', 'tsconfig.tsbuildinfo', '../mlflow2prov_jupyter/labextension', '../mlflow2prov_jupyter/static/graph_widget.js']) {
  rmSync(p, { recursive: true, force: true });
}
