/**
 * `doctor` for the local stack (`npm start`): DynamoDB Local and its tables, the SES emulator,
 * the rate the local sender uses, the local schedule and the local HTTP server. The facts are
 * gathered by lib/ops/doctor-facts.ts; here nothing does I/O.
 */
import { healthCheck, quotaCheck, scheduleCheck, type Check, type Fact, type HttpAnswer, type SendQuotaFacts } from './doctor-checks';

export interface LocalFacts {
  dynamoEndpoint: string;
  /** The tables the local stack needs and which of them exist. */
  tables: Fact<{ wanted: string[]; present: string[] }>;
  sesEndpoint: string;
  /** Any HTTP answer from the SES endpoint. */
  ses: Fact<{ status: number }>;
  /** As the sender asks it: `value: undefined` when the endpoint has no GetSendQuota (the bundled emulator); an error fails. */
  sendQuota: Fact<SendQuotaFacts | undefined>;
  /** The fixed local rate the sender uses when nothing answers GetSendQuota. */
  localSendRate: number;
  schedule: { pattern: string; timeZone: string };
  health: Fact<HttpAnswer>;
}

export function localChecks(f: LocalFacts, now: Date): Check[] {
  const checks: Check[] = [];
  if (!('value' in f.tables)) {
    checks.push({
      name: 'DynamoDB',
      ok: false,
      severity: 'blocking',
      detail: `${f.dynamoEndpoint} does not answer: ${'error' in f.tables ? f.tables.error : f.tables.missing}`,
      fix: 'start the local stack with `npm start` (or point AWS_ENDPOINT_URL_DYNAMODB at a running DynamoDB Local)',
    });
  } else {
    const { wanted, present } = f.tables.value;
    const missing = wanted.filter((t) => !present.includes(t));
    checks.push(
      missing.length === 0
        ? { name: 'DynamoDB', ok: true, severity: 'blocking', detail: `${f.dynamoEndpoint}: tables ${wanted.join(', ')} present` }
        : {
            name: 'DynamoDB',
            ok: false,
            severity: 'blocking',
            detail: `${f.dynamoEndpoint} answers, but table(s) ${missing.join(', ')} are missing`,
            fix: '`npm start` creates them (check BRIEFING_TABLE_PREFIX matches the running stack)',
          },
    );
  }
  checks.push(
    'value' in f.ses
      ? { name: 'SES endpoint', ok: true, severity: 'blocking', detail: `${f.sesEndpoint} answers (HTTP ${f.ses.value.status})` }
      : {
          name: 'SES endpoint',
          ok: false,
          severity: 'blocking',
          detail: `${f.sesEndpoint} does not answer: ${'error' in f.ses ? f.ses.error : f.ses.missing}`,
          fix: 'start the local stack with `npm start` (or point AWS_ENDPOINT_URL_SES at a running SES emulator)',
        },
  );
  if ('value' in f.sendQuota && f.sendQuota.value) checks.push(quotaCheck(f.sendQuota.value));
  else if ('value' in f.sendQuota) {
    checks.push({
      name: 'quota and rate',
      ok: true,
      severity: 'blocking',
      detail: `GetSendQuota not answered (the endpoint has none, as the bundled emulator): the local sender uses the fixed rate of ${f.localSendRate}/s (BRIEFING_SEND_RATE)`,
    });
  } else {
    // As the sender sees it (adapters/send-quota.ts): a 5xx, a refused connection or bad
    // credentials may hide a real quota, so it guesses no rate and its batches wait.
    checks.push({
      name: 'quota and rate',
      ok: false,
      severity: 'blocking',
      detail: `GetSendQuota failed: ${'error' in f.sendQuota ? f.sendQuota.error : f.sendQuota.missing}: the local sender guesses no rate and its batches wait`,
      fix: `check the SES endpoint at ${f.sesEndpoint} (or restart \`npm start\`)`,
    });
  }
  checks.push(scheduleCheck({ value: { expression: f.schedule.pattern, timeZone: f.schedule.timeZone } }, now, true));
  checks.push(healthCheck(f.health, false));
  return checks;
}
