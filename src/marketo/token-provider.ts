import { createHash } from 'node:crypto';
import { inject, injectable } from 'inversify';
import { AuthenticationError, MarketoTransportError } from '../errors.js';
import type { FetchedToken, SharedState } from '../state/shared-state.js';
import { SecretRedactor } from '../support/redaction.js';
import { TOKENS } from '../tokens.js';
import type { MarketoTarget } from './target.js';
import type { HttpTransport } from './transport.js';

/** Never trust a token for its last minute; a short-lived one for only its first half. */
const MAX_SAFETY_MARGIN_MS = 60_000;
const IDENTITY_TIMEOUT_MS = 30_000;
const OPERATION = 'POST /identity/oauth/token';
/** `invalid_client`, `unauthorized_client`, … (RFC 6749 §5.2). */
const OAUTH_ERROR_CODE = /^[a-z_]{1,64}$/;

/**
 * Marketo access tokens (2-legged OAuth, client credentials). One token per instance and API
 * user, kept in the shared token store until shortly before it expires — Marketo hands back
 * the *same* token with its remaining lifetime when asked early, so the remaining lifetime is
 * always honoured, and one identity call serves every sharer (every process, in cluster mode).
 *
 * Fetching is one identity request and nothing more: it runs inside an attempt of the retry
 * policy, which retries it like any other part of the call.
 */
@injectable()
export class TokenProvider {
  constructor(
    @inject(TOKENS.Transport) private readonly transport: HttpTransport,
    @inject(TOKENS.SharedState) private readonly state: SharedState,
    @inject(SecretRedactor) private readonly redactor: SecretRedactor,
  ) {}

  async accessToken(target: MarketoTarget): Promise<string> {
    this.redactor.register(target.credentials.clientId, target.credentials.clientSecret);
    const token = await this.state.tokens.get(tokenKey(target), () => this.requestToken(target));
    // Another process may have fetched it: it is a secret here all the same.
    this.redactor.register(token);
    return token;
  }

  /** Forgets `token` after Marketo called it invalid or expired (601/602). */
  invalidate(target: MarketoTarget, token: string): Promise<void> {
    return this.state.tokens.invalidate(tokenKey(target), token);
  }

  private async requestToken(target: MarketoTarget): Promise<FetchedToken> {
    let data: unknown;
    try {
      ({ data } = await this.transport.send({
        method: 'POST',
        url: `${target.baseUrl}/identity/oauth/token`,
        // The secret travels in the body, never in a URL that proxies and servers log.
        form: {
          grant_type: 'client_credentials',
          client_id: target.credentials.clientId,
          client_secret: target.credentials.clientSecret,
        },
        timeoutMs: IDENTITY_TIMEOUT_MS,
        operation: OPERATION,
      }));
    } catch (error) {
      if (error instanceof MarketoTransportError && (error.httpStatus === 401 || error.httpStatus === 400)) {
        throw new AuthenticationError(
          `Marketo refused the client id and secret for instance ${target.munchkinId} (HTTP ${error.httpStatus}). ` +
            'Check the Client ID and Client secret of the API-only user under Admin > LaunchPoint.',
        );
      }
      throw error;
    }
    const body = (data ?? {}) as Record<string, unknown>;
    if (typeof body.access_token !== 'string' || body.access_token.length === 0) {
      if (typeof body.error === 'string') {
        // Only an OAuth error code is quoted: other text is the server's own, and may echo the secret it was sent.
        const code = OAUTH_ERROR_CODE.test(body.error) ? ` (${body.error})` : '';
        throw new AuthenticationError(`Marketo refused the credentials for instance ${target.munchkinId}${code}. Check the Client ID and Client secret.`);
      }
      throw new MarketoTransportError(OPERATION, 200, undefined, 'the identity service answered without an access token');
    }
    this.redactor.register(body.access_token);
    const expiresIn = Number(body.expires_in);
    if (!Number.isFinite(expiresIn) || expiresIn <= 0) {
      // `expires_in: 0` is a token expiring right now; Marketo issues a new one once it is gone.
      throw new MarketoTransportError(OPERATION, undefined, 'TOKEN_ALREADY_EXPIRED', 'the identity service issued an already-expired token');
    }
    const lifetimeMs = expiresIn * 1000;
    return { value: body.access_token, usableForMs: lifetimeMs - Math.min(MAX_SAFETY_MARGIN_MS, lifetimeMs / 2) };
  }
}

/** The instance and a hash of the API user's credentials: neither credential is ever part of a key. */
function tokenKey(target: MarketoTarget): string {
  const user = createHash('sha256').update(`${target.credentials.clientId}\u0000${target.credentials.clientSecret}`).digest('base64url');
  return `${target.instanceKey}|${user}`;
}
