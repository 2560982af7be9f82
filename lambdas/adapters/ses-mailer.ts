/** The Mailer port on SES v1 `SendRawEmail`: one call per recipient, the MIME built by core/mime. */
import {
  GetSendQuotaCommand,
  SendRawEmailCommand,
  type SendRawEmailCommandInput,
  type SendRawEmailCommandOutput,
  type SESClient,
} from '@aws-sdk/client-ses';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import type { SendQuota } from '../core/pacing';
import type { Mailer, RawMail } from '../core/ports';

export class SesMailer implements Mailer {
  constructor(
    private readonly ses: SESClient,
    private readonly configurationSet?: string,
  ) {}

  async sendRaw(input: RawMail): Promise<{ messageId: string }> {
    const command = new SendRawEmailCommand({
      RawMessage: { Data: input.raw },
      Source: input.from,
      Destinations: [input.to],
      ConfigurationSetName: this.configurationSet,
    });
    const { beforeSend } = input;
    if (beforeSend) {
      // After the request is serialised (a 60 KB message takes a millisecond or more to encode)
      // and after the SDK's retry step (each attempt counts at SES), before it is signed: so the
      // signature is never older than the wait. The grant is then a few microseconds of work
      // from the wire, and what SES counts in a second is what the pacer granted in it.
      const slot: FinalizeRequestMiddleware<SendRawEmailCommandInput, SendRawEmailCommandOutput> = (next) => async (args) => {
        await beforeSend();
        return next(args);
      };
      command.middlewareStack.addRelativeTo(slot, { name: 'briefingSendSlot', relation: 'before', toMiddleware: 'httpSigningMiddleware' });
    }
    const out = await this.ses.send(command);
    if (!out.MessageId) throw new Error('SES accepted the message but returned no MessageId');
    return { messageId: out.MessageId };
  }
}

/** The account's sending limits (SES v1 GetSendQuota). */
export async function readSendQuota(ses: SESClient): Promise<SendQuota> {
  const out = await ses.send(new GetSendQuotaCommand({}));
  return { maxSendRate: out.MaxSendRate ?? 1, max24HourSend: out.Max24HourSend ?? 200, sentLast24Hours: out.SentLast24Hours ?? 0 };
}
