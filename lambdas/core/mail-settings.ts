/**
 * Who sends the mail and where its links lead: one set of settings for every message the project
 * sends (digests, alerts, tests, confirmations, welcomes), read from the function's environment
 * (core/env.ts) on AWS and from the local configuration here.
 */
import type { ClickTracking } from './click-token';
import type { DigestSchedule } from './schedule';

export interface MailSettings {
  senderEmail: string;
  /** From display name; also the newsletter's name in the messages and on the pages. */
  senderName: string;
  /** Where the HTTP API answers, e.g. https://abc.execute-api.eu-west-1.amazonaws.com */
  publicBaseUrl: string;
  configurationSet?: string;
  /** The organisation that sends the newsletter, in every footer and text part. */
  organisationName: string;
  /** Its postal address, on one line, in every footer and text part. */
  postalAddress: string;
  /** Where replies go (`Reply-To`; the welcome invites a reply); none when absent. */
  replyToEmail?: string;
  /**
   * Article links through the click redirect `/r/<token>` (core/click-token.ts).
   * @default 'aggregate'
   */
  clickTracking?: ClickTracking;
  /**
   * The digest's schedule as deployed (the stack's `scheduleCron` and `timeZone`; locally
   * `BRIEFING_SCHEDULE` and `BRIEFING_TIME_ZONE`): the welcome tells each reader when the digest
   * arrives on their own clock. Without it the welcome says only that it comes weekly.
   */
  digestSchedule?: DigestSchedule;
}
