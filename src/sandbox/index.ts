/** The local Marketo sandbox, for hosts' own integration tests (see docs/sandbox.md). */
export { startSandbox, SANDBOX_CREDENTIALS } from './server.js';
export type { RunningSandbox, SandboxFault, SandboxLimits, SandboxOptions, SandboxStats } from './server.js';
export { DEFAULT_SEED } from './seed.js';
export type { SandboxSeed } from './model.js';
