import { expect } from 'chai';
import { coalesce, decideWrite, syncRules } from '../../src/delivery/plan.js';
import type { IntakeRecord } from '../../src/delivery/intake.js';
import type { DestinationConfig, MembershipStatus } from '../../src/types.js';

const REQUIRED = ['firstName', 'lastName', 'email'];
const config = (syncType: DestinationConfig['syncType'], personAction?: DestinationConfig['personAction']): DestinationConfig =>
  ({ name: 'x', munchkinId: '123-ABC-456', workspaceId: '1', syncType, dedupeField: 'email', ...(personAction && { personAction }) });

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

describe('decideWrite: the matching table as data', () => {
  const rows: Array<[string, DestinationConfig, boolean, MembershipStatus[], string]> = [
    ['profile only + create, matched', config('profile_only', 'update_and_create'), true, [], 'update'],
    ['profile only + create, unmatched', config('profile_only', 'update_and_create'), false, [], 'create'],
    ['profile only + create, unmatched, statuses ignored', config('profile_only', 'update_and_create'), false, ['exited'], 'create'],
    ['profile only + update only, unmatched', config('profile_only', 'update_only'), false, [], 'skip'],
    ['audience only, matched', config('audience_only'), true, ['realized'], 'nothing'],
    ['audience only, unmatched', config('audience_only'), false, ['realized'], 'skip'],
    ['audience and profile + create, unmatched', config('audience_and_profile', 'update_and_create'), false, ['realized'], 'create'],
    ['audience and profile + create, unmatched, only exits', config('audience_and_profile', 'update_and_create'), false, ['exited', 'exited'], 'skip'],
    ['audience and profile + create, matched, only exits', config('audience_and_profile', 'update_and_create'), true, ['exited'], 'update'],
    ['audience and profile + update only, unmatched', config('audience_and_profile', 'update_only'), false, ['realized'], 'skip'],
  ];
  for (const [name, cfg, matched, statuses, expected] of rows) {
    it(name, () => {
      expect(decideWrite(group(named, statuses), matched, syncRules(cfg), cfg, REQUIRED).kind).to.equal(expected);
    });
  }

  it('rejects a create that lacks a required field, counting the email dedupe field as present', () => {
    const cfg = config('profile_only', 'update_and_create');
    expect(decideWrite(group({ firstName: 'A' }, []), false, syncRules(cfg), cfg, REQUIRED)).to.deep.equal({
      kind: 'reject',
      reason: { code: 'MISSING_REQUIRED_FIELD', message: 'A new Marketo lead needs a value for lastName; the profile has none.' },
    });
  });
});
