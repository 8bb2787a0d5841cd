import { expect } from 'chai';
import nock from 'nock';
import {
  AuthenticationError,
  ConfigValidationError,
  createPlugin,
  PermissionError,
  type ValidationIssue,
} from '../../src/index.js';
import { CONFIG, CREDENTIALS, BASE, fixture, identity, instanceMetadata, marketo, testOptions } from '../support/marketo.js';

async function connectError(config: Record<string, unknown>, credentials: unknown = CREDENTIALS): Promise<ConfigValidationError> {
  const plugin = createPlugin(testOptions());
  try {
    await plugin.connect({ credentials: credentials as typeof CREDENTIALS, config });
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigValidationError);
    return error as ConfigValidationError;
  }
  throw new Error('connect should have failed');
}

const codes = (issues: ValidationIssue[]) => issues.map((i) => `${i.code}@${i.path}`).sort();

describe('connect', () => {
  it('authenticates, checks the settings against the instance and returns the normalised config', async () => {
    const id = identity();
    const api = instanceMetadata();
    const plugin = createPlugin(testOptions());
    const result = await plugin.connect({ credentials: CREDENTIALS, config: { ...CONFIG, partition: 'EMEA' } });
    expect(result.connectionId).to.match(/^[0-9a-f-]{36}$/);
    expect(result.config).to.deep.equal({
      name: 'Marketo production',
      munchkinId: '123-ABC-456',
      workspaceId: '1',
      syncType: 'audience_and_profile',
      partition: 'EMEA',
      dedupeField: 'email',
      personAction: 'update_and_create',
      listFolder: 'CDP Audiences',
    });
    id.done();
    api.done();
  });

  it('applies the Default partition and keeps no partition nor person action for audience_only', async () => {
    identity(); // one token serves both connections
    instanceMetadata(instanceMetadata());
    const plugin = createPlugin(testOptions());
    const profile = await plugin.connect({ credentials: CREDENTIALS, config: { ...CONFIG, syncType: 'profile_only' } });
    expect(profile.config.partition).to.equal('Default');
    expect(profile.config).not.to.have.property('listFolder');
    const audience = await plugin.connect({
      credentials: CREDENTIALS,
      config: { name: 'Lists', munchkinId: CONFIG.munchkinId, syncType: 'audience_only', dedupeField: 'email', workspaceId: '4' },
    });
    expect(audience.config).to.deep.equal({
      name: 'Lists',
      munchkinId: '123-ABC-456',
      workspaceId: '4',
      syncType: 'audience_only',
      dedupeField: 'email',
      listFolder: 'CDP Audiences',
    });
  });

  it('reports every schema problem at once with its code, without calling Marketo for a bad Munchkin id', async () => {
    const error = await connectError({
      munchkinId: '123-abc-456.evil.example/',
      syncType: 'audience_only',
      dedupeField: 'id',
      partition: 'EMEA',
      personAction: 'update_only',
      color: 'blue',
    });
    expect(codes(error.issues)).to.deep.equal([
      'INVALID_MUNCHKIN_ID@munchkinId',
      'LEAD_ID_NOT_ALLOWED@dedupeField',
      'PARTITION_NOT_ALLOWED@partition',
      'PERSON_ACTION_NOT_ALLOWED@personAction',
      'REQUIRED_SETTING_MISSING@name',
      'UNKNOWN_SETTING@color',
    ]);
    expect(error.name).to.equal('ConfigValidationError');
    expect(error.issues.find((i) => i.code === 'INVALID_MUNCHKIN_ID')!.message).to.contain('123-ABC-456');
    expect(error.issues.find((i) => i.code === 'LEAD_ID_NOT_ALLOWED')!.message).to.contain('Lead ID');
  });

  it('requires a person action for both profile sync types', async () => {
    for (const syncType of ['audience_and_profile', 'profile_only']) {
      identity();
      instanceMetadata();
      const { personAction: _omitted, ...config } = CONFIG;
      const error = await connectError({ ...config, syncType });
      expect(codes(error.issues)).to.deep.equal(['PERSON_ACTION_REQUIRED@personAction']);
      expect(error.issues[0]!.message).to.contain('Person action');
    }
  });

  it('refuses a list folder for profile_only and an unknown sync type', async () => {
    identity();
    instanceMetadata();
    const error = await connectError({ ...CONFIG, syncType: 'profile_only', listFolder: 'Lists' });
    expect(codes(error.issues)).to.deep.equal(['LIST_FOLDER_NOT_ALLOWED@listFolder']);
    identity();
    instanceMetadata();
    const bad = await connectError({ ...CONFIG, syncType: 'everything' });
    expect(codes(bad.issues)).to.include('INVALID_SETTING_VALUE@syncType');
  });

  it('reports instance problems together: unknown partition, not a dedupe field, unknown workspace', async () => {
    identity();
    instanceMetadata();
    const error = await connectError({ ...CONFIG, partition: 'APAC', dedupeField: 'company', workspaceId: '99' });
    expect(codes(error.issues)).to.deep.equal([
      'NOT_A_DEDUPE_FIELD@dedupeField',
      'UNKNOWN_PARTITION@partition',
      'UNKNOWN_WORKSPACE@workspaceId',
    ]);
    expect(error.issues[0]!.message).to.contain('email, externalCustomerId, loyaltyNumber');
    expect(error.issues[1]!.message).to.contain('Default, EMEA');
  });

  it('combines schema and instance problems in one error', async () => {
    identity();
    instanceMetadata();
    const { name: _name, ...config } = CONFIG;
    const error = await connectError({ ...config, partition: 'APAC' });
    expect(codes(error.issues)).to.deep.equal(['REQUIRED_SETTING_MISSING@name', 'UNKNOWN_PARTITION@partition']);
  });

  it('refuses missing credentials with AuthenticationError naming each, without calling Marketo (SPEC §7)', async () => {
    const plugin = createPlugin(testOptions());
    for (const credentials of [{ clientId: '' }, { clientId: 42, clientSecret: null }, undefined]) {
      const error = await plugin.connect({ credentials: credentials as never, config: { ...CONFIG } }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(AuthenticationError);
      expect((error as Error).message).to.contain('the Client ID is missing; the Client secret is missing');
    }
  });

  it('throws AuthenticationError when the identity service refuses the credentials, and alerts the host', async () => {
    nock(BASE).post('/identity/oauth/token').reply(401, { error: 'unauthorized', error_description: 'Bad client credentials' });
    const plugin = createPlugin(testOptions());
    const alerts: unknown[] = [];
    plugin.events.on('auth.failed', (e) => alerts.push(e));
    const error = await plugin.connect({ credentials: CREDENTIALS, config: { ...CONFIG } }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AuthenticationError);
    expect((error as Error).name).to.equal('AuthenticationError');
    expect((error as Error).message).to.contain('HTTP 401');
    expect(alerts).to.have.length(1);
    expect(alerts[0]).to.include({ stage: 'connect', kind: 'authentication', munchkinId: '123-ABC-456' });
  });

  it('throws PermissionError naming Edit Person when Marketo answers 603', async () => {
    identity();
    marketo()
      .get('/rest/v1/leads/describe2.json')
      .reply(200, { requestId: 'x', success: false, errors: [{ code: '603', message: 'Access denied' }] })
      .get('/rest/v1/leads/partitions.json')
      .reply(200, fixture('partitions.json'))
      .get('/userservice/management/v1/users/workspaces.json')
      .reply(200, fixture('workspaces.json'));
    const plugin = createPlugin(testOptions());
    const error = await plugin.connect({ credentials: CREDENTIALS, config: { ...CONFIG } }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(PermissionError);
    expect((error as Error).message).to.contain('Edit Person');
  });

  it('never lets tenant settings choose the host: the Munchkin id is the only input to it', async () => {
    for (const munchkinId of ['123-ABC-456@evil.example', '123-ABC-456.evil.example', '123-ABC-456:8443', '123-ABC-456/x', ' 123-ABC-456']) {
      const error = await connectError({ ...CONFIG, munchkinId });
      expect(codes(error.issues)).to.deep.equal(['INVALID_MUNCHKIN_ID@munchkinId']);
    }
  });
});
