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
  /** The emulator has no GetSendQuota; the recorder in tests answers it. `value: undefined`: not answered. */
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
  else {
    checks.push({
      name: 'quota and rate',
      ok: true,
      severity: 'blocking',
      detail: `GetSendQuota not answered (${'error' in f.sendQuota ? f.sendQuota.error : 'the emulator has none'}): the local sender uses the fixed rate of ${f.localSendRate}/s (BRIEFING_SEND_RATE)`,
    });
  }
  checks.push(scheduleCheck({ value: { expression: f.schedule.pattern, timeZone: f.schedule.timeZone } }, now, true));
  checks.push(healthCheck(f.health, false));
  return checks;
}
