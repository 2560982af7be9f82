/**
 * What a reader can choose when subscribing or on the preferences page, and the rules for
 * reading those choices from a form or JSON. Pure.
 */
import { z } from 'zod';
import { zoneKey } from './local-time';
import type { SubscriptionChoices } from './model';
import { checkTopics, FALLBACK_SETTINGS, type TopicList } from './topics';

/** Defaults of `POST /subscribe` (documented in docs/architecture.md): digest yes, alerts no, all topics, UTC. */
export const DEFAULT_CHOICES: SubscriptionChoices = { digest: true, alerts: false, topics: [], timezone: 'UTC' };

/** The consent wording shown next to the subscribe button, kept verbatim in each consent record. */
export const CONSENT_WORDING =
  'I agree to receive the newsletters I chose at this address. I can unsubscribe at any time with the link in every message. My address, choices and this consent (time, page, IP address, browser) are kept until I unsubscribe and ask for erasure.';

/**
 * Current IANA names that Node's ICU still lists under an older one (it says `Europe/Kiev` for
 * `Europe/Kyiv`). A browser reports the current name, so the pages offer it and the forms
 * accept both.
 */
const CURRENT_NAMES = [
  'America/Argentina/Buenos_Aires',
  'America/Indiana/Indianapolis',
  'America/Kentucky/Louisville',
  'America/Nuuk',
  'Asia/Ho_Chi_Minh',
  'Asia/Kathmandu',
  'Asia/Kolkata',
  'Asia/Yangon',
  'Atlantic/Faroe',
  'Europe/Kyiv',
  'Pacific/Chuuk',
  'Pacific/Kanton',
  'Pacific/Pohnpei',
];
const LISTED = Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC');
/** A listed zone's current name, where the runtime lists it under an older one. */
const CURRENT_OF = new Map(CURRENT_NAMES.filter((c) => !LISTED.includes(c) && LISTED.includes(zoneKey(c))).map((c) => [zoneKey(c), c]));

/** Every IANA time zone this runtime knows, under its current name, plus UTC: what the pages offer. */
export const TIME_ZONES: readonly string[] = ['UTC', ...LISTED.map((z) => CURRENT_OF.get(z) ?? z).sort()];
/** What the forms accept: every offered name and the older name the runtime lists it under. */
const ZONES = new Set([...TIME_ZONES, ...LISTED]);

/**
 * The zone an operator typed (`subscribers add --timezone`, an import's column), as the pages
 * offer it: an offered or listed name as it is, an alias this runtime knows under its offered
 * name (`US/Eastern` is `America/New_York`, `europe/kyiv` is `Europe/Kyiv`), anything else
 * undefined. What is stored is then always a name the preferences page can show selected.
 */
export function knownZone(zone: string): string | undefined {
  if (ZONES.has(zone)) return offeredZone(zone);
  // An abbreviation (EST, CET) names an offset rule, not a place: refused rather than guessed.
  if (!zone.includes('/') && !/^(utc|gmt)$/i.test(zone)) return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  return ZONES.has(resolved) ? offeredZone(resolved) : undefined;
}

/** The name the pages offer for `zone` (`Europe/Kyiv` for a reader stored as `Europe/Kiev`). */
export function offeredZone(zone: string): string {
  return CURRENT_OF.get(zoneKey(zone)) ?? zone;
}

/** The words for a topic id longer than any topic's (instead of zod's "Too big"). */
const TOPIC_ID_TOO_LONG = 'a topic id is at most 40 characters';

/**
 * The rules of a reader's choices; the topics are those of the newsletter's settings (topics.ts).
 * Without settings (a job the API queued, its topics checked there) only their form is checked.
 */
export const choicesSchema = (settings?: TopicList) =>
  z
    .object({
      digest: z.boolean().default(DEFAULT_CHOICES.digest),
      alerts: z.boolean().default(DEFAULT_CHOICES.alerts),
      topics: settings
        ? z
            .array(z.string())
            .default([])
            // One message for one mistake, checked in this order: an id too long to be any topic's
            // (not echoed back), a topic given twice, an unknown one. No count limit to trip over:
            // with each topic once and every one known, the list is never longer than those offered.
            .superRefine((ts, ctx) => {
              const twice = [...new Set(ts.filter((t, i) => ts.indexOf(t) !== i))];
              const problem = ts.some((t) => t.length > 40)
                ? TOPIC_ID_TOO_LONG
                : twice.length
                  ? `${twice.map((t) => JSON.stringify(t)).join(', ')} chosen more than once: choose each topic once`
                  : checkTopics(settings, ts);
              if (problem) ctx.addIssue({ code: 'custom', message: `topics: ${problem}` });
            })
            .transform((ts) => settings.topics.map((t) => t.id).filter((id) => ts.includes(id)))
        : z.array(z.string().max(40)).max(50).default([]),
      timezone: z
        .string()
        .max(64)
        .default(DEFAULT_CHOICES.timezone)
        .refine((tz) => ZONES.has(tz), { message: 'timezone: not a known IANA time zone (e.g. Europe/Brussels)' }),
    })
    .refine((c) => c.digest || c.alerts, { message: 'choose the weekly digest, breaking alerts, or both' });

/** The JSON body of `POST /subscribe`. Unknown fields are refused, so a typo does not pass silently. */
export const subscribeJsonSchema = z
  .object({
    // Any length reaches the address check, which says what is wrong; the body limit bounds it.
    email: z.string(),
    digest: z.boolean().optional(),
    alerts: z.boolean().optional(),
    topics: z.array(z.string().max(40, TOPIC_ID_TOO_LONG)).max(50, 'at most 50 topics').optional(),
    timezone: z.string().max(64).optional(),
    /** Honeypot: people never fill it; a bot that fills every field gets the normal answer and nothing happens. */
    website: z.string().max(1000).optional(),
  })
  .strict();

/**
 * Read choices from a submitted form. Checkboxes are present when ticked; the form carries
 * `choices=1` so an unticked digest box reads as "no" rather than "default".
 */
export function choicesFromForm(form: URLSearchParams): unknown {
  return {
    digest: form.has('digest'),
    alerts: form.has('alerts'),
    topics: form.getAll('topics'),
    timezone: form.get('timezone') ?? undefined,
  };
}

export type ChoicesResult = { ok: true; choices: SubscriptionChoices } | { ok: false; message: string };

export function parseChoices(input: unknown, settings?: TopicList): ChoicesResult {
  const r = choicesSchema(settings ?? FALLBACK_SETTINGS).safeParse(input);
  if (r.success) return { ok: true, choices: r.data };
  return { ok: false, message: r.error.issues.map((i) => i.message).join('; ') };
}
