/**
 * The plugin and the sandbox as a host runs them: the compiled build in `dist/` (`npm run
 * build`), never the TypeScript sources. Every value the benchmark takes from the project comes
 * through here; the benchmark's own scripts import only types from `src/` (erased when run), so
 * that they typecheck without a build.
 */
import { existsSync } from 'node:fs';
import type * as PluginModule from '../src/index.js';
import type * as SandboxModule from '../src/sandbox/index.js';
import type * as ContainerModule from '../src/container.js';
import type * as ManifestModule from '../src/manifest/validate.js';
import type * as OptionsModule from '../src/options.js';
import type * as LifecycleModule from '../src/plugin.js';
import type * as TokensModule from '../src/tokens.js';
import type * as LeadCacheModule from '../src/state/lead-cache.js';
import type * as LocalLeadCacheModule from '../src/state/local/local-lead-cache.js';

export const DIST = new URL('../dist/src/', import.meta.url);

if (!existsSync(new URL('index.js', DIST))) {
  throw new Error('The benchmark measures the compiled build, and dist/ has none: run `npm run build` (`npm run bench` builds first).');
}

const load = <M>(path: string) => import(new URL(path, DIST).href) as Promise<M>;

export const { createPlugin, createLocalState } = await load<typeof PluginModule>('index.js');
export const { startSandbox, SANDBOX_CREDENTIALS, DEFAULT_SEED } = await load<typeof SandboxModule>('sandbox/index.js');

/** Internals, for the CPU section (a stub transport in the container) and the cache-memory one. */
export const internals = {
  container: () => load<typeof ContainerModule>('container.js'),
  manifest: () => load<typeof ManifestModule>('manifest/validate.js'),
  options: () => load<typeof OptionsModule>('options.js'),
  lifecycle: () => load<typeof LifecycleModule>('plugin.js'),
  tokens: () => load<typeof TokensModule>('tokens.js'),
  leadCache: () => load<typeof LeadCacheModule>('state/lead-cache.js'),
  localLeadCache: () => load<typeof LocalLeadCacheModule>('state/local/local-lead-cache.js'),
};
