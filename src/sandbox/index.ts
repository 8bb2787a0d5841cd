/**
 * The local Marketo sandbox, for hosts' own tests and demos: an HTTP server on loopback that
 * answers like Marketo's REST API (see docs/sandbox.md). The plugin never imports it.
 */
export { SANDBOX_CREDENTIALS, startSandbox, type RunningSandbox } from './server.js';
export type { SandboxBulkOptions, SandboxFault, SandboxLimits, SandboxOptions, SandboxStats } from './options.js';
export type { FieldValue, SandboxField, SandboxFolder, SandboxLead, SandboxList, SandboxSeed, SandboxStore, SeedFolder } from './model.js';
export type { FolderType } from './folders.js';
export { DEFAULT_SEED } from './seed.js';
