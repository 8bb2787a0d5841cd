import type { Logger } from '../types.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerSettings {
  level: LogLevel;
  format: LogFormat;
  /** Writes one line (the CLI hands stderr). */
  write: (line: string) => void;
  now: () => number;
}

/**
 * The logger the CLI hands the plugin (and uses itself): lines below `level` are dropped; `text`
 * is `time LEVEL msg key=value…` for people, `json` one object per line (`time`, `level`, `msg`,
 * then the fields) for log collectors. The plugin has already scrubbed secrets from what it logs.
 */
export function createCliLogger({ level, format, write, now }: LoggerSettings): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const at = (lineLevel: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (LOG_LEVELS.indexOf(lineLevel) < threshold) return;
    const time = new Date(now()).toISOString();
    write(format === 'json' ? jsonLine(time, lineLevel, msg, fields) : textLine(time, lineLevel, msg, fields));
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function jsonLine(time: string, level: LogLevel, msg: string, fields: Record<string, unknown> = {}): string {
  const line: Record<string, unknown> = { time, level, msg };
  for (const [key, value] of Object.entries(fields)) if (!(key in line)) line[key] = value;
  return serialise(line);
}

function textLine(time: string, level: LogLevel, msg: string, fields: Record<string, unknown> = {}): string {
  const pairs = Object.entries(fields).map(([key, value]) => ` ${key}=${textValue(value)}`);
  return `${time} ${level.toUpperCase().padEnd(5)} ${msg}${pairs.join('')}`;
}

function textValue(value: unknown): string {
  if (typeof value === 'string') return /^[\w.:/@+-]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return serialise(value);
}

/** JSON that survives what log fields hold: errors (whose own properties JSON drops), bigints, cycles. */
function serialise(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) return { name: v.name, message: v.message, ...('code' in v && { code: v.code }) };
    if (v && typeof v === 'object') {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
}
