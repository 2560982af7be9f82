/**
 * Test send and preview (`npm run cli -- send-test`, `preview`): an issue's real message (or a
 * breaking article's alert), prepared by the sender's own code (digest-campaign.ts), sent to a
 * few given addresses or handed back part by part.
 *
 * - **Nothing of the send engine runs.** No ledger claim, no campaign counters, no sending
 *   state, no `afterSent` (which would mark a reader's held-back alerts as delivered): one
 *   mailer call per address, and nothing is written to any table.
 * - **No reader is acted on.** A test message's unsubscribe and preferences links are signed
 *   for {@link TEST_SUBSCRIBER_ID}, an id no subscriber has (real ids are UUIDs): following
 *   them gets the API's "This link does not work" page (404), never a change to anyone.
 * - **Only given addresses.** They pass the project's address validation (a CR or LF that
 *   would add headers is refused there), at most {@link MAX_TEST_RECIPIENTS}, all checked
 *   before anything is read or sent.
 */
import { inAlertAudience, inDigestAudience, matchedTopics } from '../core/audience';
import { InvalidAddressError, normaliseEmail } from '../core/address';
import type { Article, Recipient, Subscriber } from '../core/model';
import type { Clock, ContentStore, Mailer, ReaderAlertHistory, SubscriberStore } from '../core/ports';
import type { SigningKeys } from '../core/tokens';
import {
  prepareAlertCampaign,
  prepareDigestCampaign,
  subjectOptions,
  type ComposedMessage,
  type InspectableCampaign,
} from './digest-campaign';
import type { MailSettings } from '../core/mail-settings';
import { topicLabelsFor, type SettingsReader } from './newsletter-settings';

/** Put before the subject of every test message. */
export const TEST_SUBJECT_PREFIX = '[Test] ';
/** A test goes to a few people checking the issue, never to a list. */
export const MAX_TEST_RECIPIENTS = 10;

/** Test messages one editor may send from the console in a clock hour: a test never becomes a mailing. */
export const TEST_SENDS_PER_HOUR = 50;

/** Each editor's test messages this hour (the console's limit; the CLI's operators have none). */
export interface TestSendAllowance {
  readonly perHour: number;
  /** Count `count` more messages for `who` this hour; false (nothing counted) when that would pass the limit. */
  take(who: string, count: number, now: Date): Promise<boolean>;
}
/** Signed into a test message's links: no subscriber has this id, so the links act on nobody. */
export const TEST_SUBSCRIBER_ID = 'test-send-no-reader';
/** The address a preview without `--email` is rendered for. */
export const SAMPLE_READER_EMAIL = 'reader@example.com';

/** Bad input to a test send or preview: the message says what to change. */
export class TestSendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TestSendError';
  }
}

/**
 * `a@x.com,b@y.org` (or a list of such strings) → the normalised addresses, each once. Refuses
 * an empty list or entry, an invalid address (with the validator's reason), and more than
 * {@link MAX_TEST_RECIPIENTS}.
 */
export function parseTestRecipients(input: string | readonly string[] | undefined): string[] {
  const entries = (typeof input === 'string' ? [input] : (input ?? [])).flatMap((s) => s.split(','));
  if (entries.every((e) => e.trim() === ''))
    throw new TestSendError('--to: give at least one address, e.g. --to editor@example.org,proof@example.org');
  const addresses: string[] = [];
  for (const [i, entry] of entries.entries()) {
    if (entry.trim() === '') throw new TestSendError(`--to: entry ${i + 1} is empty (addresses are separated by single commas)`);
    try {
      addresses.push(normaliseEmail(entry));
    } catch (e) {
      if (e instanceof InvalidAddressError) throw new TestSendError(`--to: ${e.message}`);
      throw e;
    }
  }
  const unique = [...new Set(addresses)];
  if (unique.length > MAX_TEST_RECIPIENTS)
    throw new TestSendError(`--to: ${unique.length} addresses; a test goes to at most ${MAX_TEST_RECIPIENTS}`);
  return unique;
}

/** One line of a typed list of test recipients that cannot be used, and why. */
export interface RecipientLineProblem {
  /** 1-based. */
  line: number;
  message: string;
}

/**
 * A list as an editor types it in a form: one address a line, or several separated by commas.
 * Each entry passes the same rule as {@link parseTestRecipients} (a CR, LF or other control
 * character inside a line is refused there: no header of its own can be added), the problems
 * named by their line; then at most {@link MAX_TEST_RECIPIENTS} distinct addresses.
 */
