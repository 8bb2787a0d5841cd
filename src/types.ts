/** Public types of the host contract (SPEC §3). Names are pinned: hosts compile against them. */
import type { LocalState } from './state/local/local-state.js';

export type SyncType = 'audience_and_profile' | 'profile_only' | 'audience_only';
export type PersonAction = 'update_and_create' | 'update_only';
export type AudienceType = 'people' | 'account' | 'prospect' | 'dataset';
export type MembershipStatus = 'realized' | 'existing' | 'exited';
export type Outcome = 'delivered' | 'skipped' | 'rejected' | 'retryable';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface PluginLimits {
  callsPerWindow?: number;
  windowMs?: number;
  maxConcurrent?: number;
  dailyQuota?: number;
  batchSize?: number;
}

/** Per-call timeouts; the defaults are Marketo's documented ones. */
export interface TimeoutOptions {
  syncLeadsMs?: number;
  lookupMs?: number;
  defaultMs?: number;
}

export interface RetryOptions {
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** Cluster mode (SPEC §8.1): what every process on the same Redis and key prefix shares. */
export interface RedisOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` for TLS. */
  url: string;
  /** Prefix of every key the plugin writes (default `mktdest:`). */
  keyPrefix?: string;
  /** Lifetime of call slots and write locks a dead worker leaves behind (default 30 000 ms); live workers renew theirs. */
  lockTtlMs?: number;
}

/** Host-level options; never taken from a tenant's settings. */
export interface PluginOptions {
  /** Share budget, tokens and locks with every process on this Redis; default: in process memory. */
  redis?: RedisOptions;
  /**
   * Embedded mode only: the in-memory state this plugin shares, by default the process-wide
   * one (every plugin of the process shares one budget per Marketo instance). Pass
   * `createLocalState()` to isolate a plugin, as tests do.
   */
  localState?: LocalState;
  /**
   * Incremental sync (SPEC §8.2): remember each lead's id, the digests of the field values
   * written and its last confirmed list changes, to skip lookups and unchanged writes. Default
   * `{ maxEntries: 100 000, ttlMs: 86 400 000 }`; `false` turns it off.
   */
  leadCache?: { maxEntries?: number; ttlMs?: number } | false;
  /**
   * Bulk backfill (SPEC §8.3): how often an import job is polled once it may be done (its first
   * poll waits for most of the end its run's fastest finished job predicts, at most six
   * intervals), and the largest file (default 5 000 ms, 10 485 760 bytes).
   */
  bulk?: { pollIntervalMs?: number; maxFileBytes?: number };
  marketoBaseUrl?: string;
  limits?: PluginLimits;
  retry?: RetryOptions;
  timeouts?: TimeoutOptions;
  logger?: Logger;
  now?: () => number;
  /** How the plugin waits (backoff, rate limits); tests pair it with `now` to run on virtual time. */
  sleep?: (ms: number) => Promise<void>;
  /** A destination author's manifest extension (see extendManifest), merged and validated at creation. */
  manifestExtension?: unknown;
}

export interface Credentials {
  clientId: string;
  clientSecret: string;
}

/** The tenant's destination settings after validation, defaults applied (never a secret). */
export interface DestinationConfig {
  name: string;
  description?: string;
  munchkinId: string;
  workspaceId: string;
  syncType: SyncType;
  partition?: string;
  dedupeField: string;
  personAction?: PersonAction;
  listFolder?: string;
  /** Settings added by a manifest extension. */
  [extra: string]: unknown;
}

export interface DiscoverRequest {
  credentials: Credentials;
  munchkinId: string;
  workspaceId?: string;
}

export interface DiscoveredField {
  name: string;
  displayName: string;
  dataType: string;
  length?: number;
}

export interface DiscoverResult {
  workspaces: Array<{ id: string; name: string }>;
  partitions: Array<{ id: number; name: string; description?: string }>;
  dedupeFields: DiscoveredField[];
  fields: DiscoveredField[];
}

export interface ConnectRequest {
  credentials: Credentials;
  config: Record<string, unknown>;
}

export interface ConnectResult {
  connectionId: string;
  config: DestinationConfig;
}

export interface AudienceSpec {
  id: string;
  name: string;
  type?: AudienceType;
  origin?: string;
  listId?: number;
}

export interface Mapping {
  source: string;
  target: string;
}

export interface ActivateRequest {
  connectionId: string;
  audiences: AudienceSpec[];
  mappings: Mapping[];
  activationId?: string;
}

export interface ActivationWarning {
  code: string;
  message: string;
}

export interface ResolvedList {
  listId: number;
  listName: string;
  created: boolean;
}

export interface ActivateResult {
  activationId: string;
  lists: Record<string, ResolvedList>;
  warnings: ActivationWarning[];
}

export interface IdentityValue {
  id: string;
  primary?: boolean;
}

export interface ProfileEvent {
  recordId: string;
  identityMap?: Record<string, IdentityValue[]>;
  attributes?: Record<string, unknown>;
  segmentMembership?: {
    ups?: Record<string, { status: MembershipStatus; lastQualificationTime?: string }>;
  };
}

export interface DeliverRequest {
  activationId: string;
  profiles: ProfileEvent[];
  /** Lookups only (SPEC §8.2): no write, no list change, no cache change; the report says what would happen. */
  dryRun?: boolean;
}

export type ReasonCode =
  | 'NO_MATCHING_LEAD'
  | 'MISSING_DEDUPE_VALUE'
  | 'MISSING_REQUIRED_FIELD'
  | 'INVALID_PROFILE'
  | 'MARKETO_REJECTED'
  | 'RATE_LIMITED'
  | 'QUOTA_EXHAUSTED'
  | 'MARKETO_UNAVAILABLE'
  | 'PERMISSION_DENIED'
  | 'STATE_UNAVAILABLE';

export interface RecordReason {
  code: ReasonCode;
  message: string;
  marketoCode?: string;
  /** Marketo's id of the request that answered for this record, for its support. */
  requestId?: string;
}

export interface RecordResult {
  recordId: string;
  outcome: Outcome;
  leadId?: number;
  actions: string[];
  reason?: RecordReason;
  retryAfterMs?: number;
}

export interface DeliverySummary {
  received: number;
  delivered: number;
  created: number;
  updated: number;
  addedToList: number;
  removedFromList: number;
  skipped: number;
  rejected: number;
  retryable: number;
  /** Delivered profiles that needed no call: the lead cache knew them written (also counted in `delivered`). */
  unchanged: number;
  /** The Marketo calls that carried this delivery's records (a call shared with other deliveries counts in each). */
  apiCalls: number;
}

export interface DeliveryReport {
  activationId: string;
  /** Present on a dry run: nothing was written, the results say what a real delivery would have done. */
  dryRun?: true;
  summary: DeliverySummary;
  results: RecordResult[];
}

export interface BackfillRequest {
  activationId: string;
  /** Read as a stream, in bounded memory: an array, a generator, a readable stream of objects… */
  profiles: Iterable<ProfileEvent> | AsyncIterable<ProfileEvent>;
  /** Called exactly once per input profile, in no particular order. */
  onResult?: (result: RecordResult) => void;
  /** Called at every phase change and at least every 10 000 profiles read. */
  onProgress?: (progress: BackfillProgress) => void;
}

/** `matching`: reading and matching the input; `importing`: field imports finishing; `lists`: list joins and removals; `done`. */
export type BackfillPhase = 'matching' | 'importing' | 'lists' | 'done';

export interface BackfillProgress {
  phase: BackfillPhase;
  /** Profiles read from the input. */
  read: number;
  /** Profiles matched (or found to match nothing) against Marketo. */
  matched: number;
  /** Rows Marketo reports imported, over every import job so far. */
  imported: number;
  /** Profiles whose result was given to `onResult`. */
  done: number;
}

/** One bulk import job of a backfill, as it ended. */
export interface BackfillImport {
  batchId: number;
  status: 'Queued' | 'Importing' | 'Complete' | 'Failed';
  rows: number;
  failed: number;
  warnings: number;
}

export interface BackfillReport {
  activationId: string;
  summary: DeliverySummary;
  imports: BackfillImport[];
}

export interface TeardownRequest {
  activationId?: string;
  connectionId?: string;
}
