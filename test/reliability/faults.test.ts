import { expect } from 'chai';
import type { SandboxFault, SandboxOptions } from '../../src/sandbox/server.js';
import type { PluginOptions, ProfileEvent } from '../../src/types.js';
import { deliverUntilSettled, marketoState, mixedProfiles, person, sandboxSession } from '../support/sandbox-run.js';

const PROFILES = mixedProfiles(12);

/** Marketo's state after a fault-free delivery of `profiles`: the reference every faulty run must reach. */
async function referenceState(profiles: ProfileEvent[] = PROFILES): Promise<unknown> {
  const session = await sandboxSession();
  try {
    const { leftover } = await deliverUntilSettled(session, profiles);
    expect(leftover).to.deep.equal([]);
    return marketoState(session.sandbox);
  } finally {
    await session.close();
  }
}

/**
 * Runs the profiles with faults injected, replays retryables until none remain, and checks:
 * one outcome per input in every report, nothing lost (every record ends delivered or skipped),
 * nothing doubled (Marketo ends exactly as after a fault-free run).
 */
async function survives(faults: SandboxFault[], options: { sandbox?: SandboxOptions; plugin?: PluginOptions } = {}) {
  const expected = await referenceState();
  const session = await sandboxSession(options);
  try {
    for (const fault of faults) session.sandbox.inject(fault);
    const outcome = await deliverUntilSettled(session, PROFILES);
    expect(outcome.leftover, 'records still retryable').to.deep.equal([]);
    expect([...outcome.final.values()].map((r) => r.outcome).filter((o) => o !== 'delivered' && o !== 'skipped')).to.deep.equal([]);
    expect(marketoState(session.sandbox)).to.deep.equal(expected);
    return { ...outcome, stats: session.sandbox.stats };
  } finally {
    await session.close();
  }
}

describe('reliability: faults, then replaying retryables, give the fault-free result', () => {
  it('a 606 storm', async () => {
    const { rounds } = await survives([{ code: '606', times: 8 }]);
    expect(rounds[0]!.results.some((r) => r.outcome === 'retryable' && r.reason?.code === 'RATE_LIMITED')).to.equal(true);
  });

  it('615 concurrency refusals', async () => {
    await survives([{ code: '615', times: 2 }]);
  });

  it('a token expiring mid-delivery (602)', async () => {
    const expected = await referenceState();
    const session = await sandboxSession();
    try {
      session.sandbox.tokens.expireNow(); // Marketo ends the token while the plugin still trusts it
      const { final, rounds } = await deliverUntilSettled(session, PROFILES);
      expect(rounds).to.have.length(1); // refreshed and retried inside the delivery
      expect([...final.values()].every((r) => r.outcome !== 'retryable')).to.equal(true);
      expect(marketoState(session.sandbox)).to.deep.equal(expected);
    } finally {
      await session.close();
    }
  });

  it('HTTP 500 and 503 answers', async () => {
    await survives([{ httpStatus: 500, times: 2 }, { httpStatus: 503, times: 5 }]);
  });

  it('dropped connections', async () => {
    await survives([{ drop: true, times: 4 }]);
  });

  it('timeouts', async () => {
    const { stats } = await survives([{ path: '/rest/v1/leads.json', delayMs: 400, times: 2 }], {
      plugin: { timeouts: { syncLeadsMs: 150, lookupMs: 150, defaultMs: 150 } },
    });
    expect(stats.calls).to.be.greaterThan(4);
  });

  it('604 on a batch: split in halves and retried', async () => {
    const { rounds, stats } = await survives([{ method: 'POST', path: '/rest/v1/leads.json', code: '604', times: 2 }]);
    expect(rounds).to.have.length(1);
    expect((stats.byOperation['sync leads updateOnly'] ?? 0) + (stats.byOperation['sync leads createOnly'] ?? 0)).to.be.greaterThan(3);
  });

  it('a lead created by another writer between lookup and create (1005)', async () => {
    const expected = await referenceState();
    const session = await sandboxSession();
    try {
      const newcomer = PROFILES[7]!;
      const email = String(newcomer.identityMap!.Email![0]!.id);
      session.sandbox.inject({
        method: 'POST',
        path: '/rest/v1/leads.json',
        before: (store) => void store.createLead(1, { email, firstName: 'Other', lastName: 'Writer' }),
      });
      const { final } = await deliverUntilSettled(session, PROFILES);
      expect(final.get(newcomer.recordId)!.actions).to.include('updated');
      expect(marketoState(session.sandbox)).to.deep.equal(expected);
    } finally {
      await session.close();
    }
  });

  it('mixed per-record failures: queue codes are retried, invalid data is rejected, the rest delivered', async () => {
    const session = await sandboxSession();
    try {
      session.sandbox.inject({ method: 'POST', path: '/rest/v1/leads.json', recordCode: '1029', recordIndex: 0 });
      session.sandbox.inject({ method: 'POST', path: '/rest/v1/leads.json', recordCode: '1003', recordIndex: 1 });
      const { final, rounds } = await deliverUntilSettled(session, PROFILES);
      const first = rounds[0]!.results;
      expect(first.filter((r) => r.outcome === 'retryable').map((r) => r.reason?.marketoCode)).to.deep.equal(['1029']);
      const rejected = first.filter((r) => r.outcome === 'rejected');
      expect(rejected.map((r) => r.reason)).to.deep.equal([
        { code: 'MARKETO_REJECTED', message: 'Marketo skipped the record: 1003 Injected record failure 1003', marketoCode: '1003', requestId: rejected[0]!.reason!.requestId },
      ]);
      expect(rejected[0]!.reason!.requestId).to.match(/sbx/);
      expect([...final.values()].filter((r) => r.outcome === 'retryable')).to.deep.equal([]);
      const expected = await referenceState(PROFILES.filter((p) => p.recordId !== rejected[0]!.recordId));
      expect(marketoState(session.sandbox)).to.deep.equal(expected);
    } finally {
      await session.close();
    }
  });
});

