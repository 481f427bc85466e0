/**
 * The sample project's PROV-JSON (`mlflow2prov demo`: 257 elements, 552 relations), made once by the real
 * CLI into a cache directory (or read from $M2P_DEMO_DOC), so the view is tested on what users see.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let cached: Record<string, unknown> | null = null;

export function demoDoc(): Record<string, unknown> {
  if (cached) {
    return cached;
  }
  let path = process.env.M2P_DEMO_DOC ?? '';
  if (!path) {
    const dir = join(tmpdir(), 'm2p-vitest-demo');
    path = join(dir, 'provenance.json');
    if (!existsSync(path)) {
      // A fresh directory each time (an interrupted run may have left a partial one), then cached.
      const fresh = join(
        mkdtempSync(join(tmpdir(), 'm2p-vitest-demo-')),
        'demo'
      );
      execFileSync('mlflow2prov', ['demo', fresh], {
        stdio: 'ignore',
        timeout: 180_000
      });
      mkdirSync(dir, { recursive: true });
      copyFileSync(join(fresh, 'provenance.json'), path);
    }
  }
  cached = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  return cached;
}
