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

const HOUR_MS = 3_600_000;

/** The last midnight in Chicago at or before `now`. */
function lastChicagoMidnight(now: number): number {
  return nextQuotaReset(nextQuotaReset(now) - 26 * HOUR_MS);
}

/**
 * When to call again after Marketo answered `607` at `now`. Marketo documents the reset as
 * "12:00 AM CST"; SPEC §7 says midnight US Central (`America/Chicago`). The two agree in winter,
 * but in summer a fixed-CST reset comes one hour after Chicago's midnight (01:00 CDT). So the
 * limiter resumes at Chicago's midnight, and a 607 in the hour after it (summer only) means
 * "not reset yet": the next probe is at 01:00 CDT, the same night — never a whole extra day.
 */
export function resumeAfterQuotaExhausted(now: number): number {
  const midnight = lastChicagoMidnight(now);
  const summerTime = chicagoOffset(midnight) !== chicagoOffset(Date.UTC(new Date(midnight).getUTCFullYear(), 0, 1));
  if (summerTime && now - midnight < HOUR_MS) return midnight + HOUR_MS;
  return nextQuotaReset(now);
}
