import type { Credentials } from '../types.js';

/** Which Marketo instance to call, and as whom. Built only by MarketoTargets. */
export interface MarketoTarget {
  readonly munchkinId: string;
  /** `https://{munchkinId}.mktorest.com`, or the host's override; never from tenant settings. */
  readonly baseUrl: string;
  readonly credentials: Readonly<Credentials>;
}

/** Strict Munchkin id format: nothing else may reach the host name. */
export const MUNCHKIN_ID = /^[0-9]{3}-[A-Z]{3}-[0-9]{3}$/;

export function marketoTarget(munchkinId: string, credentials: Credentials, hostBaseUrl: string | undefined): MarketoTarget {
  if (!MUNCHKIN_ID.test(munchkinId)) {
    // Callers validate first; this guard keeps a bad id from ever becoming a host name.
    throw new TypeError('Invalid Munchkin id: expected three digits, three capital letters, three digits (e.g. 123-ABC-456)');
  }
  return Object.freeze({
    munchkinId,
    baseUrl: hostBaseUrl ?? `https://${munchkinId}.mktorest.com`,
    credentials: Object.freeze({ clientId: credentials.clientId, clientSecret: credentials.clientSecret }),
  });
}
