import { stricter } from './budget-rules.js';
import type { BudgetSettings, CallLease, InstanceBudget } from './shared-state.js';

interface Waiter {
  grant(lease: CallLease): void;
  refuse(error: unknown): void;
}

/** What one look at the budget gave the caller at the head of the queue. */
export type BudgetStep = { grant: CallLease } | { refuseAll: unknown } | 'waited';

/**
 * The waiting room both budgets share: callers queue in arrival order and one loop serves the
 * head — granting it a lease, or refusing everyone at once (quota gone, state unavailable), or
 * waiting (on the injected clock, or for an answer) before it looks again.
 */
export abstract class QueuedBudget implements InstanceBudget {
  private readonly queue: Waiter[] = [];
  private serving = false;

  protected constructor(protected settings: BudgetSettings) {}

  /** Two plugin instances sharing an instance's budget share the stricter of their limits. */
  tighten(settings: BudgetSettings): void {
    this.settings = stricter(this.settings, settings);
  }

  acquire(): Promise<CallLease> {
    return new Promise<CallLease>((grant, refuse) => {
      this.queue.push({ grant, refuse });
      void this.serve();
    });
  }

  abstract pause(pauseMs: number): Promise<void>;
  abstract stopUntil(resetsAt: number): Promise<void>;

  /**
   * One look at the budget for the caller at the head of the queue: synchronous when it can
   * answer at once, so that several waiters are granted in one go.
   */
  protected abstract step(): BudgetStep | Promise<BudgetStep>;

  private async serve(): Promise<void> {
    if (this.serving) return;
    this.serving = true;
    try {
      while (this.queue.length > 0) {
        const next = this.step();
        const step = next instanceof Promise ? await next : next;
        if (step === 'waited') continue;
        if ('grant' in step) this.queue.shift()!.grant(step.grant);
        else for (const waiter of this.queue.splice(0)) waiter.refuse(step.refuseAll);
      }
    } finally {
      this.serving = false;
    }
  }
}
