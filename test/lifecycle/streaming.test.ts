import { expect } from 'chai';
import nock from 'nock';
import { createPlugin, InvalidRequestError } from '../../src/index.js';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox/server.js';
import { createLocalState } from '../../src/state/local/local-state.js';
import type { DeliveryReport } from '../../src/types.js';
import { AUDIENCE, lead, LIST_ID, profile, session } from '../support/delivery.js';
import { envelope, failure, marketo } from '../support/marketo.js';
import { AUDIENCE as SANDBOX_AUDIENCE, MAPPINGS, person, sandboxSession } from '../support/sandbox-run.js';

/** SPEC §7 "Write lock" and "Calls shared across deliveries": many small deliveries at once. */

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('streaming: deliveries that share values never race', () => {
  async function leadsPerEmail(run: (s: Awaited<ReturnType<typeof sandboxSession>>) => Promise<unknown>) {
    // Like Marketo, the sandbox lets two closely timed creates of one new email both succeed.
    const s = await sandboxSession({ sandbox: { createRace: { windowMs: 50 }, latencyMs: 10 } });
    try {
      const before = s.sandbox.stats.calls;
      await run(s);
      const counts = new Map<string, number>();
      for (const l of s.sandbox.store.leads.values()) counts.set(String(l.fields.email), (counts.get(String(l.fields.email)) ?? 0) + 1);
      return { counts, calls: s.sandbox.stats.calls - before, ops: s.sandbox.stats.byOperation };
    } finally {
      await s.close();
    }
  }

  it('creates one lead per value when two deliveries share new values, with no call more than one after the other', async () => {
    const a = range(0, 50).map((i) => person(i));
    const b = range(30, 50).map((i) => person(i));
    const together = await leadsPerEmail(async (s) => {
      const reports = await Promise.all([a, b].map((profiles) => s.plugin.deliver({ activationId: s.activationId, profiles })));
      for (const report of reports) expect(report.summary).to.include({ delivered: 50, retryable: 0, rejected: 0 });
    });
    const apart = await leadsPerEmail(async (s) => {
      for (const profiles of [a, b]) await s.plugin.deliver({ activationId: s.activationId, profiles });
    });
    for (const i of range(0, 80)) expect(together.counts.get(`person${i}@example.com`), `person${i}`).to.equal(1);
    expect(together.calls).to.be.at.most(apart.calls);
    expect(together.ops['sync leads createOnly']).to.be.at.most(apart.ops['sync leads createOnly']!);
  });

  /** Two plugin instances of one process sharing one local state, each with an activation of its own. */
  async function twinPlugins<T>(run: (twins: Array<{ deliver: (profiles: ReturnType<typeof person>[]) => Promise<DeliveryReport> }>, s: Awaited<ReturnType<typeof sandboxSession>>) => Promise<T>): Promise<T> {
    const s = await sandboxSession({ sandbox: { createRace: { windowMs: 50 }, latencyMs: 10 } });
    const shared = createLocalState();
    const plugins = [0, 1].map(() => createPlugin({ marketoBaseUrl: s.sandbox.url, localState: shared, now: s.clock.now, sleep: async (ms) => s.clock.advance(ms) }));
    try {
      const twins = await Promise.all(
        plugins.map(async (plugin) => {
          const { connectionId } = await plugin.connect({
            credentials: SANDBOX_CREDENTIALS,
            config: { name: 'Twin', munchkinId: '123-ABC-456', syncType: 'audience_and_profile', personAction: 'update_and_create', dedupeField: 'email' },
          });
          const { activationId } = await plugin.activate({ connectionId, audiences: [SANDBOX_AUDIENCE], mappings: MAPPINGS });
          return { deliver: (profiles: ReturnType<typeof person>[]) => plugin.deliver({ activationId, profiles }) };
        }),
      );
      return await run(twins, s);
    } finally {
      await Promise.all(plugins.map((plugin) => plugin.teardown()));
      await s.close();
    }
  }

  it('creates one lead per value when two plugin instances of one process deliver the same new profiles', async () => {
    await twinPlugins(async (twins, s) => {
      const profiles = range(0, 50).map((i) => person(i));
      await Promise.all(twins.map((twin) => twin.deliver(profiles)));
      const emails = [...s.sandbox.store.leads.values()].map((l) => String(l.fields.email)).filter((e) => e.startsWith('person'));
      expect(emails).to.have.length(50);
      expect(new Set(emails).size).to.equal(50);
    });
  });

  it('lets a delivery alone in its plugin wait for the values another plugin holds, rather than pay a second round', async () => {
    // The 20 people both deliveries share leave the audience in the first, and come back with a
    // new score in the second: it must update them and add them to the list, as it does its own.
    const a = range(0, 50).map((i) => person(i, i < 30 ? 'realized' : 'exited'));
    const b = range(30, 50).map((i) => ({ ...person(i), attributes: { ...person(i).attributes, score: 1_000 + i } }));
    const callsOf = (s: Awaited<ReturnType<typeof sandboxSession>>) => ({ ...s.sandbox.stats.byOperation });
    const together = await twinPlugins(async (twins, s) => {
      const before = callsOf(s);
      const reports = await Promise.all([twins[0]!.deliver(a), twins[1]!.deliver(b)]);
      for (const report of reports) expect(report.summary).to.include({ received: 50, retryable: 0, rejected: 0 });
      return { before, after: callsOf(s) };
    });
    const apart = await twinPlugins(async (twins, s) => {
      const before = callsOf(s);
      await twins[0]!.deliver(a);
      await twins[1]!.deliver(b);
      return { before, after: callsOf(s) };
    });
    const made = ({ before, after }: { before: Record<string, number>; after: Record<string, number> }) =>
      Object.fromEntries(Object.entries(after).map(([operation, count]) => [operation, count - (before[operation] ?? 0)]).filter(([, count]) => count !== 0));
    // The second plugin's delivery takes its 50 values in one round once the first releases the 20 they share.
    expect(made(together)).to.deep.equal(made(apart));
  });
});

