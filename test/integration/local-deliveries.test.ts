/**
 * The local SES path reports deliveries as SES does: with `deliverOrdinary` (what the local
 * runtime sets), a message the SES emulator accepted for an ordinary address comes back as a
 * Delivery event for that message, in the form the ses-events parser reads; without it (the
 * default, as the test pipelines run), only the mailbox simulator's addresses answer.
 */
import { SendRawEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { parseSesEvents, type SesEvent } from '../../lambdas/usecases/ses-events';
import { startSesRecorder } from '../../lib/local/ses-recorder';

const EMULATOR = process.env.AWS_ENDPOINT_URL_SES!;

/** Sends one raw message through a recorder and returns the SES message id. */
async function send(endpoint: string, to: string): Promise<string> {
  const client = new SESClient({ endpoint, maxAttempts: 1 });
  try {
    const raw = `From: brief@example.org\r\nTo: ${to}\r\nSubject: local delivery\r\nContent-Type: text/plain\r\n\r\nhello\r\n`;
    const out = await client.send(
      new SendRawEmailCommand({ Source: 'brief@example.org', Destinations: [to], RawMessage: { Data: Buffer.from(raw) } }),
    );
    return out.MessageId!;
  } finally {
    client.destroy();
  }
}

/** A recorder whose events are collected; `next()` resolves with the next batch (a positive signal, no fixed wait). */
async function recorder(deliverOrdinary: boolean, delayMs = 10) {
  const batches: SesEvent[][] = [];
  const waiting: ((e: SesEvent[]) => void)[] = [];
  const r = await startSesRecorder(EMULATOR, {
    keep: false,
    simulator: {
      delayMs,
      deliverOrdinary,
      onEvents: (raw) => {
        const events = raw.flatMap((e) => parseSesEvents(e));
        const w = waiting.shift();
        if (w) w(events);
        else batches.push(events);
      },
    },
  });
  const next = () => (batches.length ? Promise.resolve(batches.shift()!) : new Promise<SesEvent[]>((resolve) => waiting.push(resolve)));
  return { r, next };
}

describe('local deliveries', () => {
  it('an accepted message to an ordinary address comes back as a Delivery of that message', async () => {
    const { r, next } = await recorder(true);
    try {
      const id = await send(r.endpoint, 'reader@example.org');
      const events = await next();
      expect(events.map((e) => [e.eventType, e.mail.messageId, e.delivery?.recipients])).toEqual([
        ['Delivery', id, ['reader@example.org']],
      ]);
      // The simulator's own addresses answer as before: a bounce stays a bounce, not a delivery.
      await send(r.endpoint, 'bounce@simulator.amazonses.com');
      expect((await next()).map((e) => [e.eventType, e.bounce?.bounceType])).toEqual([['Bounce', 'Permanent']]);
    } finally {
      await r.close();
    }
  });

  it('without deliverOrdinary, an ordinary address gets no event (only the simulator answers)', async () => {
    const { r, next } = await recorder(false);
    try {
      await send(r.endpoint, 'reader@example.org');
      const id = await send(r.endpoint, 'success@simulator.amazonses.com');
      // Events come in the order the messages were accepted: the first batch is the simulator's.
      expect((await next()).map((e) => [e.eventType, e.mail.messageId])).toEqual([['Delivery', id]]);
    } finally {
      await r.close();
    }
  });

  it('closing hands over the events still waiting (a CLI send-digest exits right after its last message), not drops them', async () => {
    // The mistake this answers: a local send that exits at once lost its last deliveries, and a subject test then fell back.
    const { r, next } = await recorder(true, 600_000);
    const id = await send(r.endpoint, 'last@example.org');
    await r.close();
    expect((await next()).map((e) => [e.eventType, e.mail.messageId])).toEqual([['Delivery', id]]);
  });
});
