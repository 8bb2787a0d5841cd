import { expect } from 'chai';
import { coalesce } from '../../src/delivery/coalesce.js';
import type { IntakeRecord } from '../../src/delivery/intake.js';
import { decideWrite, planListChanges, type WriteContext } from '../../src/delivery/planner.js';
import { fieldDigest, type LeadCacheEntry } from '../../src/state/lead-cache.js';
import { syncRules } from '../../src/sync-rules.js';
import type { DestinationConfig, MembershipStatus } from '../../src/types.js';

const REQUIRED = ['firstName', 'lastName', 'email'];
const config = (syncType: DestinationConfig['syncType'], personAction?: DestinationConfig['personAction']): DestinationConfig =>
  ({ name: 'x', munchkinId: '123-ABC-456', workspaceId: '1', syncType, dedupeField: 'email', ...(personAction && { personAction }) });
const context = (cfg: DestinationConfig): WriteContext => ({ rules: syncRules(cfg), config: cfg, requiredToCreate: REQUIRED });

function group(fields: Record<string, string>, statuses: MembershipStatus[]) {
  const record: IntakeRecord = {
    index: 0,
    recordId: 'r',
    dedupeValue: 'a@example.com',
    key: 'a@example.com',
    fields: new Map(Object.entries(fields)),
    memberships: new Map(statuses.map((s, i) => [`aud-${i}`, s])),
  };
  return coalesce([record])[0]!;
}

const named = { firstName: 'A', lastName: 'B' };
const cached = (leadId: number, fields: Record<string, string>, lists: Array<[number, 'add' | 'remove']> = []): LeadCacheEntry => ({
  leadId,
  fields: new Map(Object.entries(fields).map(([name, value]) => [name, fieldDigest(value)])),
  lists: new Map(lists),
});

describe('decideWrite: the matching table as data', () => {
  const rows: Array<[string, DestinationConfig, boolean, MembershipStatus[], string]> = [
    ['profile only + create, matched', config('profile_only', 'update_and_create'), true, [], 'update'],
    ['profile only + create, unmatched', config('profile_only', 'update_and_create'), false, [], 'create'],
    ['profile only + create, unmatched, statuses ignored', config('profile_only', 'update_and_create'), false, ['exited'], 'create'],
    ['profile only + update only, unmatched', config('profile_only', 'update_only'), false, [], 'skip'],
    ['audience only, matched', config('audience_only'), true, ['realized'], 'none'],
    ['audience only, unmatched', config('audience_only'), false, ['realized'], 'skip'],
    ['audience and profile + create, unmatched', config('audience_and_profile', 'update_and_create'), false, ['realized'], 'create'],
    ['audience and profile + create, unmatched, only exits', config('audience_and_profile', 'update_and_create'), false, ['exited', 'exited'], 'skip'],
    ['audience and profile + create, matched, only exits', config('audience_and_profile', 'update_and_create'), true, ['exited'], 'update'],
    ['audience and profile + update only, unmatched', config('audience_and_profile', 'update_only'), false, ['realized'], 'skip'],
  ];
  for (const [name, cfg, matched, statuses, expected] of rows) {
    it(name, () => {
      expect(decideWrite(group(named, statuses), matched ? 7 : undefined, undefined, context(cfg)).kind).to.equal(expected);
    });
  }

  it('rejects a create that lacks a required field, counting the email dedupe field as present', () => {
    const cfg = config('profile_only', 'update_and_create');
    expect(decideWrite(group({ firstName: 'A' }, []), undefined, undefined, context(cfg))).to.deep.equal({
      kind: 'reject',
      reason: { code: 'MISSING_REQUIRED_FIELD', message: 'A new Marketo lead needs a value for lastName; the profile has none.' },
    });
  });

  it('never quotes the dedupe value in a skip reason (no personal data in reports)', () => {
    const decision = decideWrite(group(named, ['realized']), undefined, undefined, context(config('audience_only')));
    expect(JSON.stringify(decision)).not.to.contain('a@example.com');
  });
});

describe('decideWrite with the lead cache', () => {
  const cfg = config('audience_and_profile', 'update_and_create');

  it('sends only the fields whose value differs from the last one written', () => {
    const decision = decideWrite(group({ firstName: 'A', lastName: 'New' }, []), 7, cached(7, { firstName: 'A', lastName: 'Old' }), context(cfg));
    expect(decision).to.deep.equal({ kind: 'update', leadId: 7, fields: new Map([['lastName', 'New']]) });
  });

  it('writes nothing when every value is the one last written', () => {
    expect(decideWrite(group(named, []), 7, cached(7, named), context(cfg))).to.deep.equal({ kind: 'none', leadId: 7 });
  });

  it('sends every field when the entry is for another lead', () => {
    const decision = decideWrite(group(named, []), 8, cached(7, named), context(cfg));
    expect(decision).to.deep.include({ kind: 'update', leadId: 8 });
  });
});

describe('planListChanges', () => {
  const lists = new Map([
    ['aud-0', { listId: 100, listName: 'A', created: false }],
    ['aud-1', { listId: 101, listName: 'B', created: false }],
  ]);

  it('adds on realized or existing, removes on exited, ignores audiences without a status', () => {
    expect(planListChanges(group(named, ['realized', 'exited']), 7, false, lists, undefined)).to.deep.equal([
      { audienceId: 'aud-0', listId: 100, op: 'add' },
      { audienceId: 'aud-1', listId: 101, op: 'remove' },
    ]);
    expect(planListChanges(group(named, ['existing']), 7, false, lists, undefined)).to.deep.equal([{ audienceId: 'aud-0', listId: 100, op: 'add' }]);
  });

  it('removes nothing from a lead created in this delivery', () => {
    expect(planListChanges(group(named, ['exited', 'exited']), 7, true, lists, undefined)).to.deep.equal([]);
  });

  it('skips a change whose last confirmed one was the same, and sends a flip', () => {
    const entry = cached(7, {}, [[100, 'add'], [101, 'add']]);
    expect(planListChanges(group(named, ['realized', 'exited']), 7, false, lists, entry)).to.deep.equal([{ audienceId: 'aud-1', listId: 101, op: 'remove' }]);
  });
});
