import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultPlan, LimitGuard, type SandboxFault, type SandboxLimits, type SandboxStats } from './guards.js';

export type { SandboxFault, SandboxLimits, SandboxStats } from './guards.js';
import { fail, readRequest, send, type SandboxReply, type SandboxRequest } from './http.js';
import { SandboxStore, type SandboxSeed } from './model.js';
import * as assets from './routes/assets.js';
import { BulkImports } from './routes/bulk.js';
import { TokenIssuer } from './routes/identity.js';
import * as leads from './routes/leads.js';
import * as lists from './routes/lists.js';
import { DEFAULT_SEED } from './seed.js';

export interface SandboxOptions {
  /** Loopback port; 0 (default) picks a free one. */
  port?: number;
  seed?: SandboxSeed;
  credentials?: { clientId: string; clientSecret: string };
  tokenTtlSeconds?: number;
  limits?: Partial<SandboxLimits>;
  /** Whether the API user may call the User Management API (workspaces). */
  userManagementApi?: boolean;
  faults?: SandboxFault[];
  /** Time each REST call takes, so concurrency behaves as over a network. */
  latencyMs?: number;
  now?: () => number;
}

/** What a call did, for the statistics: lookups and the four Sync Leads actions apart. */
function operationName(request: SandboxRequest): string {
  const path = request.path.replace(/\/\d+\//g, '/{id}/').replace(/\/\d+\.json$/, '/{id}.json');
  if (path === '/rest/v1/leads.json') {
    if (request.method === 'GET' || request.query.get('_method') === 'GET') return 'lookup leads';
    return `sync leads ${(request.json as { action?: string } | undefined)?.action ?? 'createOrUpdate'}`;
  }
  if (path === '/rest/v1/lists/{id}/leads.json') return request.method === 'DELETE' ? 'list remove' : 'list add';
  return `${request.method} ${path}`;
}

/** Handles the request without one of its input records, which comes back skipped with `code`. */
function withSkippedRecord(request: SandboxRequest, index: number, code: string, handle: () => SandboxReply): SandboxReply {
  const body = request.json as { input?: unknown[] } | undefined;
  if (!Array.isArray(body?.input) || index >= body.input.length) return handle();
  const input = body.input;
  request.json = { ...body, input: input.filter((_, i) => i !== index) };
  const reply = handle();
  const envelope = reply.body as { result?: unknown[] };
  envelope.result?.splice(index, 0, { status: 'skipped', reasons: [{ code, message: `Injected record failure ${code}` }] });
  return reply;
}

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

type Handler = (request: SandboxRequest, match: RegExpExecArray) => SandboxReply;

/**
 * A local HTTP server that behaves like the Marketo REST API for everything the plugin uses:
 * identity, header-only auth, leads, assets, lists, bulk import, and the instance's limits.
 * It listens on loopback only. Never imported by the plugin.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const now = options.now ?? Date.now;
  const store = new SandboxStore(structuredClone(options.seed ?? DEFAULT_SEED), now);
  const stats: SandboxStats = { calls: 0, tokenCalls: 0, byOperation: {}, rateLimited: 0, concurrencyLimited: 0, quotaExceeded: 0, maxInFlight: 0 };
  const limits: SandboxLimits = { callsPerWindow: 100, windowMs: 20_000, maxConcurrent: 10, dailyQuota: 50_000, ...options.limits };
  const guard = new LimitGuard(limits, now, stats);
  const faults = new FaultPlan();
  for (const fault of options.faults ?? []) faults.add(fault);
  const tokens = new TokenIssuer(options.credentials ?? SANDBOX_CREDENTIALS, options.tokenTtlSeconds ?? 3600, now);
  const bulk = new BulkImports(store);
  const latency = options.latencyMs ?? 0;

  const routes: Array<[string, RegExp, Handler]> = [
    ['GET', /^\/rest\/v1\/leads\/describe2\.json$/, () => leads.describe(store)],
    ['GET', /^\/rest\/v1\/leads\/partitions\.json$/, () => leads.partitions(store)],
    ['GET', /^\/rest\/v1\/leads\.json$/, (r) => leads.lookup(store, r)],
    ['POST', /^\/rest\/v1\/leads\.json$/, (r) => (r.query.get('_method') === 'GET' ? leads.lookup(store, r) : leads.syncLeads(store, r))],
    ['GET', /^\/userservice\/management\/v1\/users\/workspaces\.json$/, () => assets.workspaces(store, options.userManagementApi !== false)],
    ['GET', /^\/rest\/asset\/v1\/folder\/byName\.json$/, (r) => assets.folderByName(store, r)],
    ['GET', /^\/rest\/asset\/v1\/folders\.json$/, (r) => assets.listFolders(store, r)],
    ['POST', /^\/rest\/asset\/v1\/folders\.json$/, (r) => assets.createFolder(store, r)],
    ['GET', /^\/rest\/asset\/v1\/staticList\/byName\.json$/, (r) => assets.listByName(store, r)],
    ['GET', /^\/rest\/asset\/v1\/staticList\/(\d+)\.json$/, (_r, m) => assets.listById(store, Number(m[1]))],
    ['POST', /^\/rest\/asset\/v1\/staticLists\.json$/, (r) => assets.createList(store, r)],
    ['POST', /^\/rest\/v1\/lists\/(\d+)\/leads\.json$/, (r, m) => lists.changeMembership(store, Number(m[1]), r, 'add')],
    ['DELETE', /^\/rest\/v1\/lists\/(\d+)\/leads\.json$/, (r, m) => lists.changeMembership(store, Number(m[1]), r, 'remove')],
    ['GET', /^\/rest\/v1\/lists\/(\d+)\/leads\/ismember\.json$/, (r, m) => lists.isMember(store, Number(m[1]), r)],
    ['POST', /^\/bulk\/v1\/leads\.json$/, (r) => bulk.create(r)],
    ['GET', /^\/bulk\/v1\/leads\/batch\/(\d+)\.json$/, (_r, m) => bulk.status(Number(m[1]))],
    ['GET', /^\/bulk\/v1\/leads\/batch\/(\d+)\/failures\.json$/, (_r, m) => bulk.failures(Number(m[1]))],
    ['GET', /^\/bulk\/v1\/leads\/batch\/(\d+)\/warnings\.json$/, (_r, m) => bulk.warnings(Number(m[1]))],
  ];

  const server: Server = createServer((req, res) => {
    void (async () => {
      const parsed = await readRequest(req).catch(() => undefined);
      if (!parsed) return send(res, { status: 400, body: { error: 'malformed request body' } });
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
      const refused = guard.admit();
      if (refused) return send(res, refused);
      try {
        stats.calls++;
        const operation = operationName(parsed);
        stats.byOperation[operation] = (stats.byOperation[operation] ?? 0) + 1;
        const wait = (fault?.delayMs ?? 0) + latency;
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (fault?.httpStatus) return send(res, { status: fault.httpStatus, body: { error: 'injected fault' } });
        if (fault?.code) return send(res, fail(fault.code, fault.message ?? 'Injected fault'));
        fault?.before?.(store);
        const route = routes.find(([method, pattern]) => method === parsed.method && pattern.test(parsed.path));
        if (!route) return send(res, { status: 404, body: { error: `No such endpoint: ${parsed.method} ${parsed.path}` } });
        const handle = () => route[2](parsed, route[1].exec(parsed.path)!);
        send(res, fault?.recordCode ? withSkippedRecord(parsed, fault.recordIndex ?? 0, fault.recordCode, handle) : handle());
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
