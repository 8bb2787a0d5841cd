import type { ResolvedOptions } from '../options.js';
import type { Logger } from '../types.js';
import { RedisState } from './redis/redis-state.js';
import type { SharedState } from './shared-state.js';

/** The shared state the host asked for: Redis in cluster mode, else process memory. */
export function createSharedState(options: ResolvedOptions, logger: Logger): SharedState {
  if (options.redis) return new RedisState(options.redis, options.now, options.sleep, logger);
  return options.localState.view(options.now, options.sleep);
}
