/** The Mailer port on SES v1 `SendRawEmail`: one call per recipient, the MIME built by core/mime. */
import { GetSendQuotaCommand, SendRawEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import type { SendQuota } from '../core/pacing';
import type { Mailer } from '../core/ports';

export class SesMailer implements Mailer {
  constructor(
    private readonly ses: SESClient,
    private readonly configurationSet?: string,
  ) {}

  async sendRaw(input: { raw: Buffer; from: string; to: string }): Promise<{ messageId: string }> {
    const out = await this.ses.send(
      new SendRawEmailCommand({
        RawMessage: { Data: input.raw },
        Source: input.from,
        Destinations: [input.to],
        ConfigurationSetName: this.configurationSet,
      }),
    );
    if (!out.MessageId) throw new Error('SES accepted the message but returned no MessageId');
    return { messageId: out.MessageId };
  }
}

/** The account's sending limits (SES v1 GetSendQuota). */
export async function readSendQuota(ses: SESClient): Promise<SendQuota> {
  const out = await ses.send(new GetSendQuotaCommand({}));
  return { maxSendRate: out.MaxSendRate ?? 1, max24HourSend: out.Max24HourSend ?? 200, sentLast24Hours: out.SentLast24Hours ?? 0 };
}
