import 'reflect-metadata';
import { expect } from 'chai';
import { createAjv } from '../../src/manifest/ajv.js';
import { readManifestFile } from '../../src/manifest/files.js';
import { ManifestError, createPlugin, deriveSettingsSchema, extendManifest, loadShippedManifest, validateManifest } from '../../src/index.js';
import type { DestinationManifest } from '../../src/index.js';

const shipped = loadShippedManifest();
const clone = (): DestinationManifest & Record<string, unknown> => structuredClone(shipped) as DestinationManifest & Record<string, unknown>;

function refusal(work: () => unknown): ManifestError {
  try {
    work();
  } catch (error) {
    expect(error).to.be.instanceOf(ManifestError);
    return error as ManifestError;
  }
  throw new Error('expected a ManifestError');
}

describe('manifest', () => {
  it('ships a manifest that satisfies the manifest schema and declares every setting of the spec', () => {
    expect(shipped.settings.map((f) => f.name)).to.deep.equal([
      'name', 'description', 'munchkinId', 'workspaceId', 'syncType', 'partition', 'dedupeField', 'personAction', 'listFolder',
    ]);
    expect(shipped.authentication.fields.map((f) => [f.name, f.secret])).to.deep.equal([['clientId', true], ['clientSecret', true]]);
    const dropdowns = Object.fromEntries(shipped.settings.filter((f) => f.dynamicOptions).map((f) => [f.name, f.dynamicOptions!.source]));
    expect(dropdowns).to.deep.equal({ workspaceId: 'workspaces', partition: 'partitions', dedupeField: 'dedupeFields' });
    expect(shipped.identities.target[0]).to.deep.include({ namespace: 'DedupeField', cardinality: 'exactly_one' });
    expect(shipped.identities.target[0]!.sources.identityNamespaces.denied).to.deep.equal(['ECID']);
    expect(shipped.audiences.supportedTypes).to.deep.equal(['people']);
    expect(shipped.export).to.deep.equal({ type: 'audience_export', frequency: 'streaming' });
    expect(shipped.permissions.activate).to.deep.equal(['View Destinations', 'Activate Destinations', 'View Profiles', 'View Segments']);
    expect(shipped.governance.marketingUses).to.include('email_targeting');
    expect(Object.isFrozen(shipped)).to.equal(true);
  });

  it('is what createPlugin exposes', () => {
    expect(createPlugin().manifest).to.deep.equal(shipped);
  });

  it('refuses a broken manifest with the JSON pointer and the reason of every problem', () => {
    const broken = clone();
    delete (broken as Record<string, unknown>).export;
    (broken.settings[2] as unknown as Record<string, unknown>).type = 'text';
    broken.settings[4]!.visibleWhen = { colour: ['red'] };
    const error = refusal(() => validateManifest(broken));
    const paths = error.issues.map((i) => i.path);
    expect(paths).to.include('/export');
    expect(paths).to.include('/settings/2/type');
    expect(error.issues.find((i) => i.path === '/export')!.message).to.contain('missing the required property "export"');
    expect(error.message).to.contain('/settings/2/type must be one of');
  });

  it('refuses rules a schema cannot express: conditions on unknown settings, defaults that break their field', () => {
    const broken = clone();
    broken.settings[5]!.visibleWhen = { syncType: ['audience_and_profile', 'everything'] };
    broken.settings[8]!.default = '';
    const error = refusal(() => validateManifest(broken));
    expect(error.issues.map((i) => i.path)).to.deep.equal(['/settings/5/visibleWhen/syncType', '/settings/8/default']);
  });

  it('ships a profile-event schema that compiles and accepts the example of the spec', () => {
    const validate = createAjv().compile(readManifestFile('profile-event.schema.json') as object);
    const example = {
      recordId: 'r-1',
      identityMap: { Email: [{ id: 'ann@example.com', primary: true }], ECID: [{ id: '4711' }] },
      attributes: { person: { name: { firstName: 'Ann', lastName: 'Lee' } }, personalEmail: { address: 'ann@example.com' } },
      segmentMembership: { ups: { 'aud-1': { status: 'realized', lastQualificationTime: '2026-11-20T10:00:00Z' } } },
    };
    expect(validate(example)).to.equal(true);
    expect(validate({ ...example, segmentMembership: { ups: { 'aud-1': { status: 'joined' } } } })).to.equal(false);
  });
});

