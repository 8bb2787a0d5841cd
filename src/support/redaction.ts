import { inject, injectable } from 'inversify';
import type { ResolvedOptions } from '../options.js';
import { TOKENS } from '../tokens.js';
import type { Logger } from '../types.js';

const MASK = '[REDACTED]';
/** Shorter values are not registered: masking them would garble ordinary text. */
const MIN_SECRET_LENGTH = 6;
/** A bound on what is remembered; live secrets are touched on every use, so only stale ones fall out. */
const MAX_REMEMBERED = 20_000;
const HASH_BASE = 257;
/** HASH_BASE ** (MIN_SECRET_LENGTH - 1), modulo 2^32: what the first unit of a window weighs. */
const LEADING_WEIGHT = Array.from({ length: MIN_SECRET_LENGTH - 1 }).reduce<number>((w) => Math.imul(w, HASH_BASE) >>> 0, 1);

/**
 * Remembers the secrets the plugin has seen (client ids and secrets, access tokens) and masks
 * them wherever text leaves the plugin: log lines, error messages, event payloads, reports.
 * The code already avoids putting secrets in those places; this is the second line of defence.
 *
 * It must never fail and never slow down with the number of tenants: text is scanned once with
 * a rolling hash of its 6-character windows, and only a window that starts some secret is
 * compared — whatever the number or length of the secrets, nothing is compiled, so no input
 * of one tenant can make masking throw for another.
 */
@injectable()
export class SecretRedactor {
  /** Insertion order is recency: the oldest secret is evicted first. */
  private readonly secrets = new Set<string>();
  /** Secrets by their first characters, then by length (longest first), and the rolling hashes of those prefixes. */
  private readonly byPrefix = new Map<string, Map<number, Set<string>>>();
  private readonly prefixHashes = new Map<number, number>();

