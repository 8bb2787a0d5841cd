import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BulkImports } from './bulk/imports.js';
import { FaultPlan, skipRecord } from './faults.js';
import { contentType, fail, failureCode, readRequest, send, type SandboxReply, type SandboxRequest } from './http.js';
import { LimitGuard, NOT_COUNTED } from './limits.js';
import { SandboxStore } from './model.js';
import type { SandboxFault, SandboxLimits, SandboxOptions, SandboxStats } from './options.js';
import { bodyProblem, effectiveMethod, resolve, type Route } from './routes.js';
import * as folders from './routes/folders.js';
import { TokenIssuer } from './routes/identity.js';
import * as leads from './routes/leads.js';
import * as lists from './routes/lists.js';
import * as staticLists from './routes/static-lists.js';
import { syncLeads, type SyncView } from './routes/sync.js';
import { DEFAULT_SEED } from './seed.js';

export type { SandboxBulkOptions, SandboxFault, SandboxLimits, SandboxOptions, SandboxStats } from './options.js';

/** The credentials of the sandbox's API user; public by design, like a demo password. */
export const SANDBOX_CREDENTIALS = Object.freeze({ clientId: 'sandbox-client-id', clientSecret: 'sandbox-client-secret' });

export interface RunningSandbox {
  url: string;
  store: SandboxStore;
  stats: SandboxStats;
  tokens: TokenIssuer;
  inject(fault: SandboxFault): void;
  clearFaults(): void;
  stop(): Promise<void>;
}

