/** Marketo's daily quota resets at midnight US Central time, whatever the season. */
const QUOTA_TIME_ZONE = 'America/Chicago';

const wallClock = new Intl.DateTimeFormat('en-US', {
  timeZone: QUOTA_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Milliseconds to add to UTC to get Chicago wall time at `instant`. */
function chicagoOffset(instant: number): number {
  const parts = Object.fromEntries(wallClock.formatToParts(new Date(instant)).map((p) => [p.type, Number(p.value)]));
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The instant of the next midnight in Chicago after `now` (DST changes included). */
export function nextQuotaReset(now: number): number {
  const offset = chicagoOffset(now);
  const wall = new Date(now + offset);
  const nextMidnightWall = Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate() + 1);
  let reset = nextMidnightWall - offset;
  // The offset at midnight may differ from now's when DST starts or ends in between.
  reset = nextMidnightWall - chicagoOffset(reset);
  return reset;
}