  register(...values: Array<string | undefined>): void {
    for (const value of values) {
      if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) continue;
      if (this.secrets.delete(value)) {
        this.secrets.add(value);
        continue;
      }
      this.secrets.add(value);
      const prefix = value.slice(0, MIN_SECRET_LENGTH);
      const byLength = this.byPrefix.get(prefix) ?? new Map<number, Set<string>>();
      if (byLength.size === 0) this.countPrefixHash(windowHash(value, 0), +1);
      byLength.set(value.length, (byLength.get(value.length) ?? new Set()).add(value));
      this.byPrefix.set(prefix, new Map([...byLength].sort(([a], [b]) => b - a)));
      if (this.secrets.size > MAX_REMEMBERED) this.forget(this.secrets.values().next().value!);
    }
  }

  redactText(text: string): string {
    try {
      if (this.secrets.size === 0 || typeof text !== 'string' || text.length < MIN_SECRET_LENGTH) return text;
      let out = '';
      let copiedUpTo = 0;
      let hash = windowHash(text, 0);
      for (let i = 0; i + MIN_SECRET_LENGTH <= text.length; ) {
        const secret = this.prefixHashes.has(hash) ? this.secretAt(text, i) : undefined;
        if (secret) {
          out += text.slice(copiedUpTo, i) + MASK;
          i += secret.length;
          copiedUpTo = i;
          if (i + MIN_SECRET_LENGTH <= text.length) hash = windowHash(text, i);
          continue;
        }
        if (i + MIN_SECRET_LENGTH < text.length) {
          hash = (Math.imul((hash - Math.imul(text.charCodeAt(i), LEADING_WEIGHT)) >>> 0, HASH_BASE) + text.charCodeAt(i + MIN_SECRET_LENGTH)) >>> 0;
        }
        i++;
      }
      return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
    } catch {
      return MASK;
    }
  }

  /** A deep copy of `value` with every registered secret masked in strings and keys. */
  redact<T>(value: T, seen = new WeakMap<object, unknown>()): T {
    try {
      if (typeof value === 'string') return this.redactText(value) as T;
      if (value === null || typeof value !== 'object') return value;
      if (seen.has(value)) return seen.get(value) as T;
      if (value instanceof Error) {
        const copy: Record<string, unknown> = { name: value.name, message: this.redactText(value.message) };
        seen.set(value, copy);
        for (const [k, v] of Object.entries(value)) defineOwn(copy, this.redactText(k), this.redact(v, seen));
        return copy as T;
      }
      const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
      seen.set(value, copy);
      for (const [k, v] of Object.entries(value)) defineOwn(copy, this.redactText(k), this.redact(v, seen));
      return copy as T;
    } catch {
      return MASK as T;
    }
  }

  /** Masks secrets in an error's message, stack and own properties, in place, before it reaches the host. */
  scrubError<E>(error: E): E {
    if (error instanceof Error) {
      try {
        error.message = this.redactText(error.message);
        if (error.stack) error.stack = this.redactText(error.stack);
        const fields = error as unknown as Record<string, unknown>;
        for (const [key, value] of Object.entries(fields)) fields[key] = this.redact(value);
      } catch {
        // A frozen or exotic error stays as it is; its text was built from safe parts.
      }
    }
    return error;
  }

  /** The longest secret starting at `index`: one set lookup per distinct length sharing the prefix. */
  private secretAt(text: string, index: number): string | undefined {
    const byLength = this.byPrefix.get(text.slice(index, index + MIN_SECRET_LENGTH));
    if (!byLength) return undefined;
    for (const [length, secrets] of byLength) {
      const candidate = text.slice(index, index + length);
      if (candidate.length === length && secrets.has(candidate)) return candidate;
    }
    return undefined;
  }

  private forget(secret: string): void {
    this.secrets.delete(secret);
    const prefix = secret.slice(0, MIN_SECRET_LENGTH);
    const byLength = this.byPrefix.get(prefix);
    const sameLength = byLength?.get(secret.length);
    sameLength?.delete(secret);
    if (sameLength?.size === 0) byLength!.delete(secret.length);
    if (byLength?.size === 0) {
      this.byPrefix.delete(prefix);
      this.countPrefixHash(windowHash(secret, 0), -1);
    }
  }

  /** Two prefixes may share a hash: a hash is forgotten only with its last prefix. */
  private countPrefixHash(hash: number, change: 1 | -1): void {
    const count = (this.prefixHashes.get(hash) ?? 0) + change;
    if (count > 0) this.prefixHashes.set(hash, count);
    else this.prefixHashes.delete(hash);
  }
}

/** Defined, not assigned: a key such as `__proto__` (an audience id) stays an own entry of the copy. */
function defineOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Polynomial hash of the 6 UTF-16 units from `start`, modulo 2^32. */
function windowHash(text: string, start: number): number {
  let hash = 0;
  for (let i = start; i < start + MIN_SECRET_LENGTH; i++) hash = (Math.imul(hash, HASH_BASE) + text.charCodeAt(i)) >>> 0;
  return hash;
}

/**
 * The logger every service uses: the host's logger behind the redactor. A host logger that
 * throws must never change what a delivery does, so its failures are swallowed here.
 */
@injectable()
export class RedactingLogger implements Logger {
  constructor(
    @inject(TOKENS.Options) private readonly options: ResolvedOptions,
    @inject(SecretRedactor) private readonly redactor: SecretRedactor,
  ) {}

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.write('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.write('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.write('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.write('error', msg, fields);
  }

  private write(level: keyof Logger, msg: string, fields?: Record<string, unknown>): void {
    try {
      const result: unknown = this.options.logger[level](this.redactor.redactText(msg), fields && this.redactor.redact(fields));
      // An async logger's rejection must not become an unhandled rejection of the host.
      if (result && typeof (result as Promise<unknown>).catch === 'function') (result as Promise<unknown>).catch(() => {});
    } catch {
      // The host's logger failed; logging is never worth a record.
    }
  }
}
