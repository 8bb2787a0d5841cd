import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's `manifest/` folder. Found by walking up from this module, because the module
 * runs both from `src/` (tsx, tests) and from `dist/src/` (the published build).
 */
let found: string | undefined;

function manifestDir(): string {
  if (found) return found;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'manifest', 'manifest.schema.json');
    if (existsSync(candidate)) return (found = join(dir, 'manifest'));
    const parent = dirname(dir);
    if (parent === dir) throw new Error('The package manifest/ folder was not found next to the plugin code');
    dir = parent;
  }
}

export function readManifestFile(name: string): unknown {
  return JSON.parse(readFileSync(join(manifestDir(), name), 'utf8')) as unknown;
}
