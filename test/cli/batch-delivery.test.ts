import { expect } from 'chai';
import { marketoTookNone } from '../../src/cli/batch-delivery.js';
import type { RecordResult } from '../../src/types.js';

const result = (outcome: RecordResult['outcome'], code?: string): RecordResult => ({
  recordId: 'r',
  outcome,
  actions: [],
  ...(code && { reason: { code, message: code } as RecordResult['reason'] }),
});

describe('marketoTookNone: did Marketo take nothing of a batch?', () => {
  const table: Array<[string, RecordResult[], boolean | undefined]> = [
    ['all unavailable', [result('retryable', 'MARKETO_UNAVAILABLE'), result('retryable', 'MARKETO_UNAVAILABLE')], true],
    ['rate limited, quota, shared state', [result('retryable', 'RATE_LIMITED'), result('retryable', 'QUOTA_EXHAUSTED'), result('retryable', 'STATE_UNAVAILABLE')], true],
    ['unavailable beside profiles refused before any call', [result('retryable', 'MARKETO_UNAVAILABLE'), result('rejected', 'MISSING_DEDUPE_VALUE'), result('rejected', 'INVALID_PROFILE')], true],
    ['one delivered', [result('retryable', 'MARKETO_UNAVAILABLE'), result('delivered')], false],
    ['one skipped by the lookup', [result('retryable', 'MARKETO_UNAVAILABLE'), result('skipped', 'NO_MATCHING_LEAD')], false],
    ['one rejected by Marketo', [result('retryable', 'MARKETO_UNAVAILABLE'), result('rejected', 'MARKETO_REJECTED')], false],
    ['retryable for a credential problem', [result('retryable', 'PERMISSION_DENIED')], false],
    ['only bad input: says nothing of Marketo', [result('rejected', 'INVALID_PROFILE')], undefined],
    ['empty', [], undefined],
  ];
  for (const [name, results, expected] of table) {
    it(name, () => expect(marketoTookNone(results)).to.equal(expected));
  }
});
