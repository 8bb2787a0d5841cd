import { readFileSync } from 'node:fs';
import nock from 'nock';
import { createLocalState } from '../../src/state/local/local-state.js';
import type { Logger, PluginOptions } from '../../src/types.js';

export const MUNCHKIN = '123-ABC-456';
export const BASE = `https://${MUNCHKIN}.mktorest.com`;
export const CREDENTIALS = Object.freeze({ clientId: 'client-id-7f3a9c51', clientSecret: 'client-secret-b81e44d2aa' });
export const TOKEN = 'access-token-c0ffee-0001';
export const AUTH = { reqheaders: { authorization: `Bearer ${TOKEN}` } };

export const CONFIG = Object.freeze({
  name: 'Marketo production',
  munchkinId: MUNCHKIN,
  syncType: 'audience_and_profile',
  dedupeField: 'email',
  personAction: 'update_and_create',
});

export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** A Marketo instance's REST host, with every request required to carry the bearer token only. */
export function marketo(base = BASE, token = TOKEN): nock.Scope {
  return nock(base, { reqheaders: { authorization: `Bearer ${token}` } });
}

/** The identity service answering the test credentials with `token`. */
export function identity(options: { base?: string; token?: string; expiresIn?: number; times?: number } = {}): nock.Scope {
  const { base = BASE, token = TOKEN, expiresIn = 3599, times = 1 } = options;
  return nock(base)
    .post('/identity/oauth/token', {
      grant_type: 'client_credentials',
      client_id: CREDENTIALS.clientId,
      client_secret: CREDENTIALS.clientSecret,
    })
    .times(times)
    .reply(200, { access_token: token, token_type: 'bearer', expires_in: expiresIn, scope: 'api@example.com' });
}

/** describe2, partitions and workspaces, as connect and discover read them. */
export function instanceMetadata(scope: nock.Scope = marketo()): nock.Scope {
  return scope
    .get('/rest/v1/leads/describe2.json')
    .reply(200, fixture('describe2.json'))
    .get('/rest/v1/leads/partitions.json')
    .reply(200, fixture('partitions.json'))
    .get('/userservice/management/v1/users/workspaces.json')
    .reply(200, fixture('workspaces.json'));
}

export interface CapturedLog {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

export function captureLogger(): { logger: Logger; lines: CapturedLog[] } {
  const lines: CapturedLog[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => lines.push({ level, msg, ...(fields && { fields }) });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

export class FakeClock {
  constructor(public ms = Date.parse('2026-11-20T15:00:00Z')) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A clock whose sleep advances it at once: tests run on virtual time, never waiting. */
export function virtualTime(start?: number): { clock: FakeClock; now: () => number; sleep: (ms: number) => Promise<void> } {
  const clock = new FakeClock(start);
  return { clock, now: clock.now, sleep: async (ms) => clock.advance(ms) };
}

/** Options every lifecycle test uses: no backoff waits, its own virtual clock, its own shared state. */
export function testOptions(extra: PluginOptions = {}): PluginOptions {
  const { now, sleep } = virtualTime();
  return { retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 }, now, sleep, localState: createLocalState(), ...extra };
}

/** Mappings a host would send for the spec's example profile, with email as dedupe field. */
export const MAPPINGS = Object.freeze([
  { source: 'identityMap.Email', target: 'identity:DedupeField' },
  { source: 'person.name.firstName', target: 'firstName' },
  { source: 'person.name.lastName', target: 'lastName' },
]);

/** Answers the identity and metadata calls of one connect, then connects. */
export async function connected(
  plugin: { connect(request: { credentials: typeof CREDENTIALS; config: Record<string, unknown> }): Promise<{ connectionId: string }> },
  config: Record<string, unknown> = { ...CONFIG },
): Promise<string> {
  identity();
  instanceMetadata();
  const { connectionId } = await plugin.connect({ credentials: CREDENTIALS, config });
  return connectionId;
}

export function listAsset(id: number, name: string, folderId = 55): Record<string, unknown> {
  return { id, name, description: '', folder: { id: folderId, type: 'Folder', name: 'CDP Audiences' }, workspace: 'Default' };
}

export const envelope = (result: unknown[], extra: Record<string, unknown> = {}) => ({ requestId: 'req#1', success: true, result, ...extra });
export const failure = (code: string, message: string) => ({ requestId: 'req#1', success: false, errors: [{ code, message }] });