export function parseTestRecipientLines(text: string): { addresses: string[]; problems: RecipientLineProblem[] } {
  const problems: RecipientLineProblem[] = [];
  const addresses: string[] = [];
  // A form posts CRLF line ends: a CR anywhere else stays in the line and is refused with it.
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    for (const entry of line.split(',')) {
      if (entry.trim() === '') {
        problems.push({ line: i + 1, message: 'an empty entry (addresses are separated by single commas)' });
        continue;
      }
      try {
        addresses.push(normaliseEmail(entry));
      } catch (e) {
        if (!(e instanceof InvalidAddressError)) throw e;
        problems.push({ line: i + 1, message: e.message });
      }
    }
  }
  const unique = [...new Set(addresses)];
  if (!problems.length && unique.length === 0) problems.push({ line: 1, message: 'give at least one address' });
  if (unique.length > MAX_TEST_RECIPIENTS)
    problems.push({ line: 0, message: `${unique.length} addresses; a test goes to at most ${MAX_TEST_RECIPIENTS}` });
  return { addresses: unique, problems };
}

/** What to render: an issue (default: the latest) or a breaking article's alert. */
export type TestSubject = { issueId?: string; articleId?: undefined } | { articleId: string; issueId?: undefined };

export interface TestMessageDeps {
  /** With the settings' reader (the Content table's store): topics are named by their labels, as the sender names them. */
  content: ContentStore & Partial<SettingsReader>;
  settings: MailSettings;
  keys: SigningKeys;
  /** The readers' alert histories: a preview for one reader shows their own digest sections. */
  history?: ReaderAlertHistory;
}

export interface TestCampaign {
  kind: 'digest' | 'alert';
  /** The issue's or the article's id. */
  id: string;
  title: string;
  campaign: InspectableCampaign;
  /** The alert's article (for the topics a reader matched). */
  article?: Article;
}

/** Prepare the issue's or the alert's campaign exactly as the sender does, the subject optionally marked. */
export async function prepareTestCampaign(
  deps: TestMessageDeps,
  what: TestSubject,
  options: { subjectPrefix?: string } = {},
): Promise<TestCampaign> {
  // A test send's clicks must not count in the issue's stats: its article links go straight to
  // the sources. A preview (no prefix) shows the tracked links as readers get them.
  const base: MailSettings = options.subjectPrefix ? { ...deps.settings, clickTracking: 'off' } : deps.settings;
  const labelled = { ...options, topicLabels: await topicLabelsFor(deps.content) };
  if (what.articleId !== undefined) {
    const [article] = await deps.content.getArticles([what.articleId]);
    if (!article) throw new TestSendError(`no article ${JSON.stringify(what.articleId)}`);
    if (article.priority !== 'breaking')
      throw new TestSendError(
        `article ${article.id} is not breaking: only breaking articles go out as alerts (test its issue with --issue)`,
      );
    const campaign = await prepareAlertCampaign(article, base, deps.keys, labelled);
    return { kind: 'alert', id: article.id, title: article.title, campaign, article };
  }
  const issue = what.issueId !== undefined ? await deps.content.getIssue(what.issueId) : await deps.content.latestIssue();
  if (!issue)
    throw new TestSendError(
      what.issueId !== undefined
        ? `no issue ${JSON.stringify(what.issueId)}`
        : 'no issue published yet: publish one first (`npm run cli -- publish <folder>`)',
    );
  const articles = await deps.content.getArticles(issue.articleIds);
  // A stack without a sender name output: the newsletter's name, the stack's default (as `smoke`).
  const settings = base.senderName ? base : { ...base, senderName: issue.newsletter };
  const alerts = deps.history ? { history: deps.history, content: deps.content } : undefined;
  const campaign = await prepareDigestCampaign(issue, articles, settings, deps.keys, alerts, { ...subjectOptions(issue), ...labelled });
  return { kind: 'digest', id: issue.id, title: issue.title, campaign };
}

/** The recipient a test message is composed for: the given address, the links of nobody. */
export function testRecipient(email: string, article?: Article): Recipient {
  return { subscriberId: TEST_SUBSCRIBER_ID, email, ...(article ? { matchedTopics: matchedTopics([], article.topics) } : {}) };
}

