import { nextQuotaReset } from '../../support/quota-clock.js';
import type { Clock, Sleep } from '../../tokens.js';
import { pacing, quotaGoneError, stricter } from '../budget-rules.js';
import type { BudgetSettings, CallLease, InstanceBudget } from '../shared-state.js';

interface WindowEntry {
  answeredAt?: number;
}

interface Waiter {
  grant(lease: CallLease): void;
  refuse(error: Error): void;
}

/**
 * The budget of one Marketo instance in process memory. Waiters are served in arrival order by
 * one loop, which sleeps (on the injected clock) until the window, the pacing or a pause has
 * room, or waits for an answer when every concurrency slot is taken.
 *
 * Marketo counts a call when it receives it, somewhere between our send and its answer; so a
 * call stays in the window until `windowMs` after its answer — the only bound that holds
 * whatever the network and event-loop delays.
 */
export class LocalInstanceBudget implements InstanceBudget {
  private window: WindowEntry[] = [];
  private inFlight = 0;
  private dayCalls = 0;
  private dayResetsAt: number;
  private pausedUntil = 0;
  private stoppedUntil = 0;
  /** Pacing: the theoretical arrival time of the next call (generic cell rate algorithm). */
  private nextArrival = Number.NEGATIVE_INFINITY;
  private readonly queue: Waiter[] = [];
  private serving = false;
  private wakeOnAnswer: (() => void) | undefined;

  constructor(
    private settings: BudgetSettings,
    private readonly now: Clock,
    private readonly sleep: Sleep,
  ) {
    this.dayResetsAt = nextQuotaReset(now());
  }

  tighten(settings: BudgetSettings): void {
    this.settings = stricter(this.settings, settings);
  }

  acquire(): Promise<CallLease> {
    return new Promise<CallLease>((grant, refuse) => {
      this.queue.push({ grant, refuse });
      void this.serve();
    });
  }

  async pause(pauseMs: number): Promise<void> {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + pauseMs);
  }

  async stopUntil(resetsAt: number): Promise<void> {
    this.stoppedUntil = Math.max(this.stoppedUntil, resetsAt);
  }

  /** Serves the queue head first; only one loop runs at a time. */
  private async serve(): Promise<void> {
    if (this.serving) return;
    this.serving = true;
    try {
      while (this.queue.length > 0) {
        const now = this.now();
        this.rollDay(now);
        if (this.dayCalls >= this.settings.dailyQuota) this.stoppedUntil = Math.max(this.stoppedUntil, this.dayResetsAt);
        if (now < this.stoppedUntil) {
          for (const waiter of this.queue.splice(0)) waiter.refuse(quotaGoneError(this.stoppedUntil));
          break;
        }
        const { windowMs, callsPerWindow, maxConcurrent } = this.settings;
        this.window = this.window.filter((entry) => entry.answeredAt === undefined || entry.answeredAt + windowMs > now);
        const windowFull = this.window.length >= callsPerWindow;
        const answered = this.window.filter((e) => e.answeredAt !== undefined).map((e) => e.answeredAt! + windowMs);
        if (this.inFlight >= maxConcurrent || (windowFull && answered.length === 0)) {
          await new Promise<void>((resolve) => (this.wakeOnAnswer = resolve));
          continue;
        }
        const { intervalMs, burstToleranceMs } = pacing(this.settings);
        const wait = Math.max(this.pausedUntil - now, windowFull ? Math.min(...answered) - now : 0, this.nextArrival - burstToleranceMs - now);
        if (wait > 0) {
          await this.sleep(Math.ceil(wait));
          continue;
        }
        this.nextArrival = Math.max(this.nextArrival, now) + intervalMs;
        this.queue.shift()!.grant(this.lease());
      }
    } finally {
      this.serving = false;
    }
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
