import type { Clock } from '../../tokens.js';
import type { FetchedToken, TokenStore } from '../shared-state.js';

/** Access tokens in process memory; callers that ask at once share one identity request. */
export class LocalTokenStore implements TokenStore {
  private readonly tokens = new Map<string, { value: string; usableUntil: number }>();
  private readonly fetching = new Map<string, Promise<string>>();

  constructor(private readonly now: Clock) {}

  async get(key: string, fetch: () => Promise<FetchedToken>): Promise<string> {
    const cached = this.tokens.get(key);
    if (cached && this.now() < cached.usableUntil) return cached.value;
    let pending = this.fetching.get(key);
    if (!pending) {
      pending = fetch()
        .then((token) => {
          this.forgetExpired();
          this.tokens.set(key, { value: token.value, usableUntil: this.now() + token.usableForMs });
          return token.value;
        })
        .finally(() => this.fetching.delete(key));
      this.fetching.set(key, pending);
    }
    return pending;
  }

  async invalidate(key: string, value: string): Promise<void> {
    if (this.tokens.get(key)?.value === value) this.tokens.delete(key);
  }

  /** Tokens of tenants long gone would otherwise stay for the life of the process. */
  private forgetExpired(): void {
    const now = this.now();
    for (const [key, token] of this.tokens) if (token.usableUntil <= now) this.tokens.delete(key);
  }
}
