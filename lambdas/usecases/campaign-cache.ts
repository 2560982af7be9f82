/**
 * The sender's prepared campaigns: an issue (or an alert's article) is loaded and rendered once
 * and reused across the batches of a few minutes, not rendered again for every batch of 50.
 */
import type { SendJob } from '../core/model';
import type { ContentStore, ReaderAlertHistory, SettingsStore } from '../core/ports';
import type { SigningKeys } from '../core/tokens';
import { prepareAlertCampaign, prepareDigestCampaign, subjectOptions } from './digest-campaign';
import type { MailSettings } from '../core/mail-settings';
import type { PreparedCampaign } from './send-batch';
import { topicLabelsFor } from './newsletter-settings';

/** Prepared campaigns are reused across batches for a few minutes: rendering once per issue, not per batch. */
export function campaignCache(
  /** With the settings' reader (the Content table's store): the messages name topics by their labels. */
  content: ContentStore & Partial<Pick<SettingsStore, 'getSettings'>>,
  settings: MailSettings,
  keys: () => Promise<SigningKeys>,
  ttlMs = 5 * 60_000,
  history?: ReaderAlertHistory,
): (job: SendJob) => Promise<PreparedCampaign> {
  const cache = new Map<string, { at: number; campaign: Promise<PreparedCampaign> }>();
  return (job) => {
    // Each subject of a subject test is a campaign of its own to prepare (its subject line).
    const key = `${job.kind}#${job.campaignId}${job.variant ? `#${job.variant}` : ''}`;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.campaign;
    const campaign = (async () => {
      const topicLabels = await topicLabelsFor(content);
      if (job.kind === 'alert') {
        const [article] = await content.getArticles([job.campaignId]);
        if (!article) throw new Error(`alert ${job.campaignId}: no such article`);
        return prepareAlertCampaign(article, settings, await keys(), { topicLabels });
      }
      const issue = await content.getIssue(job.campaignId);
      if (!issue) throw new Error(`campaign ${job.campaignId}: no such issue`);
      const articles = await content.getArticles(issue.articleIds);
      return prepareDigestCampaign(issue, articles, settings, await keys(), history ? { history, content } : undefined, {
        ...subjectOptions(issue, job.variant),
        topicLabels,
      });
    })();
    campaign.catch(() => cache.delete(key));
    cache.set(key, { at: Date.now(), campaign });
    return campaign;
  };
}
