import { inject, injectable } from 'inversify';
import type { ResolvedOptions } from '../options.js';
import { TOKENS } from '../tokens.js';
import type { Logger } from '../types.js';

const MASK = '[REDACTED]';
/** Shorter values are not registered: masking them would garble ordinary text. */
const MIN_SECRET_LENGTH = 6;

/**
 * Remembers every secret the plugin has seen (client ids and secrets, access tokens) and masks
 * them wherever text leaves the plugin: log lines, error messages, event payloads. The code
 * already avoids putting secrets in those places; this is the second line of defence.
 */
@injectable()
export class SecretRedactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  register(...values: Array<string | undefined>): void {
    let changed = false;
    for (const value of values) {
      if (value && value.length >= MIN_SECRET_LENGTH && !this.secrets.has(value)) {
        this.secrets.add(value);
        changed = true;
      }
    }
    if (changed) {
      const alternatives = [...this.secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.pattern = new RegExp(alternatives.join('|'), 'g');
    }
  }

  redactText(text: string): string {
    if (!this.pattern) return text;
    const escaped = this.pattern;
    escaped.lastIndex = 0;
    return text.replace(escaped, MASK);
  }

  /** A deep copy of `value` with every registered secret masked in strings and keys. */
  redact<T>(value: T, seen = new WeakMap<object, unknown>()): T {
    if (typeof value === 'string') return this.redactText(value) as T;
    if (value === null || typeof value !== 'object') return value;
    if (seen.has(value)) return seen.get(value) as T;
    if (value instanceof Error) {
      const copy: Record<string, unknown> = { name: value.name, message: this.redactText(value.message) };
      seen.set(value, copy);
      for (const [k, v] of Object.entries(value)) copy[this.redactText(k)] = this.redact(v, seen);
      return copy as T;
    }
    const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
    seen.set(value, copy);
    for (const [k, v] of Object.entries(value)) (copy as Record<string, unknown>)[this.redactText(k)] = this.redact(v, seen);
    return copy as T;
  }

  /** Masks secrets in an error's message, stack and own properties, in place, before it reaches the host. */
  scrubError<E>(error: E): E {
    if (error instanceof Error) {
      error.message = this.redactText(error.message);
      if (error.stack) error.stack = this.redactText(error.stack);
      const fields = error as unknown as Record<string, unknown>;
      for (const [key, value] of Object.entries(fields)) fields[key] = this.redact(value);
    }
    return error;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The logger every service uses: the host's logger behind the redactor. */
@injectable()
export class RedactingLogger implements Logger {
  constructor(
    @inject(TOKENS.Options) private readonly options: ResolvedOptions,
    @inject(SecretRedactor) private readonly redactor: SecretRedactor,
  ) {}

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.options.logger.debug(this.redactor.redactText(msg), fields && this.redactor.redact(fields));
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.options.logger.info(this.redactor.redactText(msg), fields && this.redactor.redact(fields));
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.options.logger.warn(this.redactor.redactText(msg), fields && this.redactor.redact(fields));
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.options.logger.error(this.redactor.redactText(msg), fields && this.redactor.redact(fields));
  }
}
