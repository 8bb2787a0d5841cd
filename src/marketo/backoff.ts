/**
 * Exponential backoff with full jitter (a uniformly random wait up to the exponential ceiling),
 * which spreads out the retries of many callers that failed together.
 * `retryNumber` starts at 1 for the first retry.
 */
export function backoffDelay(retryNumber: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, retryNumber - 1));
  return Math.floor(random() * ceiling);
}
