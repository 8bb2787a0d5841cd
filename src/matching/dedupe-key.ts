/**
 * The key a dedupe value is matched and coalesced on, compared the way Marketo's lookup
 * compares (SPEC §7): text trimmed and case-insensitive, integers as numbers. A lead that the
 * lookup returns for a value is that value's match even when its stored spelling differs.
 */
export function dedupeKey(value: unknown, dataType: string): string {
  const text = String(value).trim();
  if (dataType === 'integer' && /^[+-]?\d+$/.test(text)) return String(Number(text));
  return text.toLowerCase();
}
