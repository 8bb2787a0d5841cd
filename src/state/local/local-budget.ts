import { nextQuotaReset } from '../../support/quota-clock.js';
import type { Clock, Sleep } from '../../tokens.js';
import { pacing, quotaGoneError } from '../budget-rules.js';
import { QueuedBudget, type BudgetStep } from '../queued-budget.js';
import type { BudgetSettings, CallLease } from '../shared-state.js';

interface WindowEntry {
  answeredAt?: number;
}

/**
 * The budget of one Marketo instance in process memory. The head of the queue sleeps (on the
 * injected clock) until the window, the pacing or a pause has room, or waits for an answer when
 * every concurrency slot is taken.
 *
 * Marketo counts a call when it receives it, somewhere between our send and its answer; so a
 * call stays in the window until `windowMs` after its answer — the only bound that holds
 * whatever the network and event-loop delays.
 */
export class LocalInstanceBudget extends QueuedBudget {
  private window: WindowEntry[] = [];
  private inFlight = 0;
  private dayCalls = 0;
  private dayResetsAt: number;
  private pausedUntil = 0;
  private stoppedUntil = 0;
  /** Pacing: the theoretical arrival time of the next call (generic cell rate algorithm). */
  private nextArrival = Number.NEGATIVE_INFINITY;
  private wakeOnAnswer: (() => void) | undefined;

  constructor(
    settings: BudgetSettings,
    private readonly now: Clock,
    private readonly sleep: Sleep,
  ) {
    super(settings);
    this.dayResetsAt = nextQuotaReset(now());
  }

  async pause(pauseMs: number): Promise<void> {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + pauseMs);
  }

  async stopUntil(resetsAt: number): Promise<void> {
    this.stoppedUntil = Math.max(this.stoppedUntil, resetsAt);
  }

  protected step(): BudgetStep | Promise<BudgetStep> {
    const now = this.now();
    this.rollDay(now);
    if (this.dayCalls >= this.settings.dailyQuota) this.stoppedUntil = Math.max(this.stoppedUntil, this.dayResetsAt);
    if (now < this.stoppedUntil) return { refuseAll: quotaGoneError(this.stoppedUntil) };
    const { windowMs, callsPerWindow, maxConcurrent } = this.settings;
    this.window = this.window.filter((entry) => entry.answeredAt === undefined || entry.answeredAt + windowMs > now);
    const windowFull = this.window.length >= callsPerWindow;
    const firstToLeave = this.window.reduce((first, e) => (e.answeredAt === undefined ? first : Math.min(first, e.answeredAt + windowMs)), Number.POSITIVE_INFINITY);
    if (this.inFlight >= maxConcurrent || (windowFull && firstToLeave === Number.POSITIVE_INFINITY)) {
      return new Promise<BudgetStep>((resolve) => (this.wakeOnAnswer = () => resolve('waited')));
    }
    const { intervalMs, burstToleranceMs } = pacing(this.settings);
    const wait = Math.max(this.pausedUntil - now, windowFull ? firstToLeave - now : 0, this.nextArrival - burstToleranceMs - now);
    if (wait > 0) return this.sleep(Math.ceil(wait)).then(() => 'waited' as const);
    this.nextArrival = Math.max(this.nextArrival, now) + intervalMs;
    return { grant: this.lease() };
  }

  private lease(): CallLease {
    const entry: WindowEntry = {};
    this.window.push(entry);
    this.inFlight++;
    this.dayCalls++;
    let released = false;
    return {
      release: (counted) => {
        if (released) return;
        released = true;
        this.inFlight--;
        if (counted) {
          entry.answeredAt = this.now();
        } else {
          this.window = this.window.filter((e) => e !== entry);
          this.dayCalls--;
        }
        const wake = this.wakeOnAnswer;
        this.wakeOnAnswer = undefined;
        wake?.();
      },
    };
  }

  private rollDay(now: number): void {
    if (now >= this.dayResetsAt) {
      this.dayCalls = 0;
      this.dayResetsAt = nextQuotaReset(now);
    }
  }
}
