/**
 * What `doctor` reports and how it prints it: the check model, the facts both targets share
 * (the send quota, the public base URL), the checks that read them the same way for AWS
 * (doctor.ts) and for the local stack (doctor-local.ts), and the report. Pure: no I/O.
 */
import { describeRun, nextEventBridgeRun, nextLocalRun, type NextRun } from './schedule';

export type Severity = 'blocking' | 'warning';

export interface Check {
  name: string;
  ok: boolean;
  severity: Severity;
  detail: string;
  /** What to do about it; only on a failed check. */
  fix?: string;
}

/**
 * One gathered fact: its value, the error met while asking, or `missing` (the stack output the
 * question needs is absent: a stack deployed before the output existed).
 */
export type Fact<T> = { value: T } | { error: string } | { missing: string };

export interface SendQuotaFacts {
  maxSendRate: number;
  max24HourSend: number;
  sentLast24Hours: number;
}

export interface HttpAnswer {
  url: string;
  status: number;
}

const REDEPLOY = 'redeploy the stack (`npx cdk deploy`): it predates this output';

/** A check that cannot be decided from its fact (missing output or an error while asking). */
export function undecided(name: string, severity: Severity, fact: { error: string } | { missing: string }, fixOnError: string): Check {
  if ('missing' in fact) return { name, ok: false, severity, detail: `unknown: the stack has no ${fact.missing} output`, fix: REDEPLOY };
  return { name, ok: false, severity, detail: `could not ask: ${fact.error}`, fix: fixOnError };
}

export function quotaCheck(q: SendQuotaFacts): Check {
  const left = q.max24HourSend < 0 ? Infinity : q.max24HourSend - q.sentLast24Hours;
  const detail = `${q.maxSendRate}/s, ${q.max24HourSend < 0 ? 'no daily limit' : `${fmt(q.max24HourSend)} a day`}, ${fmt(q.sentLast24Hours)} sent in the last 24 hours${Number.isFinite(left) ? ` (${fmt(Math.max(0, left))} left)` : ''}`;
  if (left <= 0) {
    return {
      name: 'quota and rate',
      ok: false,
      severity: 'blocking',
      detail: `daily quota used up: ${detail}`,
      fix: 'wait for the 24-hour window to roll on (the sender pauses and resumes by itself), or ask AWS Support for a higher sending quota',
    };
  }
  return { name: 'quota and rate', ok: true, severity: 'blocking', detail };
}

export function scheduleCheck(fact: Fact<{ expression: string; timeZone: string }>, now: Date, local = false): Check {
  const name = 'schedule';
  if (!('value' in fact)) return undecided(name, 'warning', fact, 'check the stack');
  const { expression, timeZone } = fact.value;
  const next: NextRun = local ? nextLocalRun(expression, timeZone, now) : nextEventBridgeRun(expression, timeZone, now);
  const where = local ? 'BRIEFING_SCHEDULE' : 'the scheduleCron setting (`-c scheduleCron="cron(0 7 ? * MON *)"`)';
  if (!next.ok) return { name, ok: false, severity: 'warning', detail: `"${expression}" ${timeZone}: ${next.error}`, fix: `fix ${where}` };
  if (!next.next)
    return {
      name,
      ok: false,
      severity: 'warning',
      detail: `"${expression}" ${timeZone} never runs again: no digest will go out on schedule`,
      fix: `fix ${where}`,
    };
  return { name, ok: true, severity: 'warning', detail: `"${expression}" next run ${describeRun(next.next, timeZone)}` };
}

export function healthCheck(fact: Fact<HttpAnswer>, requireHttps: boolean): Check {
  const name = 'public base URL';
  const why = 'every message links to it (one-click unsubscribe, preferences)';
  const fix = requireHttps
    ? 'check the publicBaseUrl setting (`-c publicBaseUrl=https://…`): its DNS, certificate and that it routes to the HTTP API'
    : 'start the local stack with `npm start` (it serves the API on BRIEFING_HTTP_PORT)';
  if ('missing' in fact) return undecided(name, 'blocking', fact, fix);
  if ('error' in fact) return { name, ok: false, severity: 'blocking', detail: `does not answer: ${fact.error}; ${why}`, fix };
  const { url, status } = fact.value;
  if (requireHttps && !url.startsWith('https://')) {
    return {
      name,
      ok: false,
      severity: 'blocking',
      detail: `${url} is not https: mail clients and the one-click unsubscribe need https`,
      fix,
    };
  }
  if (status !== 200) return { name, ok: false, severity: 'blocking', detail: `${url} answered HTTP ${status}; ${why}`, fix };
  return { name, ok: true, severity: 'blocking', detail: `${url} answers 200` };
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** Whether anything blocks sending: the command's exit status. */
export function blocks(checks: Check[]): boolean {
  return checks.some((c) => !c.ok && c.severity === 'blocking');
}

/** The report as the command prints it. */
export function formatChecks(title: string, checks: Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = [title];
  for (const c of checks) {
    lines.push(`${c.ok ? '✔' : '✗'} ${c.name.padEnd(width)}  ${c.detail}${!c.ok && c.severity === 'warning' ? ' (warning)' : ''}`);
    if (!c.ok && c.fix) lines.push(`  ${' '.repeat(width)}  fix: ${c.fix}`);
  }
  const blocking = checks.filter((c) => !c.ok && c.severity === 'blocking').length;
  const warnings = checks.filter((c) => !c.ok && c.severity === 'warning').length;
  lines.push(
    blocking
      ? `${blocking} problem(s) block sending${warnings ? `, ${warnings} warning(s)` : ''}`
      : warnings
        ? `ready to send, with ${warnings} warning(s)`
        : 'ready to send',
  );
  return lines.join('\n');
}
