import { randomBytes } from 'node:crypto';
import { fail, param, type SandboxReply, type SandboxRequest } from '../http.js';

/**
 * Marketo's identity service: client credentials in, a bearer token out. Asking again while a
 * token lives returns the same token with its remaining lifetime. A token is honoured only in
 * the Authorization header; the first use after expiry answers 602, later ones 601.
 */
export class TokenIssuer {
  private current: { token: string; expiresAt: number } | undefined;
  private readonly expired = new Map<string, boolean>();

  constructor(
    private readonly credentials: { clientId: string; clientSecret: string },
    private readonly ttlSeconds: number,
    private readonly now: () => number,
  ) {}

  issue(request: SandboxRequest): SandboxReply {
    const clientId = param(request, 'client_id');
    const clientSecret = param(request, 'client_secret');
    if (param(request, 'grant_type') !== 'client_credentials' || clientId !== this.credentials.clientId || clientSecret !== this.credentials.clientSecret) {
      return { status: 401, body: { error: 'unauthorized', error_description: 'Bad client credentials' } };
    }
    const now = this.now();
    if (!this.current || this.current.expiresAt <= now) {
      if (this.current) this.expired.set(this.current.token, false);
      this.current = { token: `sbx-${randomBytes(12).toString('hex')}:ab`, expiresAt: now + this.ttlSeconds * 1000 };
    }
    const expiresIn = Math.max(0, Math.floor((this.current.expiresAt - now) / 1000));
    return { body: { access_token: this.current.token, token_type: 'bearer', expires_in: expiresIn, scope: 'api-user@sandbox.local' } };
  }

  /** Undefined when the request carries a live token in its Authorization header. */
  check(request: SandboxRequest): SandboxReply | undefined {
    const header = request.headers.authorization;
    const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (!token) return fail('601', 'Access token invalid');
    const now = this.now();
    if (this.current?.token === token && this.current.expiresAt <= now) {
      this.expired.set(token, false);
      this.current = undefined;
    }
    if (this.expired.has(token)) {
      const reported = this.expired.get(token);
      this.expired.set(token, true);
      return reported ? fail('601', 'Access token invalid') : fail('602', 'Access token expired');
    }
    return this.current?.token === token ? undefined : fail('601', 'Access token invalid');
  }

  /** Ends the current token now, as if its hour were over. */
  expireNow(): void {
    if (this.current) this.current.expiresAt = this.now();
  }
}