/** The recipient as the sender sees a subscriber (recipient-gate.ts: subscribed since confirmation, else creation). */
export function readerRecipient(s: Subscriber, article?: Article): Recipient {
  return {
    subscriberId: s.subscriberId,
    email: s.email,
    subscribedAt: s.confirmedAt ?? s.createdAt,
    ...(article ? { matchedTopics: matchedTopics(s.topics, article.topics) } : {}),
  };
}

export interface TestSendDeps extends Omit<TestMessageDeps, 'history'> {
  mailer: Mailer;
  clock: Clock;
}

export interface TestSendResult {
  kind: TestCampaign['kind'];
  id: string;
  title: string;
  subject: string;
  sent: { email: string; messageId: string }[];
  failed: { email: string; error: string }[];
}

/**
 * Send the real message, subject marked {@link TEST_SUBJECT_PREFIX}, to each address. Every
 * message is composed before the first is sent, so bad content sends nothing; a refused
 * address is reported and the others still get theirs.
 */
export async function sendTest(
  deps: TestSendDeps,
  input: TestSubject & { to: string | readonly string[] | undefined },
): Promise<TestSendResult> {
  const to = parseTestRecipients(input.to);
  const t = await prepareTestCampaign(deps, input, { subjectPrefix: TEST_SUBJECT_PREFIX });
  const now = deps.clock.now();
  const messages = to.map((email) => ({ email, raw: t.campaign.compose(testRecipient(email, t.article), now) }));
  const result: TestSendResult = { kind: t.kind, id: t.id, title: t.title, subject: t.campaign.subject, sent: [], failed: [] };
  for (const m of messages) {
    try {
      const { messageId } = await deps.mailer.sendRaw({ raw: m.raw, from: t.campaign.from, to: m.email });
      result.sent.push({ email: m.email, messageId });
    } catch (e) {
      result.failed.push({ email: m.email, error: (e as Error).message });
    }
  }
  return result;
}

export interface PreviewDeps extends TestMessageDeps {
  clock: Clock;
  subscribers: Pick<SubscriberStore, 'getByEmail'>;
}

export interface Preview {
  kind: TestCampaign['kind'];
  id: string;
  title: string;
  /** Whose message: the sample reader, or the subscriber asked for. */
  reader: string;
  /** For a subscriber: whether the issue or alert would go to them at all (else why not). */
  notInAudience?: string;
  message: ComposedMessage;
}

/**
 * One reader's message exactly as the sender would compose it (their links, their "you
 * subscribed on", their own digest sections), subject unmarked. Reads only.
 */
export async function previewMessage(deps: PreviewDeps, input: TestSubject & { email?: string }): Promise<Preview> {
  let reader: Subscriber | undefined;
  if (input.email !== undefined) {
    let email: string;
    try {
      email = normaliseEmail(input.email);
    } catch (e) {
      if (e instanceof InvalidAddressError) throw new TestSendError(`--email: ${e.message}`);
      throw e;
    }
    reader = await deps.subscribers.getByEmail(email);
    if (!reader) throw new TestSendError(`--email: no subscriber ${email} (leave --email out for a sample reader)`);
  }
  const t = await prepareTestCampaign(reader ? deps : { ...deps, history: undefined }, input);
  const recipient = reader ? readerRecipient(reader, t.article) : testRecipient(SAMPLE_READER_EMAIL, t.article);
  // The batch step reads the reader's alert history (no writes); afterSent is never called.
  await t.campaign.prepareBatch?.([recipient]);
  const message = t.campaign.message(recipient, deps.clock.now());
  return {
    kind: t.kind,
    id: t.id,
    title: t.title,
    reader: recipient.email,
    notInAudience: reader ? audienceGap(reader, t) : undefined,
    message,
  };
}

/** Why the campaign would not go to this subscriber, or undefined when it would. */
function audienceGap(s: Subscriber, t: TestCampaign): string | undefined {
  if (t.kind === 'digest')
    return inDigestAudience(s)
      ? undefined
      : `${s.email} is not in the digest audience (${s.status}${s.suppressed ? ', suppressed' : ''}${s.digest ? '' : ', digest off'})`;
  if (!inAlertAudience(s))
    return `${s.email} is not in the alert audience (${s.status}${s.suppressed ? ', suppressed' : ''}${s.alerts ? '' : ', alerts off'})`;
  return readerRecipient(s, t.article).matchedTopics?.length ? undefined : `${s.email} follows none of the article's topics`;
}