/** What a call did, for the statistics: lookups and the four Sync Leads actions apart. */
function operationName(request: SandboxRequest): string {
  const path = request.path.replace(/\/\d+\//g, '/{id}/').replace(/\/\d+\.json$/, '/{id}.json');
  const method = effectiveMethod(request);
  if (path === '/rest/v1/leads.json') {
    if (method === 'GET') return 'lookup leads';
    return `sync leads ${(request.json as { action?: string } | undefined)?.action ?? 'createOrUpdate'}`;
  }
  if (path === '/rest/v1/lists/{id}/leads.json' && method !== 'GET') return request.method === 'DELETE' ? 'list remove' : 'list add';
  return `${method} ${path}`;
}

/** Sync Leads calls that decide creates: the ones the create race applies to. */
function decidesCreates(request: SandboxRequest): boolean {
  const action = (request.json as { action?: string } | undefined)?.action ?? 'createOrUpdate';
  return request.path === '/rest/v1/leads.json' && effectiveMethod(request) === 'POST' && (action === 'createOnly' || action === 'createOrUpdate');
}

const wait = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

/**
 * A local HTTP server that behaves like the Marketo REST API for everything the plugin and
 * common client libraries use: identity, header-only auth, leads, lists, folders, static lists,
 * bulk import, Marketo's protocol errors, and the instance's limits. It listens on loopback only.
 * Never imported by the plugin.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const now = options.now ?? Date.now;
  const store = new SandboxStore(structuredClone(options.seed ?? DEFAULT_SEED), now);
  const stats: SandboxStats = { calls: 0, tokenCalls: 0, byOperation: {}, rateLimited: 0, concurrencyLimited: 0, quotaExceeded: 0, maxInFlight: 0, notCounted: 0 };
  const limits: SandboxLimits = { callsPerWindow: 100, windowMs: 20_000, maxConcurrent: 10, dailyQuota: 50_000, ...options.limits };
  const guard = new LimitGuard(limits, now, stats);
  const faults = new FaultPlan();
  for (const fault of options.faults ?? []) faults.add(fault);
  const tokens = new TokenIssuer(options.credentials ?? SANDBOX_CREDENTIALS, options.tokenTtlSeconds ?? 3600, now);
  const bulk = new BulkImports(store, now, options.bulk);
  const latency = options.latencyMs ?? 0;
  const race = options.createRace === true ? { windowMs: 0 } : options.createRace || undefined;

  const routes: Route[] = [
    { method: 'GET', pattern: /^\/rest\/v1\/leads\/describe2\.json$/, handle: () => leads.describe2(store) },
    { method: 'GET', pattern: /^\/rest\/v1\/leads\/describe\.json$/, handle: () => leads.describe(store) },
    { method: 'GET', pattern: /^\/rest\/v1\/leads\/partitions\.json$/, handle: () => leads.partitions(store) },
    { method: 'GET', pattern: /^\/rest\/v1\/leads\.json$/, handle: (r) => leads.lookup(store, r) },
    { method: 'POST', pattern: /^\/rest\/v1\/leads\.json$/, json: true, handle: (r, _m, call) => syncLeads(store, r, call.view) },
    { method: 'GET', pattern: /^\/rest\/v1\/lead\/(\d+)\.json$/, handle: (r, m) => leads.leadById(store, Number(m[1]), r) },
    { method: 'GET', pattern: /^\/rest\/v1\/lists\.json$/, handle: (r) => lists.findLists(store, r) },
    { method: 'GET', pattern: /^\/rest\/v1\/lists?\/(\d+)\/leads\.json$/, handle: (r, m) => lists.members(store, Number(m[1]), r) },
    { method: 'POST', pattern: /^\/rest\/v1\/lists\/(\d+)\/leads\.json$/, json: true, handle: (r, m) => lists.changeMembership(store, Number(m[1]), r, 'add') },
    { method: 'DELETE', pattern: /^\/rest\/v1\/lists\/(\d+)\/leads\.json$/, json: true, handle: (r, m) => lists.changeMembership(store, Number(m[1]), r, 'remove') },
    { method: 'GET', pattern: /^\/rest\/v1\/lists\/(\d+)\/leads\/ismember\.json$/, handle: (r, m) => lists.isMember(store, Number(m[1]), r) },
    { method: 'GET', pattern: /^\/userservice\/management\/v1\/users\/workspaces\.json$/, handle: () => folders.workspaces(store, options.userManagementApi !== false) },
    { method: 'GET', pattern: /^\/rest\/asset\/v1\/folder\/byName\.json$/, handle: (r) => folders.folderByName(store, r) },
    { method: 'GET', pattern: /^\/rest\/asset\/v1\/folder\/(\d+)\.json$/, handle: (r, m) => folders.folderById(store, Number(m[1]), r) },
    { method: 'GET', pattern: /^\/rest\/asset\/v1\/folders\.json$/, handle: (r) => folders.listFolders(store, r) },
    { method: 'POST', pattern: /^\/rest\/asset\/v1\/folders\.json$/, handle: (r) => folders.createFolder(store, r) },
    { method: 'GET', pattern: /^\/rest\/asset\/v1\/staticList\/byName\.json$/, handle: (r) => staticLists.listByName(store, r) },
    { method: 'GET', pattern: /^\/rest\/asset\/v1\/staticList\/(\d+)\.json$/, handle: (_r, m) => staticLists.listById(store, Number(m[1])) },
    { method: 'POST', pattern: /^\/rest\/asset\/v1\/staticLists\.json$/, handle: (r) => staticLists.createList(store, r) },
    { method: 'POST', pattern: /^\/bulk\/v1\/leads\.json$/, handle: (r, _m, call) => bulk.create(r, call.fault?.importFailure) },
    { method: 'GET', pattern: /^\/bulk\/v1\/leads\/batch\/(\d+)\.json$/, handle: (_r, m) => bulk.status(Number(m[1])) },
    { method: 'GET', pattern: /^\/bulk\/v1\/leads\/batch\/(\d+)\/failures\.json$/, handle: (_r, m) => bulk.rowsFile(Number(m[1]), 'failures') },
    { method: 'GET', pattern: /^\/bulk\/v1\/leads\/batch\/(\d+)\/warnings\.json$/, handle: (_r, m) => bulk.rowsFile(Number(m[1]), 'warnings') },
  ];

  /** An admitted call, from its arrival to its answer. */
  async function answer(request: SandboxRequest, fault: SandboxFault | undefined): Promise<SandboxReply> {
    const resolved = resolve(routes, request);
    const view: SyncView | undefined = race && decidesCreates(request) ? { arrivedAt: store.leadIdWatermark } : undefined;
    await wait(Math.max((fault?.delayMs ?? 0) + latency, view ? race!.windowMs : 0));
    if (fault?.httpStatus) return { status: fault.httpStatus, body: { error: 'injected fault' } };
    if (fault?.code) return fail(fault.code, fault.message ?? 'Injected fault');
    if (!('route' in resolved)) return resolved;
    const refused = bodyProblem(resolved.route, request, contentType(request));
    if (refused) return refused;
    bulk.advance();
    fault?.before?.(store);
    const restore = fault?.recordCode ? skipRecord(request, fault.recordIndex ?? 0, fault.recordCode) : (reply: SandboxReply) => reply;
    return restore(resolved.route.handle(request, resolved.match, { ...(fault && { fault }), ...(view && { view }) }));
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const parsed = await readRequest(req).catch(() => undefined);
      if (!parsed) return send(res, { status: 400, body: { error: 'malformed request' } });
      if ('tooLarge' in parsed) return send(res, { status: 413, body: { error: 'Request Entity Too Large' } });
      if (req.url && req.url.length > 8192) return send(res, { status: 414, body: { error: 'URI Too Long' } });
      if (parsed.path === '/identity/oauth/token') {
        stats.tokenCalls++;
        return send(res, tokens.issue(parsed));
      }
      const fault = faults.take(parsed.method, parsed.path);
      if (fault?.drop) return req.socket.destroy();
      const denied = tokens.check(parsed);
      if (denied) return send(res, denied);
      const admission = guard.admit();
      if (!('at' in admission)) return send(res, admission);
      try {
        stats.calls++;
        const operation = operationName(parsed);
        stats.byOperation[operation] = (stats.byOperation[operation] ?? 0) + 1;
        options.onCall?.({ at: admission.at, operation });
        const reply = await answer(parsed, fault);
        if (NOT_COUNTED.has(failureCode(reply) ?? '')) guard.forgive(admission);
        send(res, reply);
      } catch (error) {
        send(res, { status: 500, body: { error: (error as Error).message } });
      } finally {
        guard.release();
      }
    })();
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    stats,
    tokens,
    inject: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
