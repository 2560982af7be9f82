/**
 * Who sends the mail and why the reader gets it: the sender's organisation and postal address
 * (every footer and every text part; CAN-SPAM asks for a postal address in commercial mail) and
 * the "why you get this" sentences of each kind of message.
 */
import { ALL_TOPICS } from '../audience';
import { formatLongDate, oneLine, topicLabel } from './text';

/** The organisation behind the newsletter, as the settings give it. */
export interface SenderIdentity {
  organisationName: string;
  /** One line, e.g. `Rue de la Loi 1, 1000 Brussels, Belgium`. */
  postalAddress: string;
}

/** The footer's sender lines, as the templates see them (`footer.organisation`, `footer.postalAddress`). */
export interface FooterView {
  organisation: string;
  postalAddress: string;
}

export function footerView(identity: SenderIdentity | undefined): FooterView {
  return { organisation: oneLine(identity?.organisationName ?? ''), postalAddress: oneLine(identity?.postalAddress ?? '') };
}

/**
 * `2026-11-12T08:30:00Z` → `12 November 2026`: the day written out, so no reader can take
 * 12/11 for 11 December. The calendar day in UTC. Undefined for a missing or unreadable date.
 */
export function formatSubscribedOn(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  try {
    return formatLongDate(iso);
  } catch {
    return undefined;
  }
}

/**
 * Topic slugs as prose: `north-korea`, `cyber`, `space` → `North Korea, Cyber and Space`; each
 * by its label in the newsletter's settings when `labels` has it.
 */
export function topicList(topics: readonly string[], labels?: ReadonlyMap<string, string>): string {
  const named = topics.map((t) => labels?.get(t) ?? topicLabel(t));
  return named.length > 1 ? `${named.slice(0, -1).join(', ')} and ${named[named.length - 1]}` : (named[0] ?? '');
}

const since = (subscribedAt: string | undefined) => {
  const day = formatSubscribedOn(subscribedAt);
  return day ? ` You subscribed on ${day}.` : '';
};

/**
 * Why a reader gets the digest. Every digest reader gets the whole issue (topics choose alerts
 * only), so the reason is the subscription itself, never a topic.
 */
export function digestReason(newsletter: string, email: string, subscribedAt?: string): string {
  return `You get this digest because ${email} is subscribed to the ${oneLine(newsletter)} weekly digest.${since(subscribedAt)}`;
}

/**
 * Why this reader gets this alert, from the topics the planner matched: the reader's own
 * topics that the article is about, or all topics for a reader who chose none (then the
 * article's topics are not the reader's choice and are not named as such).
 */
export function alertReason(
  newsletter: string,
  email: string,
  matched: readonly string[] | undefined,
  subscribedAt?: string,
  labels?: ReadonlyMap<string, string>,
): string {
  const asked = `You get this alert because ${email} asked for ${oneLine(newsletter)} breaking alerts`;
  const on = matched?.includes(ALL_TOPICS) ? ' on all topics' : matched?.length ? ` on ${topicList(matched, labels)}` : '';
  return `${asked}${on}.${since(subscribedAt)}`;
}

/** What a reader chose, in words: `the weekly digest and breaking alerts on all topics`; topics by their `labels`. */
export function choiceProse(
  choice: { digest: boolean; alerts: boolean; topics: readonly string[] },
  labels?: ReadonlyMap<string, string>,
): string {
  const alerts = `breaking alerts on ${choice.topics.length ? topicList(choice.topics, labels) : 'all topics'}`;
  if (choice.digest && choice.alerts) return `the weekly digest and ${alerts}`;
  return choice.digest ? 'the weekly digest' : alerts;
}

/** Why a reader gets the welcome: the subscription just confirmed, what it is for, and its date. */
export function welcomeReason(
  newsletter: string,
  email: string,
  choice: { digest: boolean; alerts: boolean; topics: readonly string[] },
  subscribedAt: string,
  labels?: ReadonlyMap<string, string>,
): string {
  return `You get this email because ${email} subscribed to ${oneLine(newsletter)} (${choiceProse(choice, labels)}).${since(subscribedAt)}`;
}

/**
 * Why an address gets a confirmation request: someone asked, on that day, to subscribe it (to
 * what, when `choice` is given, topics by their `labels`: the reader sees what they confirm).
 */
export function confirmationReason(
  newsletter: string,
  email: string,
  requestedAt: string,
  choice?: { digest: boolean; alerts: boolean; topics: readonly string[] },
  labels?: ReadonlyMap<string, string>,
): string {
  const day = formatSubscribedOn(requestedAt);
  const what = choice ? ` The request was for ${choiceProse(choice, labels)}.` : '';
  return `You get this email because someone, probably you, asked${day ? ` on ${day}` : ''} to subscribe ${email} to ${oneLine(newsletter)}.${what}`;
}
