import type { Redis, RedisOptions } from 'ioredis';
import { StateUnavailableError } from '../../errors.js';
import type { Logger } from '../../types.js';
import { LUA_SCRIPTS, type ScriptName } from './scripts.js';

/** SPEC §8.1: Redis that does not answer within 5 s is unavailable. */
const ANSWER_WITHIN_MS = 5_000;
const RECONNECT_MAX_DELAY_MS = 2_000;

type ScriptCall = (...args: Array<string | number>) => Promise<unknown>;

/**
 * The plugin's connections to Redis: one for commands and scripts, one subscribed to the
 * wake-up channel. Nothing queues while Redis is down — a command fails at once with
 * StateUnavailableError — and ioredis keeps reconnecting in the background, so the same
 * plugin works again as soon as Redis answers, without a restart.
 *
 * The Redis client library is loaded on first use: a host without cluster mode never loads it
 * (some 8 MB of resident memory, 2 MB of it heap that V8 lets grow a few times over).
 */
export class RedisConnection {
  private client: Redis | undefined;
  private creating: Promise<Redis> | undefined;
  private subscriber: Redis | undefined;
  private subscribing = false;
  private connecting: Promise<void> | undefined;
  private readonly wakeListeners = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly url: string,
    readonly keyPrefix: string,
    private readonly logger: Logger,
  ) {}

  /** The command connection, created (not connected) once the library is loaded. */
  private connection(): Promise<Redis> {
    if (this.creating) return this.creating;
    const attempt = import('ioredis').then(({ Redis: Client }) => {
      const options: RedisOptions = {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: ANSWER_WITHIN_MS,
        connectTimeout: ANSWER_WITHIN_MS,
        retryStrategy: (times) => Math.min(times * 100, RECONNECT_MAX_DELAY_MS),
      };
      const client = new Client(this.url, options);
      for (const [name, { keys, lua }] of Object.entries(LUA_SCRIPTS)) client.defineCommand(name, keys === undefined ? { lua } : { numberOfKeys: keys, lua });
      // ioredis reports every failed reconnection; one line per outage is enough for the host.
      client.on('error', () => {});
      client.on('end', () => (this.connecting = undefined));
      this.client = client;
      return client;
    });
    this.creating = attempt;
    // A failed attempt is forgotten (only that one: a later attempt may be under way), so the next call tries again.
    attempt.catch(() => {
      if (this.creating === attempt) this.creating = undefined;
    });
    return attempt;
  }

  /** The channel every release publishes to, so waiters in every process wake up. */
  get wakeChannel(): string {
    return `${this.keyPrefix}wake`;
  }

  /** Runs one atomic script; any failure of Redis becomes StateUnavailableError. */
  async script(name: ScriptName, keys: string[], args: Array<string | number>): Promise<unknown> {
    const client = await this.ready();
    try {
      // Scripts over any number of keys take that number first.
      const keyCount = LUA_SCRIPTS[name].keys === undefined ? [keys.length] : [];
      return await (client as unknown as Record<ScriptName, ScriptCall>)[name](...keyCount, ...keys, ...args);
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  async command<T>(run: (redis: Redis) => Promise<T>): Promise<T> {
    const client = await this.ready();
    try {
      return await run(client);
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  /** Calls `listener` whenever some process released a call slot or a lock; returns the unsubscribe. */
  onWake(listener: () => void): () => void {
    this.wakeListeners.add(listener);
    this.subscribe();
    return () => this.wakeListeners.delete(listener);
  }

  /** Resolves at the next wake-up from any process — `true` — or after `maxWaitMs` — `false`. */
  waitForWake(maxWaitMs: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        unsubscribe();
        resolve(woken);
      };
      const timer = setTimeout(() => done(false), maxWaitMs);
      const unsubscribe = this.onWake(() => done(true));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeListeners.clear();
    await Promise.all([this.client, this.subscriber].map((connection) => (connection ? quit(connection) : undefined)));
  }

  private async ready(): Promise<Redis> {
    if (this.closed) throw new StateUnavailableError('the plugin was torn down');
    let client: Redis;
    try {
      client = this.client ?? (await this.connection());
    } catch (error) {
      throw this.unavailable(error);
    }
    if (this.closed) throw new StateUnavailableError('the plugin was torn down');
    if (client.status === 'ready') return client;
    if (client.status === 'wait' || client.status === 'end') {
      this.connecting ??= client.connect().catch((error: unknown) => {
        this.connecting = undefined;
        throw error;
      });
    }
    try {
      await this.connecting;
    } catch (error) {
      throw this.unavailable(error);
    }
    const status: string = client.status;
    if (status !== 'ready') throw this.unavailable(new Error(`connection ${status}`));
    return client;
  }

  private subscribe(): void {
    if (this.subscribing || this.closed) return;
    this.subscribing = true;
    this.connection().then(
      (client) => {
        if (this.closed) return;
        try {
          const subscriber = client.duplicate({ lazyConnect: false, enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
          this.subscriber = subscriber;
          subscriber.on('error', () => {});
          subscriber.on('message', () => {
            for (const listener of [...this.wakeListeners]) listener();
          });
          // Re-subscribed by ioredis after every reconnection (autoResubscribe).
          subscriber.subscribe(this.wakeChannel).catch(() => {});
        } catch {
          this.subscribing = false; // the next wait tries again; waits are bounded meanwhile
        }
      },
      () => {
        this.subscribing = false; // no client yet: the next wait tries again
      },
    );
  }

  private unavailable(error: unknown): StateUnavailableError {
    if (error instanceof StateUnavailableError) return error;
    const detail = error instanceof Error ? error.message.replace(/redis:\/\/[^\s]*/gi, 'redis://…') : 'unknown failure';
    this.logger.warn('Redis did not answer; the affected calls wait or are reported retryable', { detail });
    return new StateUnavailableError(`Redis did not answer (${detail})`);
  }
}

/** Closes a connection politely, and at once if Redis does not answer: teardown never hangs. */
async function quit(connection: Redis): Promise<void> {
  if (connection.status === 'end' || connection.status === 'wait') {
    connection.disconnect();
    return;
  }
  const timer = new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref());
  await Promise.race([connection.quit().then(() => undefined, () => undefined), timer]);
  connection.disconnect();
}
