/**
 * Injection tokens for values and interfaces. Concrete services are bound by their class;
 * only what has no class of its own (options, the clock, the event bus) gets a symbol here.
 */
export const TOKENS = {
  Options: Symbol.for('marketo-destination/Options'),
  Logger: Symbol.for('marketo-destination/Logger'),
  Clock: Symbol.for('marketo-destination/Clock'),
  Events: Symbol.for('marketo-destination/Events'),
  Manifest: Symbol.for('marketo-destination/Manifest'),
  Transport: Symbol.for('marketo-destination/Transport'),
  Sleep: Symbol.for('marketo-destination/Sleep'),
  SharedState: Symbol.for('marketo-destination/SharedState'),
} as const;

/** Milliseconds since the epoch; injected so tests control time. */
export type Clock = () => number;
/** Waits `ms` milliseconds; injected so tests never wait on real time. */
export type Sleep = (ms: number) => Promise<void>;
