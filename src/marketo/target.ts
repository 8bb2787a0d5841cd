import { AuthenticationError } from '../errors.js';
import type { Credentials } from '../types.js';

/** Which Marketo instance to call, and as whom. Built only by `marketoTarget`. */
export interface MarketoTarget {
  readonly munchkinId: string;
  /** `https://{munchkinId}.mktorest.com`, or the host's override; never from tenant settings. */
  readonly baseUrl: string;
  /**
   * What shares one budget, token and write lock: the Munchkin id, plus the host's base URL
   * when it overrides Marketo's (two sandboxes with one Munchkin id are two instances).
   */
  readonly instanceKey: string;
  readonly credentials: Readonly<Credentials>;
}

/** Strict Munchkin id format: nothing else may reach the host name. */
export const MUNCHKIN_ID = /^[0-9]{3}-[A-Z]{3}-[0-9]{3}$/;

/** Real client ids and secrets are a few dozen characters; anything longer is refused unseen. */
export const MAX_CREDENTIAL_LENGTH = 1024;

export function marketoTarget(munchkinId: string, credentials: Credentials, hostBaseUrl: string | undefined): MarketoTarget {
  if (!MUNCHKIN_ID.test(munchkinId)) {
    // Callers validate first; this guard keeps a bad id from ever becoming a host name.
    throw new TypeError('Invalid Munchkin id: expected three digits, three capital letters, three digits (e.g. 123-ABC-456)');
  }
  checkCredentials(credentials);
  const baseUrl = hostBaseUrl ?? `https://${munchkinId}.mktorest.com`;
  return Object.freeze({
    munchkinId,
    baseUrl,
    instanceKey: hostBaseUrl === undefined ? munchkinId : `${munchkinId}@${new URL(hostBaseUrl).host}`,
    credentials: Object.freeze({ clientId: credentials.clientId, clientSecret: credentials.clientSecret }),
  });
}

/**
 * SPEC §7: a credential that is not a non-empty string of at most 1 024 characters is refused
 * before any call — it can then never reach Marketo, a cache key or the secret redactor.
 */
function checkCredentials(credentials: unknown): void {
  const given = (credentials && typeof credentials === 'object' ? credentials : {}) as Record<string, unknown>;
  for (const name of ['clientId', 'clientSecret'] as const) {
    const value = given[name];
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_CREDENTIAL_LENGTH) {
      throw new AuthenticationError(
        `The ${name === 'clientId' ? 'Client ID' : 'Client secret'} must be a non-empty text of at most ${MAX_CREDENTIAL_LENGTH} characters` +
          `${typeof value === 'string' && value.length > MAX_CREDENTIAL_LENGTH ? ` (got ${value.length})` : ''}. ` +
          'Copy it again from Admin > LaunchPoint > View Details.',
      );
    }
  }
}
