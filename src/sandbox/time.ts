/**
 * Marketo's two timestamp spellings. The Lead Database answers ISO 8601 in UTC without
 * milliseconds ("2020-08-30T07:00:58Z"); the asset API (folders, static lists) appends an
 * offset to the `Z` ("2020-08-30T07:01:09Z+0000"), which `Date.parse` does not read. Both are
 * what recorded answers show (Grouparoo's Marketo fixtures; Marketo's folder docs).
 */
export function leadTime(at: number): string {
  return new Date(Math.floor(at / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function assetTime(at: number): string {
  return `${leadTime(at)}+0000`;
}
