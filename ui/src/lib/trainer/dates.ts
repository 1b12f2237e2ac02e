// Due dates: a trainer picks a day; the hub stores the last millisecond of that day in UTC, so a
// lesson due "1 March" is due everywhere until the end of 1 March UTC. Days are shown in UTC so
// the day picked is the day shown; moments (a pass, an import) in the user's own time zone.

const DAY_INPUT = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The Unix ms at the end of the UTC day a `<input type="date">` holds (`2026-03-01`); `null`
 * when the value is not a real calendar day. */
export function dueAtFromDay(day: string): number | null {
  const match = DAY_INPUT.exec(day);
  if (!match) return null;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const start = Date.UTC(year, month - 1, date);
  const check = new Date(start);
  // Date.UTC rolls 31 February over into March; such a day does not exist.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1) return null;
  if (check.getUTCDate() !== date) return null;
  return start + 86_400_000 - 1;
}

/** The `<input type="date">` value for a due date (its UTC day). */
export function dayFromDueAt(dueAt: number): string {
  return new Date(dueAt).toISOString().slice(0, 10);
}

/** Today (UTC) as a date input value, for the picker's `min`. */
export function today(now: number): string {
  return dayFromDueAt(now);
}

/** A due date in the user's locale (`1 Mar 2026`, `1 mar 2026`), as the UTC day it names. */
export function formatDay(dueAt: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(dueAt);
}

/** A moment in the user's locale and time zone. */
export function formatMoment(at: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(at);
}

/** The locale to format dates in: the OS's own (`es-MX`, `en-GB`) when it is a variant of the
 * console's language, so days and months come in the user's regional order; else the language. */
export function dateLocale(language: string, system: string | undefined): string {
  const primary = (system ?? '').toLowerCase().split(/[-_]/)[0];
  return system && primary === language ? system : language;
}
