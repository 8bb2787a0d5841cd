import { InvalidRequestError } from './errors.js';

/** The API boundary's first check: every hook takes one object argument. */
export function requireObject(request: unknown, hook: string): void {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    throw new InvalidRequestError('MALFORMED_REQUEST', `${hook}() takes one object argument; got ${request === null ? 'null' : Array.isArray(request) ? 'an array' : typeof request}.`);
  }
}
