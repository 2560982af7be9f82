/**
 * When the digest schedule fires next: the computation lives in lambdas/core/schedule.ts (the
 * welcome mail tells readers when the digest arrives from the same code); doctor describes a run.
 */
export { eventBridgeToCroner, nextEventBridgeRun, nextLocalRun, type NextRun } from '../../lambdas/core/schedule';

/** `Mon 7 Dec 2026 07:00 Europe/Brussels (06:00 UTC)`: the run as the schedule's own clock shows it. */
export function describeRun(at: Date, timeZone: string): string {
  const local = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
  return `${local.replace(/,/g, '').replace(/ at /, ' ')} ${timeZone} (${at.toISOString().slice(0, 16).replace('T', ' ')} UTC)`;
}
