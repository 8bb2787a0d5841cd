import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { createPlugin, type MarketoDestinationPlugin } from '../../src/index.js';
import type { PluginOptions } from '../../src/types.js';
import { AUDIENCE, LIST_ID } from './delivery.js';
import { CONFIG, CREDENTIALS, fixture, listAsset, MAPPINGS, TOKEN, testOptions } from './marketo.js';

/**
 * Suites that talk to loopback servers run on real sockets: nock's interceptor, loaded by every
 * test, would otherwise sit between the plugin and the server and close its mock socket before
 * a slow reader has read what the server sent.
 */
export function onRealSockets(): void {
  before(() => nock.restore());
  after(() => nock.activate());
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * A Marketo on a loopback port, for answers nock cannot give: bodies that are huge, inflate
 * to a gigabyte or drip byte by byte. It answers what connect and activate read (the identity
 * service, describe2, partitions, workspaces, the audience's list by name) like the nock
 * fixtures do; a test routes the call it makes hostile with `route`.
 */
export class LoopbackMarketo {
  private readonly server: http.Server;
  private readonly routes = new Map<string, Handler>();
  /** `METHOD path` of every request received, in order. */
  readonly calls: string[] = [];
  url = '';

  constructor() {
    this.server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://loopback').pathname;
      this.calls.push(`${req.method} ${path}`);
      const handler = this.routes.get(`${req.method} ${path}`) ?? defaultRoute(req.method ?? 'GET', path);
      req.on('data', () => {});
      req.on('end', () => handler(req, res));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  route(method: string, path: string, handler: Handler): this {
    this.routes.set(`${method} ${path}`, handler);
    return this;
  }

  /** The requests received for `method path`. */
  count(method: string, path: string): number {
    return this.calls.filter((call) => call === `${method} ${path}`).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Bytes a hostile handler wrote before the client hung up or it finished. */
export interface Sent {
  bytes: number;
  finished: boolean;
}

/** 64 MiB of JSON whitespace, gzipped: about 290 KB that inflate 230-fold. */
let bombMember: Buffer | undefined;

/**
 * A gzip bomb: an envelope's opening, then `members` gzip members of 64 MiB each (gzip allows
 * members one after the other). 14 members are about 4 MB on the wire and 896 MiB inflated.
 */
export function gzipBomb(sent: Sent = { bytes: 0, finished: false }, members = 14): Handler {
  bombMember ??= zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 1 });
  const opening = zlib.gzipSync('{"requestId":"bomb#1","success":true,"result":[]');
  return (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    void writeAll(res, [opening, ...Array.from({ length: members }, () => bombMember!)], sent);
  };
}

/** A plain body of `bytes` bytes, sent chunked, as fast as the client reads it. */
export function flood(bytes: number, sent: Sent = { bytes: 0, finished: false }): Handler {
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  return (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const chunks = [Buffer.from('{"requestId":"flood#1","success":true,"result":[]'), ...Array.from({ length: Math.ceil(bytes / chunk.length) }, () => chunk)];
    void writeAll(res, chunks, sent);
  };
}

/** Headers and the start of a body, then the connection breaks off. */
export function resetMidBody(afterMs = 20): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"requestId":"reset#1","success":true,"result":[');
    setTimeout(() => res.socket?.destroy(), afterMs);
  };
}

/** Headers at once, then a body one byte every `everyMs`, never ending until the client hangs up. */
export function drip(everyMs: number, sent: Sent = { bytes: 0, finished: false }): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    const text = '{"requestId":"drip#1","success":true,"result":[';
    const timer = setInterval(() => {
      res.write(text[sent.bytes] ?? ' ');
      sent.bytes++;
    }, everyMs);
    res.on('close', () => clearInterval(timer));
  };
}

/** Writes with backpressure, stopping as soon as the client goes away. */
async function writeAll(res: http.ServerResponse, chunks: Buffer[], sent: Sent): Promise<void> {
  let closed = false;
  let wake = () => {};
  res.on('close', () => {
    closed = true;
    wake();
  });
  for (const chunk of chunks) {
    if (closed) return;
    sent.bytes += chunk.length;
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        res.once('drain', resolve);
      });
    }
  }
  if (!closed) {
    sent.finished = true;
    res.end();
  }
}

/** A JSON answer, the same every time. */
export function answer(body: unknown): Handler {
  return (_req, res) => json(res, body);
}

/** Hands each request to the next handler; the last one keeps answering. */
export function inTurn(...handlers: Handler[]): Handler {
  let next = 0;
  return (req, res) => handlers[Math.min(next++, handlers.length - 1)]!(req, res);
}

function json(res: http.ServerResponse, body: unknown): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function defaultRoute(method: string, path: string): Handler {
  const answers: Record<string, () => unknown> = {
    'POST /identity/oauth/token': () => ({ access_token: TOKEN, token_type: 'bearer', expires_in: 3599, scope: 'api@example.com' }),
    'GET /rest/v1/leads/describe2.json': () => fixture('describe2.json'),
    'GET /rest/v1/leads/partitions.json': () => fixture('partitions.json'),
    'GET /userservice/management/v1/users/workspaces.json': () => fixture('workspaces.json'),
    'GET /rest/asset/v1/staticList/byName.json': () => ({ requestId: 'lb#1', success: true, result: [listAsset(LIST_ID, AUDIENCE.name)] }),
  };
  const known = answers[`${method} ${path}`];
  if (known) return (_req, res) => json(res, known());
  return (_req, res) => {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end('{}');
  };
}

/** A plugin connected and activated (one audience, list 1001) against the loopback Marketo. */
export async function loopbackSession(marketo: LoopbackMarketo, options: PluginOptions = {}): Promise<{ plugin: MarketoDestinationPlugin; activationId: string }> {
  const plugin = createPlugin(testOptions({ marketoBaseUrl: marketo.url, ...options }));
  const { connectionId } = await plugin.connect({ credentials: CREDENTIALS, config: { ...CONFIG } });
  const { activationId } = await plugin.activate({ connectionId, audiences: [AUDIENCE], mappings: [...MAPPINGS] });
  return { plugin, activationId };
}
