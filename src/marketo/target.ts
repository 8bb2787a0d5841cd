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

const CREDENTIAL_LABELS = { clientId: 'Client ID', clientSecret: 'Client secret' } as const;

/**
 * SPEC §7: a credential that is not a non-empty string of at most 1 024 characters is refused
 * with AuthenticationError before any call — it can then never reach Marketo, a cache key or
 * the secret redactor. The error names every credential that is wrong, never its value.
 */
export function checkCredentials(credentials: unknown): asserts credentials is Credentials {
  const given = (credentials && typeof credentials === 'object' ? credentials : {}) as Record<string, unknown>;
  const problems: string[] = [];
  for (const [name, label] of Object.entries(CREDENTIAL_LABELS)) {
    const value = given[name];
    if (typeof value !== 'string' || value.trim() === '') problems.push(`the ${label} is missing`);
    else if (value.length > MAX_CREDENTIAL_LENGTH) problems.push(`the ${label} is ${value.length} characters long, where a real one has a few dozen (at most ${MAX_CREDENTIAL_LENGTH})`);
  }
  if (problems.length > 0) {
    throw new AuthenticationError(
      `The credentials were refused before any call: ${problems.join('; ')}. ` +
        'Copy the Client ID and Client secret of the API-only user again from Admin > LaunchPoint > View Details.',
    );
  }
}