describe('streaming: calls shared across deliveries', () => {
  const A = ['a1@example.com', 'a2@example.com'];
  const B = ['b1@example.com', 'b2@example.com'];
  const C = ['c1@example.com'];
  const ids: Record<string, number> = { 'a1@example.com': 1, 'a2@example.com': 2, 'b1@example.com': 3, 'c1@example.com': 5 };
  const byEmail = (values: string) => values.split(',').filter((e) => ids[e] !== undefined).map((e) => lead(ids[e]!, e));

  /** Starts A, whose lookup Marketo answers slowly (one call at a time), then B and C while it runs. */
  async function threeDeliveries(sharedLookup: (values: string) => nock.ReplyFnResult) {
    const s = await session({ syncType: 'audience_only', personAction: undefined }, { limits: { maxConcurrent: 1 } });
    const lookupValues: string[] = [];
    const listAdds: number[][] = [];
    let aArrived!: () => void;
    const aInFlight = new Promise<void>((resolve) => (aArrived = resolve));
    marketo()
      .get('/rest/v1/leads.json')
      .query(true)
      .delay(100)
      .reply((uri) => {
        const values = new URL(uri, 'https://x').searchParams.get('filterValues')!;
        lookupValues.push(values);
        aArrived();
        return [200, envelope(byEmail(values))];
      })
      .get('/rest/v1/leads.json')
      .query(true)
      .reply((uri) => {
        const values = new URL(uri, 'https://x').searchParams.get('filterValues')!;
        lookupValues.push(values);
        return sharedLookup(values);
      })
      // Two or three list adds: A's may leave before B's and C's records can join it.
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`)
      .times(3)
      .optionally()
      .reply((_uri, body) => {
        const input = (body as { input: Array<{ id: number }> }).input;
        listAdds.push(input.map((r) => r.id));
        return [200, envelope(input.map((r) => ({ id: r.id, status: 'added' })))];
      });
    const deliver = (emails: string[], tag: string) => s.plugin.deliver({ activationId: s.activationId, profiles: emails.map((e, i) => profile(`${tag}-${i}`, e)) });
    const a = deliver(A, 'a');
    await aInFlight;
    const [b, c] = [deliver(B, 'b'), deliver(C, 'c')];
    return { ...s, reports: await Promise.all([a, b, c]), lookupValues, listAdds };
  }

  it('packs the records of deliveries waiting for budget into one call, and gives each delivery exactly its own results', async () => {
    const { reports, lookupValues, listAdds } = await threeDeliveries((values) => [200, envelope(byEmail(values))]);
    expect(lookupValues).to.deep.equal(['a1@example.com,a2@example.com', 'b1@example.com,b2@example.com,c1@example.com']);
    expect(listAdds.flat().sort()).to.deep.equal([1, 2, 3, 5]);
    const [a, b, c] = reports as [DeliveryReport, DeliveryReport, DeliveryReport];
    const added = [`listAdded:${AUDIENCE.id}`];
    expect(a.results).to.deep.equal([
      { recordId: 'a-0', outcome: 'delivered', leadId: 1, actions: added },
      { recordId: 'a-1', outcome: 'delivered', leadId: 2, actions: added },
    ]);
    expect(b.results).to.deep.equal([
      { recordId: 'b-0', outcome: 'delivered', leadId: 3, actions: added },
      {
        recordId: 'b-1',
        outcome: 'skipped',
        actions: [],
        reason: { code: 'NO_MATCHING_LEAD', message: "No Marketo lead matches this profile's email, and this destination does not create leads for it." },
      },
    ]);
    expect(c.results).to.deep.equal([{ recordId: 'c-0', outcome: 'delivered', leadId: 5, actions: added }]);
    // The shared lookup counts once in each delivery it carried records of.
    // Each delivery's records travelled in one lookup and one list add (shared calls count in each).
    expect([a, b, c].map((r) => r.summary.apiCalls)).to.deep.equal([2, 2, 2]);
  });

  it('confines a failed shared call to the records in it', async () => {
    const { reports, lookupValues } = await threeDeliveries(() => [200, failure('610', 'Requested resource not found')]);
    expect(lookupValues).to.have.length(2);
    const [a, b, c] = reports as [DeliveryReport, DeliveryReport, DeliveryReport];
    expect(a.summary).to.include({ delivered: 2, rejected: 0 });
    for (const report of [b, c]) {
      expect(report.summary.rejected).to.equal(report.summary.received);
      for (const result of report.results) expect(result.reason).to.deep.include({ code: 'MARKETO_REJECTED', marketoCode: '610' });
    }
    nock.cleanAll();
  });

  it('drains deliveries whose calls wait to be shared, and refuses one that comes after teardown', async () => {
    const s = await session({ syncType: 'audience_only', personAction: undefined }, { limits: { maxConcurrent: 1 } });
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    marketo()
      .get('/rest/v1/leads.json')
      .query(true)
      .times(2)
      .delay(50)
      .reply((uri) => {
        arrived();
        return [200, envelope(byEmail(new URL(uri, 'https://x').searchParams.get('filterValues')!))];
      })
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`)
      .times(2)
      .reply((_uri, body) => [200, envelope((body as { input: Array<{ id: number }> }).input.map((r) => ({ id: r.id, status: 'added' })))]);
    const a = s.plugin.deliver({ activationId: s.activationId, profiles: A.map((e, i) => profile(`a-${i}`, e)) });
    await inFlight;
    const b = s.plugin.deliver({ activationId: s.activationId, profiles: B.map((e, i) => profile(`b-${i}`, e)) });
    const teardown = s.plugin.teardown();
    const late = await s.plugin.deliver({ activationId: s.activationId, profiles: C.map((e, i) => profile(`c-${i}`, e)) }).catch((e: unknown) => e);
    expect(late).to.be.instanceOf(InvalidRequestError).and.to.include({ code: 'TORN_DOWN' });
    const [ra, rb] = await Promise.all([a, b]);
    await teardown;
    expect(ra.summary).to.include({ delivered: 2 });
    expect(rb.summary).to.include({ delivered: 1, skipped: 1 });
    expect(C.every((email) => !JSON.stringify([ra, rb]).includes(email))).to.equal(true);
  });
});
