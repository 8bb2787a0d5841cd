import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';

/** Every machine the project is tested on runs a Redis here (it keeps nothing on disk). */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let answers: Promise<boolean> | undefined;

/** Whether a Redis answers PING at REDIS_URL within a second (asked once per run). */
export function redisAnswers(): Promise<boolean> {
  answers ??= (async () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  })();
  return answers;
}

let skipAnnounced = false;

/**
 * A suite of cluster-mode tests against the real Redis. Without one (a newcomer's laptop) the
 * suite is skipped with one visible line; in CI (`CI=true`) a missing Redis fails the run.
 */
export function describeWithRedis(title: string, body: (this: Mocha.Suite) => void): void {
  describe(title, function () {
    before(async function () {
      if (await redisAnswers()) return;
      if (process.env.CI === 'true') throw new Error(`No Redis answers at ${REDIS_URL}: cluster-mode tests must run in CI.`);
      if (!skipAnnounced) console.log(`\n  ⚠ Cluster-mode tests skipped: no Redis answers at ${REDIS_URL} (start redis-server, or set REDIS_URL).\n`);
      skipAnnounced = true;
      this.skip();
    });
    body.call(this);
  });
}

/** A key prefix of its own for one test, so that tests never see each other's state. */
export function uniquePrefix(): string {
  return `mktdest-test:${randomUUID().slice(0, 8)}:`;
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** A plain client for assertions on what the plugin stored. */
export function inspector(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
}

/**
 * A TCP relay in front of the real Redis: `cut()` drops every connection and refuses new ones,
 * as a Redis that stopped would; `restore()` lets connections through again. The machine's
 * Redis itself is never touched.
 */
export class RedisRelay {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  async start(): Promise<string> {
    const target = new URL(REDIS_URL);
    this.server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return `redis://127.0.0.1:${this.port}`;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  async restore(): Promise<void> {
    await this.start();
  }

  async stop(): Promise<void> {
    await this.cut();
  }
}
