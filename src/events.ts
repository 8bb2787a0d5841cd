import { EventEmitter } from 'eventemitter3';

/** Every payload has a message and never a secret (SPEC §2.6). */
export interface EventBase {
  activationId?: string;
  connectionId?: string;
  message: string;
}

export interface RunCounts {
  received: number;
  delivered: number;
  skipped: number;
  rejected: number;
  retryable: number;
}

export interface DestinationEventMap {
  'run.started': [EventBase & { received: number }];
  'run.succeeded': [EventBase & RunCounts];
  'run.failed': [EventBase & RunCounts];
  'records.rejected': [EventBase & { count: number; codes: Record<string, number> }];
  'rate.limited': [EventBase & { munchkinId: string; marketoCode: string; retryInMs?: number }];
  'quota.exhausted': [EventBase & { munchkinId: string; resetsAt: string; retryAfterMs: number }];
  'auth.failed': [EventBase & { munchkinId: string; stage: 'discover' | 'connect' | 'activate' | 'deliver'; kind: 'authentication' | 'permission' }];
}

export type DestinationEventName = keyof DestinationEventMap;

/** The emitter hosts subscribe to as `plugin.events`. */
export class DestinationEvents extends EventEmitter<DestinationEventMap> {}
