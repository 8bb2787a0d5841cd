import nock from 'nock';
import { createPlugin, type MarketoDestinationPlugin } from '../../src/index.js';
import type { MembershipStatus, PluginOptions, ProfileEvent } from '../../src/types.js';
import { CONFIG, connected, envelope, FakeClock, listAsset, MAPPINGS, marketo, testOptions, virtualTime } from './marketo.js';

export const LIST_ID = 1001;
export const AUDIENCE = { id: 'aud-1', name: 'Winback 90 days' };

export interface Session {
  plugin: MarketoDestinationPlugin;
  activationId: string;
  clock: FakeClock;
}

/** connect → activate with one audience mapped to list 1001 (found by name). */
export async function session(config: Record<string, unknown> = {}, options: PluginOptions = {}, audiences = [AUDIENCE]): Promise<Session> {
  const time = virtualTime();
  const plugin = createPlugin(testOptions({ now: time.now, sleep: time.sleep, ...options }));
  const connectionId = await connected(plugin, { ...CONFIG, ...config });
  const syncType = (config.syncType as string | undefined) ?? CONFIG.syncType;
  if (syncType !== 'profile_only') {
    audiences.forEach((audience, i) => {
      marketo().get('/rest/asset/v1/staticList/byName.json').query({ name: audience.name }).reply(200, envelope([listAsset(LIST_ID + i, audience.name)]));
    });
  }
  const { activationId } = await plugin.activate({ connectionId, audiences, mappings: [...MAPPINGS] });
  nock.cleanAll();
  return { plugin, activationId, clock: time.clock };
}

export function profile(recordId: string, email: string, options: { first?: string; last?: string; status?: MembershipStatus | Record<string, MembershipStatus> } = {}): ProfileEvent {
  const { first = cap(email.split('@')[0]!), last = 'Lee', status = 'realized' } = options;
  const statuses = typeof status === 'string' ? { [AUDIENCE.id]: status } : status;
  return {
    recordId,
    identityMap: { Email: [{ id: email, primary: true }], ECID: [{ id: `ecid-${recordId}` }] },
    attributes: { person: { name: { firstName: first, lastName: last } } },
    segmentMembership: { ups: Object.fromEntries(Object.entries(statuses).map(([id, s]) => [id, { status: s, lastQualificationTime: '2026-11-20T10:00:00Z' }])) },
  };
}

function cap(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const lookupQuery = (values: string[], field = 'email') => ({
  filterType: field,
  filterValues: values.join(','),
  fields: `id,updatedAt,${field}`,
  batchSize: '300',
});

export const lead = (id: number, email: string, updatedAt = '2026-06-01T00:00:00Z') => ({ id, updatedAt, email });
