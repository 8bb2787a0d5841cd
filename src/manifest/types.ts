/** The shape of a destination manifest (see manifest/manifest.schema.json for the rules). */

export type FieldType = 'string' | 'integer' | 'number' | 'boolean';
export type Scalar = string | number | boolean;
/** Holds when, for every named setting, the setting's value is one of the listed values. */
export type Condition = Record<string, Scalar[]>;

export type IssueCodeKind = 'required' | 'type' | 'pattern' | 'enum' | 'denied' | 'notAllowed' | 'instance';

export interface FieldSpec {
  name: string;
  type: FieldType;
  label: string;
  description: string;
  placeholder?: string;
  required?: boolean;
  secret?: boolean;
  enum?: Scalar[];
  enumLabels?: Record<string, string>;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  default?: Scalar;
  deniedValues?: Scalar[];
  deniedReason?: string;
  dynamicOptions?: { source: 'workspaces' | 'partitions' | 'dedupeFields' | 'fields'; value: string; label: string };
  visibleWhen?: Condition;
  requiredWhen?: Condition;
  issueCodes?: Partial<Record<IssueCodeKind, string>>;
}

export interface RequiredMappingRule {
  targets: string[];
  when: Condition;
  satisfiedByDedupeField?: boolean;
  reason: string;
}

export interface DestinationManifest {
  $schema?: string;
  manifestVersion: 1;
  id: string;
  name: string;
  description: string;
  docsUrl?: string;
  authentication: { type: 'oauth2_client_credentials'; description?: string; fields: FieldSpec[] };
  settings: FieldSpec[];
  identities: {
    target: Array<{
      namespace: string;
      description?: string;
      required: boolean;
      cardinality: 'exactly_one' | 'at_most_one' | 'any';
      sources: { attributes: boolean; identityNamespaces: { allowed: 'any' | string[]; denied: string[] } };
    }>;
  };
  mappings: {
    identityTargetPrefix: string;
    attributeTargets: { source: 'fields'; writableOnly: boolean };
    required: RequiredMappingRule[];
    recommended?: string[];
    attributesIgnoredWhen?: Condition;
  };
  audiences: { supportedTypes: string[]; refusedTypes: string[]; origins: 'any' | string[] };
  export: { type: 'audience_export' | 'dataset_export'; frequency: 'streaming' | 'batch' };
  batching: {
    recordsPerMarketoCall: number;
    recommendedProfilesPerDelivery: number;
    maxProfilesPerDelivery: number;
    maxBatchAgeMs: number;
  };
  governance: { marketingUses: string[] };
  permissions: { connect: string[]; activate: string[]; exportIdentities: string[]; marketo?: string[] };
}

export interface ManifestExtension {
  $schema?: string;
  name?: string;
  description?: string;
  docsUrl?: string;
  addSettings?: FieldSpec[];
  overrideSettings?: Record<string, Record<string, unknown>>;
  removeSettings?: string[];
}

/** True when every setting named by the condition has one of the listed values. */
export function conditionHolds(condition: Condition, values: Record<string, unknown>): boolean {
  return Object.entries(condition).every(([field, allowed]) => allowed.includes(values[field] as Scalar));
}
