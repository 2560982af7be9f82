/**
 * The field schemas the stack settings (lib/config.ts) are read with: the checks several
 * settings share, each giving the message that names what is wrong.
 */
import { z } from 'zod';

/** Whether the runtime knows this IANA zone (Intl throws a RangeError for an unknown one). */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * EventBridge cron: `cron(minutes hours day-of-month month day-of-week year)`. Scheduler
 * rejects an expression that gives both day fields, so one of them must be `?`.
 */
export function cronProblem(expression: string): string | undefined {
  const inner = /^cron\((.+)\)$/.exec(expression)?.[1];
  if (inner === undefined) return 'must look like cron(minutes hours day-of-month month day-of-week year)';
  const fields = inner.trim().split(/\s+/);
  if (fields.length !== 6) return `must have 6 fields inside cron(...), found ${fields.length}`;
  if (fields[2] !== '?' && fields[4] !== '?') return 'day-of-month or day-of-week must be "?"';
  return undefined;
}

export const oneLine = z
  .string({ error: 'is missing' })
  .trim()
  .min(1, 'is empty')
  .regex(/^[^\r\n]+$/, 'must be one line (no line breaks)');

export const email = z.email({ error: 'must be an email address' });

/** A DNS host name (lower case, no trailing dot). */
export const hostname = z
  .string()
  .trim()
  .toLowerCase()
  .transform((v) => v.replace(/\.$/, ''))
  .pipe(
    z
      .string()
      .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a domain name such as news.yourdomain.example'),
  );

/** `-c key=true` arrives as a string; cdk.json gives a boolean. Absent means false. */
export const flag = z.preprocess(
  (v) => (v === undefined || v === null || v === '' ? false : typeof v === 'string' ? v.trim().toLowerCase() : v),
  z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], { error: 'must be true or false' }),
);

/** `-c key=` gives an empty string: treat it like an absent optional setting. */
export const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());

/** A whole number from `min` to `max` (`-c` gives a string, cdk.json a number); `fallback` when absent. */
export const wholeNumber = (fallback: number, min: number, max: number, unit = '') =>
  z.preprocess(
    (v) => (v === undefined || v === null || v === '' ? fallback : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    z
      .number({ error: `must be a whole number${unit} from ${min} to ${max}` })
      .int(`must be a whole number${unit} from ${min} to ${max}`)
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`),
  );

/** The name of a Secrets Manager secret a destroyed stack left behind, to import. */
export const secretName = optional(
  z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'must be a Secrets Manager secret name'),
);
