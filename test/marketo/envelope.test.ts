import { expect } from 'chai';
import { MarketoApiError, MarketoTransportError } from '../../src/errors.js';
import { decodeEnvelope, firstReason, type RecordStatus } from '../../src/marketo/envelope.js';

describe('decodeEnvelope', () => {
  it('turns success:false into a typed error carrying the Marketo code and message', () => {
    const body = { requestId: 'e42b#1', success: false, errors: [{ code: '1003', message: 'Invalid filterType' }] };
    const error = (() => {
      try {
        decodeEnvelope(body, 'GET /rest/v1/leads.json');
      } catch (e) {
        return e;
      }
    })();
    expect(error).to.be.instanceOf(MarketoApiError);
    expect(error).to.include({ marketoCode: '1003', marketoMessage: 'Invalid filterType', operation: 'GET /rest/v1/leads.json' });
  });

  it('leaves per-record statuses and reasons untouched', () => {
    const body = {
      requestId: 'a#1',
      success: true,
      result: [
        { id: 50, status: 'updated' },
        { status: 'skipped', reasons: [{ code: '1006', message: "Field 'shoeSize' not found" }] },
      ],
    };
    const envelope = decodeEnvelope<RecordStatus>(body, 'POST /rest/v1/leads.json');
    expect(envelope.result).to.deep.equal(body.result);
    expect(firstReason(envelope.result[1]!)).to.deep.equal({ code: '1006', message: "Field 'shoeSize' not found" });
    expect(firstReason(envelope.result[0]!)).to.equal(undefined);
  });

  it('reads paging fields', () => {
    const envelope = decodeEnvelope({ success: true, result: [], moreResult: true, nextPageToken: 'P2' }, 'GET x');
    expect(envelope).to.deep.include({ moreResult: true, nextPageToken: 'P2', result: [] });
  });

  it('refuses bodies that are not Marketo envelopes', () => {
    for (const body of ['<html>', null, [], { result: [] }, { success: true, result: {} }]) {
      expect(() => decodeEnvelope(body, 'GET x')).to.throw(MarketoTransportError);
    }
  });
});
