/**
 * The SES mailer's `beforeSend`: where the sender takes its send rate. Awaited inside the SDK's
 * stack once the request is built and before it is signed, once per attempt the SDK makes; a
 * throw there sends nothing. SES is a request handler in this process (no network).
 */
import { Readable } from 'node:stream';
import { SESClient } from '@aws-sdk/client-ses';
import { SesMailer } from '../../lambdas/adapters/ses-mailer';

type Answer = { statusCode: number; body: string };
const ok: Answer = {
  statusCode: 200,
  body: '<SendRawEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendRawEmailResult><MessageId>m-1</MessageId></SendRawEmailResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></SendRawEmailResponse>',
};
const unavailable: Answer = {
  statusCode: 503,
  body: '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>busy</Message></Error><RequestId>r</RequestId></ErrorResponse>',
};

/** An SES client whose requests are answered here, in turn, from `answers`; `events` records the order of things. */
function sesAnswering(answers: Answer[], events: string[], maxAttempts = 1) {
  const handler = {
    handle: (request: { headers: Record<string, string>; body?: unknown }) => {
      events.push(
        `wire${request.headers.authorization ? ' (signed)' : ''}${typeof request.body === 'string' && request.body.includes('Action=SendRawEmail') ? ' SendRawEmail' : ''}`,
      );
      const a = answers.shift() ?? ok;
      return Promise.resolve({
        response: { statusCode: a.statusCode, headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(a.body)]) },
      });
    },
  };
  return new SESClient({
    region: 'us-east-1',
    endpoint: 'http://ses.invalid',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts,
    requestHandler: handler as never,
  });
}

const mail = { raw: Buffer.from('To: r@example.com\r\n\r\nhello'), from: 'news@example.com', to: 'r@example.com' };

describe('SesMailer beforeSend', () => {
  it('is awaited once the request is built, and the request goes out (signed) after it', async () => {
    const events: string[] = [];
    const mailer = new SesMailer(sesAnswering([ok], events));
    const out = await mailer.sendRaw({
      ...mail,
      beforeSend: () => {
        events.push('slot');
        return Promise.resolve();
      },
    });
    expect(out).toEqual({ messageId: 'm-1' });
    expect(events).toEqual(['slot', 'wire (signed) SendRawEmail']);
  });

  it('sends nothing when it throws, and the call rejects with its error (not retried by the SDK)', async () => {
    const events: string[] = [];
    const mailer = new SesMailer(sesAnswering([ok], events, 3));
    const stop = new Error('out of time');
    await expect(mailer.sendRaw({ ...mail, beforeSend: async () => (events.push('slot'), Promise.reject(stop)) })).rejects.toBe(stop);
    expect(events).toEqual(['slot']);
  });

  it('is awaited again for each attempt the SDK makes itself (each one counts at SES)', async () => {
    const events: string[] = [];
    const mailer = new SesMailer(sesAnswering([unavailable, ok], events, 3));
    await mailer.sendRaw({
      ...mail,
      beforeSend: () => {
        events.push('slot');
        return Promise.resolve();
      },
    });
    expect(events).toEqual(['slot', 'wire (signed) SendRawEmail', 'slot', 'wire (signed) SendRawEmail']);
  });

  it('without it, sends as before', async () => {
    const events: string[] = [];
    expect(await new SesMailer(sesAnswering([ok], events)).sendRaw(mail)).toEqual({ messageId: 'm-1' });
    expect(events).toEqual(['wire (signed) SendRawEmail']);
  });
});
