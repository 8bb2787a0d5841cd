import { createHash } from 'node:crypto';
import { inject, injectable } from 'inversify';
import { AuthenticationError, MarketoTransportError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { SecretRedactor } from '../support/redaction.js';
import { TOKENS, type Clock, type Sleep } from '../tokens.js';
import type { Logger } from '../types.js';
import { backoffDelay } from './backoff.js';
import type { MarketoTarget } from './target.js';
import type { HttpTransport } from './transport.js';

interface CachedToken {
  value: string;
  /** Past this instant the token is not used any more (shortly before Marketo expires it). */
  refreshAt: number;
}

/** Never trust a token for its last minute; a short-lived one for only its first half. */
const MAX_SAFETY_MARGIN_MS = 60_000;
const EXPIRED_TOKEN_TRIES = 3;
const IDENTITY_TIMEOUT_MS = 30_000;

/**
 * Marketo access tokens (2-legged OAuth, client credentials). One token per instance and API
 * user, cached until shortly before it expires — Marketo hands back the *same* token with its
 * remaining lifetime when asked early, so the remaining lifetime is always honoured. Callers
 * that ask at once share one identity request. The cache key includes a hash of the secret, so
 * a wrong secret never rides on a token fetched with the right one.
 */
@injectable()
export class TokenProvider {
  private readonly cache = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<CachedToken>>();

  constructor(
    @inject(TOKENS.Transport) private readonly transport: HttpTransport,
    @inject(TOKENS.Clock) private readonly now: Clock,
    @inject(TOKENS.Sleep) private readonly sleep: Sleep,
    @inject(TOKENS.Options) private readonly options: ResolvedOptions,
    @inject(SecretRedactor) private readonly redactor: SecretRedactor,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  async accessToken(target: MarketoTarget): Promise<string> {
    const key = cacheKey(target);
    const cached = this.cache.get(key);
    if (cached && this.now() < cached.refreshAt) return cached.value;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.fetchUsableToken(target).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const token = await pending;
    this.cache.set(key, token);
    return token.value;
  }

  /** Forgets `token` after Marketo called it invalid or expired (601/602). */
  invalidate(target: MarketoTarget, token: string): void {
    const key = cacheKey(target);
    if (this.cache.get(key)?.value === token) this.cache.delete(key);
  }

  clear(): void {
    this.cache.clear();
  }

  private async fetchUsableToken(target: MarketoTarget): Promise<CachedToken> {
    for (let attempt = 1; ; attempt++) {
      const { value, expiresInSeconds } = await this.requestToken(target);
      const fetchedAt = this.now();
      if (expiresInSeconds > 0) {
        const lifetimeMs = expiresInSeconds * 1000;
        return { value, refreshAt: fetchedAt + lifetimeMs - Math.min(MAX_SAFETY_MARGIN_MS, lifetimeMs / 2) };
      }
      // `expires_in: 0` is a token expiring right now: Marketo issues a new one once it is gone.
      if (attempt >= EXPIRED_TOKEN_TRIES) {
        throw new MarketoTransportError('POST /identity/oauth/token', 200, undefined, 'Marketo kept issuing already-expired access tokens');
      }
      this.logger.debug('Marketo issued an already-expired token; asking again', { munchkinId: target.munchkinId });
      await this.sleep(backoffDelay(attempt, this.options.retry.baseDelayMs, this.options.retry.maxDelayMs));
    }
  }

  private async requestToken(target: MarketoTarget): Promise<{ value: string; expiresInSeconds: number }> {
    const operation = 'POST /identity/oauth/token';
    this.redactor.register(target.credentials.clientId, target.credentials.clientSecret);
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
        networkRetries: this.options.retry.maxAttempts - 1,
        operation,
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
        throw new AuthenticationError(`Marketo refused the credentials for instance ${target.munchkinId}: ${body.error}. Check the Client ID and Client secret.`);
      }
      throw new MarketoTransportError(operation, 200, undefined, 'the identity service answered without an access token');
    }
    this.redactor.register(body.access_token);
    const expiresIn = Number(body.expires_in);
    return { value: body.access_token, expiresInSeconds: Number.isFinite(expiresIn) ? expiresIn : 0 };
  }
}

function cacheKey(target: MarketoTarget): string {
  const secretHash = createHash('sha256').update(target.credentials.clientSecret).digest('hex');
  return `${target.baseUrl}|${target.munchkinId}|${target.credentials.clientId}|${secretHash}`;
}