describe('derived settings schema', () => {
  const validate = createAjv().compile(deriveSettingsSchema(shipped).schema);
  const base = { name: 'x', munchkinId: '123-ABC-456', dedupeField: 'email' };

  it('is derived from the manifest fields, not copied', () => {
    const { schema } = deriveSettingsSchema(shipped);
    expect(Object.keys(schema.properties as object)).to.deep.equal(shipped.settings.map((f) => f.name));
    expect(schema.required).to.deep.equal(['name', 'munchkinId', 'syncType', 'dedupeField']);
    expect((schema.properties as Record<string, { pattern?: string }>).munchkinId!.pattern).to.equal('^[0-9]{3}-[A-Z]{3}-[0-9]{3}$');
  });

  it('requires personAction for both profile sync types', () => {
    expect(validate({ ...base, syncType: 'profile_only' })).to.equal(false);
    expect(validate({ ...base, syncType: 'audience_and_profile' })).to.equal(false);
    expect(validate({ ...base, syncType: 'profile_only', personAction: 'update_only' })).to.equal(true);
  });

  it('forbids partition and personAction under audience_only', () => {
    expect(validate({ ...base, syncType: 'audience_only' })).to.equal(true);
    expect(validate({ ...base, syncType: 'audience_only', partition: 'Default' })).to.equal(false);
    expect(validate({ ...base, syncType: 'audience_only', personAction: 'update_only' })).to.equal(false);
  });

  it('allows listFolder only for the audience sync types', () => {
    expect(validate({ ...base, syncType: 'audience_only', listFolder: 'Lists' })).to.equal(true);
    expect(validate({ ...base, syncType: 'audience_and_profile', personAction: 'update_only', listFolder: 'Lists' })).to.equal(true);
    expect(validate({ ...base, syncType: 'profile_only', personAction: 'update_only', listFolder: 'Lists' })).to.equal(false);
  });

  it('denies the Lead ID as dedupe field and enforces the Munchkin id pattern', () => {
    expect(validate({ ...base, syncType: 'audience_only', dedupeField: 'id' })).to.equal(false);
    expect(validate({ ...base, syncType: 'audience_only', munchkinId: '123-ABC-4567' })).to.equal(false);
  });
});

describe('extendManifest', () => {
  it('adds optional settings, new defaults and labels, and validates the result', () => {
    const extended = extendManifest(shipped, {
      name: 'Marketo Engage (ACME)',
      addSettings: [
        { name: 'leadSource', type: 'string', label: 'Lead source', description: 'Written on created leads.', default: 'CDP' },
      ],
      overrideSettings: {
        listFolder: { default: 'ACME Audiences', label: 'Folder for audience lists' },
        syncType: { enumLabels: { audience_only: 'Lists only' } },
      },
    });
    expect(extended.name).to.equal('Marketo Engage (ACME)');
    expect(extended.settings.at(-1)!.name).to.equal('leadSource');
    const folder = extended.settings.find((f) => f.name === 'listFolder')!;
    expect(folder).to.deep.include({ default: 'ACME Audiences', label: 'Folder for audience lists' });
    expect(shipped.settings.find((f) => f.name === 'listFolder')!.default).to.equal('CDP Audiences');
    expect(deriveSettingsSchema(extended).schema.properties).to.have.property('leadSource');
  });

  it('is used by createPlugin when the host passes an extension', () => {
    const plugin = createPlugin({ manifestExtension: { overrideSettings: { partition: { label: 'Lead partition' } } } });
    expect(plugin.manifest.settings.find((f) => f.name === 'partition')!.label).to.equal('Lead partition');
  });

  const refusals: Array<[string, unknown, string]> = [
    ['removing a setting', { removeSettings: ['munchkinId'] }, 'never remove'],
    ['making a required setting optional', { overrideSettings: { dedupeField: { required: false } } }, 'stays required'],
    ['making a conditional requirement weaker', { overrideSettings: { personAction: { requiredWhen: { syncType: ['profile_only'] } } } }, 'weaken'],
    ['exposing a secret', { overrideSettings: { clientSecret: { secret: false } } }, 'credentials cannot be changed'],
    ['adding a required setting', { addSettings: [{ name: 'region', type: 'string', label: 'Region', description: 'd', required: true }] }, 'must be optional'],
    ['changing a pattern', { overrideSettings: { munchkinId: { pattern: '.*' } } }, 'may only change'],
    ['a default that breaks its field', { overrideSettings: { syncType: { default: 'everything' } } }, 'must be one of'],
    ['re-adding an existing setting', { addSettings: [{ name: 'partition', type: 'string', label: 'P', description: 'd' }] }, 'already exists'],
  ];
  for (const [what, extension, reason] of refusals) {
    it(`refuses ${what} with a clear reason`, () => {
      const error = refusal(() => extendManifest(shipped, extension));
      expect(error.issues.map((i) => i.message).join(' ')).to.contain(reason);
    });
  }

  it('reports every refused change at once', () => {
    const error = refusal(() =>
      extendManifest(shipped, { removeSettings: ['name'], overrideSettings: { munchkinId: { required: false } } }),
    );
    expect(error.issues.map((i) => i.path)).to.deep.equal(['/removeSettings/0', '/overrideSettings/munchkinId/required']);
  });

  it('refuses an extension that is not shaped like one', () => {
    const error = refusal(() => extendManifest(shipped, { settings: [] }));
    expect(error.issues[0]!.message).to.contain('unexpected property "settings"');
  });
});

describe('README settings reference', () => {
  it('is the one generated from the manifest (run `npm run docs` after changing the manifest)', async () => {
    const { readFileSync } = await import('node:fs');
    const { withSettingsReference } = await import('../../src/manifest/settings-reference.js');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(withSettingsReference(readme, shipped)).to.equal(readme);
  });
});