describe('reliability: the daily quota', () => {
  it('stops calling at 607 and reports records retryable until midnight Chicago time, across a DST change', async () => {
    // 2026-11-01 03:00Z is 22:00 CDT on Oct 31; the reset is at 00:00 CDT, 05:00Z, before DST ends.
    const session = await sandboxSession({ start: Date.parse('2026-11-01T03:00:00Z') });
    const alerts: Array<{ resetsAt: string }> = [];
    session.plugin.events.on('quota.exhausted', (e) => alerts.push(e));
    try {
      session.sandbox.inject({ code: '607', times: 1 });
      const callsBefore = session.sandbox.stats.calls;
      const report = await session.plugin.deliver({ activationId: session.activationId, profiles: PROFILES });
      expect(report.results.every((r) => r.outcome === 'retryable' && r.reason?.code === 'QUOTA_EXHAUSTED')).to.equal(true);
      expect(report.results[0]!.retryAfterMs).to.equal(2 * 3600_000);
      expect(alerts).to.deep.equal([{ ...alerts[0], resetsAt: '2026-11-01T05:00:00.000Z' }]);
      expect(session.sandbox.stats.calls - callsBefore).to.equal(1); // nothing more was sent after the 607

      const again = await session.plugin.deliver({ activationId: session.activationId, profiles: PROFILES.slice(0, 2) });
      expect(again.summary).to.include({ retryable: 2, apiCalls: 0 });
      expect(session.sandbox.stats.calls - callsBefore).to.equal(1);

      session.clock.advance(report.results[0]!.retryAfterMs!);
      const after = await session.plugin.deliver({ activationId: session.activationId, profiles: PROFILES });
      expect(after.summary.retryable).to.equal(0);
    } finally {
      await session.close();
    }
  });
});

describe('reliability: the shared limiter', () => {
  it('keeps several activations on one instance within its limits: no 606 and no 615', async () => {
    const limits = { callsPerWindow: 6, windowMs: 2000, maxConcurrent: 2, dailyQuota: 50_000 };
    const session = await sandboxSession({ sandbox: { limits, latencyMs: 15 }, plugin: { limits: { ...limits, batchSize: 10 } } });
    try {
      const { plugin } = session;
      const connect = async (n: number) => {
        const { connectionId } = await plugin.connect({
          credentials: { clientId: 'sandbox-client-id', clientSecret: 'sandbox-client-secret' },
          config: { name: `Parallel ${n}`, munchkinId: '123-ABC-456', syncType: 'audience_and_profile', personAction: 'update_and_create', dedupeField: 'email' },
        });
        return (await plugin.activate({ connectionId, audiences: [{ id: `aud-${n}`, name: `Parallel audience ${n}` }], mappings: [{ source: 'identityMap.Email', target: 'identity:DedupeField' }, { source: 'first', target: 'firstName' }, { source: 'last', target: 'lastName' }] })).activationId;
      };
      const activations = [session.activationId, await connect(2), await connect(3)];
      const batch = (offset: number) => Array.from({ length: 40 }, (_, i) => person(offset + i, 'realized'));
      const reports = await Promise.all(activations.map((activationId, n) => plugin.deliver({ activationId, profiles: batch(n * 1000) })));
      expect(session.sandbox.stats).to.include({ rateLimited: 0, concurrencyLimited: 0 });
      expect(session.sandbox.stats.maxInFlight).to.be.at.most(2);
      for (const report of reports) expect(report.summary).to.include({ delivered: 40, retryable: 0 });
    } finally {
      await session.close();
    }
  });
});
