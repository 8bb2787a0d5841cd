/** Everything observable of a value: errors with message, stack and own properties. */
export function everything(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, function (_key, v: unknown) {
    if (v && typeof v === 'object') {
      if (seen.has(v)) return '[seen]';
      seen.add(v);
    }
    if (v instanceof Error) return { ...Object.fromEntries(Object.entries(v)), name: v.name, message: v.message, stack: v.stack };
    return v;
  });
}
