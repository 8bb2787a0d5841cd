import { MarketoApiError } from '../errors.js';
import { nextQuotaReset } from '../support/quota-clock.js';
import type { Clock, Sleep } from '../tokens.js';

export interface LimiterSettings {
  callsPerWindow: number;
  windowMs: number;
  maxConcurrent: number;
  dailyQuota: number;
}

/** One call counted in the window: it leaves the window `windowMs` after its answer came back. */
export interface Slot {
  answeredAt?: number;
}

/**
 * The budget of one Marketo instance, shared by every connection and activation in the process:
 * calls per sliding window, calls in flight, and the daily quota. Calls wait for budget instead
 * of provoking 606/615; once the quota is gone, calls fail at once until it resets (midnight
 * US Central). A 606/615 that happens anyway (another integration spends the same budget)
 * pauses everyone for a moment.
 *
 * Marketo counts a call when it receives it, somewhere between our send and its answer; so a
 * call stays in our window until `windowMs` after its answer — the only bound that holds
 * whatever the network and event-loop delays.
 */
export class InstanceLimiter {
  private window: Slot[] = [];
  private readonly waiting: Array<() => void> = [];
  private inFlight = 0;
  private dayCalls = 0;
  private dayResetsAt: number;
  private pausedUntil = 0;
  private quotaResetsAt = 0;

  constructor(
    readonly munchkinId: string,
    private settings: LimiterSettings,
    private readonly now: Clock,
    private readonly sleep: Sleep,
  ) {
    this.dayResetsAt = nextQuotaReset(now());
  }

  /** Two plugin instances sharing an instance share the stricter of their limits. */
  tighten(other: LimiterSettings): void {
    this.settings = {
      callsPerWindow: Math.min(this.settings.callsPerWindow, other.callsPerWindow),
      windowMs: Math.max(this.settings.windowMs, other.windowMs),
      maxConcurrent: Math.min(this.settings.maxConcurrent, other.maxConcurrent),
      dailyQuota: Math.min(this.settings.dailyQuota, other.dailyQuota),
    };
  }

  /** Waits for a slot; throws MarketoApiError 607 while the daily quota is exhausted. */
  async acquire(): Promise<Slot> {
    for (;;) {
      const now = this.now();
      this.rollDay(now);
      if (now < this.quotaResetsAt) throw quotaError(this.quotaResetsAt);
      if (this.dayCalls >= this.settings.dailyQuota) {
        this.quotaResetsAt = this.dayResetsAt;
        throw quotaError(this.quotaResetsAt);
      }
      const { windowMs, callsPerWindow, maxConcurrent } = this.settings;
      this.window = this.window.filter((slot) => slot.answeredAt === undefined || slot.answeredAt + windowMs > now);
      if (this.inFlight >= maxConcurrent) {
        await this.nextRelease();
        continue;
      }
      if (this.window.length >= callsPerWindow) {
        const answered = this.window.filter((slot) => slot.answeredAt !== undefined).map((slot) => slot.answeredAt! + windowMs);
        if (answered.length === 0) await this.nextRelease();
        else await this.sleep(Math.max(1, Math.min(...answered) - now));
        continue;
      }
      if (this.pausedUntil > now) {
        await this.sleep(this.pausedUntil - now);
        continue;
      }
      const slot: Slot = {};
      this.window.push(slot);
      this.inFlight++;
      this.dayCalls++;
      return slot;
    }
  }

  release(slot: Slot): void {
    slot.answeredAt = this.now();
    this.inFlight--;
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** Marketo said 606/615 all the same: hold every new call back for `pauseMs`. */
  throttled(pauseMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + pauseMs);
  }

  /** Marketo said 607: stop calling until the quota resets. Returns the reset instant. */
  quotaExhausted(): number {
    this.quotaResetsAt = nextQuotaReset(this.now());
    return this.quotaResetsAt;
  }

  private nextRelease(): Promise<void> {
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private rollDay(now: number): void {
    if (now >= this.dayResetsAt) {
      this.dayCalls = 0;
      this.dayResetsAt = nextQuotaReset(now);
    }
  }
}

function quotaError(resetsAt: number): MarketoApiError {
  return new MarketoApiError('607', `Daily quota reached; calls resume at ${new Date(resetsAt).toISOString()}`, 'the call', true);
}

/**
 * One limiter per Marketo instance for the whole process: every plugin instance, connection
 * and activation calling the same instance shares it. Keyed by clock as well, so that tests
 * with their own virtual clocks never share budgets with each other.
 */
const registry = new WeakMap<Clock, Map<string, InstanceLimiter>>();

export function limiterFor(munchkinId: string, baseUrl: string, settings: LimiterSettings, now: Clock, sleep: Sleep): InstanceLimiter {
  let byInstance = registry.get(now);
  if (!byInstance) registry.set(now, (byInstance = new Map()));
  const key = `${baseUrl}|${munchkinId}`;
  let limiter = byInstance.get(key);
  if (limiter) limiter.tighten(settings);
  else byInstance.set(key, (limiter = new InstanceLimiter(munchkinId, settings, now, sleep)));
  return limiter;
}
