import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ProfileEvent } from '../types.js';
import { withoutBom } from './io.js';

/** A non-blank line of the NDJSON input and its 1-based number in the file. */
export interface InputLine {
  line: number;
  text: string;
}

/** An input line read as a profile event, or why it is not one (it is still an input: it gets a report line). */
export type ProfileLine = { line: number; profile: ProfileEvent } | { line: number; problem: string };

/** The non-blank lines of an NDJSON file, streamed; a byte order mark before the first is dropped. */
export async function* readInputLines(path: string): AsyncGenerator<InputLine> {
  let line = 0;
  for await (const raw of createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })) {
    line++;
    const text = line === 1 ? withoutBom(raw) : raw;
    if (text.trim() !== '') yield { line, text };
  }
}

/**
 * Parses one line. The problem never quotes the line: V8's JSON errors do ("Unexpected token
 * 'a', "ann@exampl"... is not valid JSON"), and a report is no place for personal data.
 */
export function parseProfileLine({ line, text }: InputLine): ProfileLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    return { line, problem: `Line ${line} is not valid JSON${position === undefined ? '' : ` (error at character ${Number(position) + 1})`}.` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { line, problem: `Line ${line} is not a profile event: expected a JSON object, got ${kind}.` };
  }
  return { line, profile: value as ProfileEvent };
}
