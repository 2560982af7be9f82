/**
 * Every kind of message exactly as the sender builds it (full raw MIME: headers, text and
 * HTML parts), from the sample content under content/: the digest, a breaking alert, the
 * confirmation and the welcome. Used by the SpamAssassin test and the inbox rendering test.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { sampleIssue } from '../../bin/bench';
import { ALL_TOPICS } from '../../lambdas/core/audience';
import { parseContent } from '../../lambdas/core/content/parse';
import type { Article } from '../../lambdas/core/model';
import type { Mailer } from '../../lambdas/core/ports';
import { parseSigningKeys } from '../../lambdas/core/tokens';
import { prepareAlertCampaign, prepareDigestCampaign } from '../../lambdas/usecases/digest-campaign';
import { sendConfirmation, sendWelcome } from '../../lambdas/usecases/subscription-mail';
import { confirmedSubscriber } from '../../lambdas/usecases/subscribers';

export const KINDS = ['digest', 'alert', 'confirmation', 'welcome'] as const;
export type Kind = (typeof KINDS)[number];

const ROOT = path.join(__dirname, '..', '..');
const keys = parseSigningKeys(JSON.stringify({ current: 'k1', k1: 'inbox-test-signing-key-0123456789abcdef012345' }));
/** A production-like sender: a real-looking domain and an https base URL (no localhost port). */
const settings = {
  senderEmail: 'brief@briefing.example.org',
  senderName: 'EU–Japan Security Brief',
  publicBaseUrl: 'https://briefing.example.org',
  organisationName: 'Sample Publishers',
  postalAddress: '1 Sample Street, 1000 Brussels, Belgium',
  replyToEmail: 'editors@briefing.example.org',
};
const now = new Date('2024-11-04T07:00:00Z');
const reader = { subscriberId: '3f1c2a9e-5b7d-4c1e-9a2b-6d8e0f1a2b3c', email: 'reader@example.com' };

export function sampleAlert(): Article {
  const file = path.join(ROOT, 'content', 'eu-japan-security-brief', 'alerts', 'north-korea-icbm-test.md');
  return parseContent('north-korea-icbm-test.md', readFileSync(file, 'utf8'), now) as Article;
}

/** The raw message of one kind, as SES would receive it. */
export async function rawMessage(kind: Kind): Promise<Buffer> {
  if (kind === 'digest') {
    const { issue, articles } = sampleIssue();
    return (await prepareDigestCampaign(issue, articles, settings, keys)).compose(reader, now);
  }
  if (kind === 'alert') {
    return (await prepareAlertCampaign(sampleAlert(), settings, keys)).compose({ ...reader, matchedTopics: [ALL_TOPICS] }, now);
  }
  let raw: Buffer | undefined;
  const mailer: Mailer = {
    sendRaw(input) {
      raw = input.raw;
      return Promise.resolve({ messageId: 'captured' });
    },
  };
  // The welcome as a reader in Tokyo gets it once the first issue has gone out, with the
  // default schedule (Mondays 07:00 Brussels).
  const { issue } = sampleIssue();
  const content = { latestIssue: () => Promise.resolve({ ...issue, plannedAt: now.toISOString() }) };
  const deps = {
    mailer,
    keys,
    mail: { ...settings, digestSchedule: { cron: 'cron(0 7 ? * MON *)', timeZone: 'Europe/Brussels' } },
    content,
  };
  if (kind === 'confirmation') {
    await sendConfirmation(deps, reader, { token: 'confirm-token.c2lnbmF0dXJl', expiresAt: new Date(now.getTime() + 48 * 3600_000) }, now);
  } else {
    const s = {
      ...confirmedSubscriber(
        { email: reader.email, digest: true, alerts: true, topics: ['north-korea', 'cyber'], timezone: 'Asia/Tokyo' },
        'web',
        now,
      ),
      subscriberId: reader.subscriberId,
    };
    await sendWelcome(deps, s, now);
  }
  if (!raw) throw new Error(`${kind}: nothing was sent`);
  return raw;
}

/** The HTML part of one kind's message, read back from the raw MIME. */
export async function htmlOf(kind: Kind): Promise<string> {
  const mail = await simpleParser(await rawMessage(kind));
  if (typeof mail.html !== 'string') throw new Error(`${kind}: no HTML part`);
  return mail.html;
}
