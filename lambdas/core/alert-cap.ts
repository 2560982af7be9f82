/** The daily alert cap: which day an alert counts against, in the reader's own time zone. Pure. */

/** `YYYY-MM-DD` of `at` in `timeZone` (UTC when the zone is missing or unknown). */
export function readerDay(at: Date, timeZone: string | undefined): string {
  const format = (zone: string) =>
    new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  try {
    return format(timeZone || 'UTC');
  } catch {
    return format('UTC');
  }
}
