/**
 * The local mode's send rate follows GetSendQuota wherever the SES endpoint answers it, and
 * falls back to the local setting (BRIEFING_SEND_RATE) where it does not.
 *
 * First, how an endpoint's answer is read (askSendQuota), against real endpoints: the
 * recording proxy answering with a quota, the SES emulator (which holds GetSendQuota open
 * without a response), a 404, a 5xx, and a port nobody listens on.
 *
 * Then the local runtime (lib/local/runtime.ts, as `npm start` wires it) sends a digest through
 * the recording proxy, which timestamps every SendRawEmail as it arrives: the busiest one-second
 * window of the requests as they reached the proxy is the rate SES would have seen. Between
 * a slot and the proxy each call takes its own time (signing, an event loop shared with DynamoDB
 * calls and, on this 2-core machine, with other work), so a window at the proxy can hold the
 * calls whose trip was that much longer than a later one's: the test measures that spread per
 * run, slot to proxy for each recipient, and allows what it explains (at least 100 ms). Two
 * processes on one account must not send at the same time at all.
 * Nothing here sleeps for a fixed time; the send is done when the queue drains.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SESClient } from '@aws-sdk/client-ses';
import { askSendQuota } from '../../lambdas/adapters/send-quota';
import { publish } from '../../lambdas/usecases/publish';
import { documentClient, dynamoPorts, systemClock } from '../../lambdas/wiring';
import { localConfig } from '../../lib/local/config';
import { freePort } from '../../lib/local/ports';
import { sesError, startSesRecorder, type SesRecorderOptions } from '../../lib/local/ses-recorder';
import type { RawMail } from '../../lambdas/core/ports';
import { sampleFiles, uniqueDomain } from '../support/pipeline';
import { createTestTables } from '../support/tables';

/** The SES emulator global-setup started (the runtime re-points AWS_ENDPOINT_URL_SES at its proxy). */
const EMULATOR = process.env.AWS_ENDPOINT_URL_SES!;
const ENV = { ...process.env };
afterEach(() => {
  process.env = { ...ENV };
});

const ses = (endpoint: string) => new SESClient({ endpoint, maxAttempts: 1 });

/** The most timestamps (ms) that fall in any window [t, t + 1000). */
export function busiestSecond(times: number[]): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j] - t[i] >= 1000) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

/**
 * Calls a one-second window at the proxy may hold beyond the pacer's rate: those whose trip
 * from slot to proxy took up to `spreadMs` longer than a later call's, at least one. The spread
 * is measured in each run (slot → request at the proxy, per recipient), and never taken below
 * {@link JITTER_FLOOR_MS}, the event loop's own delay between the pacer's grant and the request
 * leaving, which the per-recipient trips cannot see. A busy machine widens it by what it delayed.
 */
const JITTER_FLOOR_MS = 100;
const tolerance = (rate: number, spreadMs: number) => Math.max(1, Math.ceil((rate * Math.max(JITTER_FLOOR_MS, spreadMs)) / 1000));

/** Record when each recipient's send slot was granted (after the pacer, as the request goes out). */
function recordGrants(
  mailer: { prototype: { sendRaw: (this: unknown, input: RawMail) => Promise<{ messageId: string }> } },
  grants: Map<string, number>,
) {
  const send = mailer.prototype.sendRaw;
  mailer.prototype.sendRaw = function (this: unknown, input: RawMail) {
    const before = input.beforeSend;
    return send.call(this, {
      ...input,
      beforeSend: async () => {
        await before?.();
        grants.set(input.to.toLowerCase(), performance.now());
      },
    });
  };
}

describe('busiestSecond', () => {
  it('counts the most calls in any one-second window, a window that starts at a call', () => {
    expect(busiestSecond([0, 100, 999, 1000, 1500, 1998])).toBe(4); // 999 … 1998
    expect(busiestSecond([0, 100, 999, 1000, 1500, 1999.5])).toBe(3);
    expect(busiestSecond([0, 1000, 2000])).toBe(1);
    expect(busiestSecond([])).toBe(0);
  });
});

describe('asking an SES endpoint for its quota', () => {
  it('reads the quota of an endpoint that answers GetSendQuota (the recording proxy with `quota`)', async () => {
    const recorder = await startSesRecorder(EMULATOR, { quota: { maxSendRate: 20, max24HourSend: 5000 } });
    const client = ses(recorder.endpoint);
    try {
      expect(await askSendQuota(client)).toEqual({ maxSendRate: 20, max24HourSend: 5000, sentLast24Hours: 0 });
    } finally {
      client.destroy();
      await recorder.close();
    }
  });

  it('the bundled SES emulator answers GetSendQuota as SES answers an unknown action (400 InvalidAction): "not answered", at once', async () => {
    const client = ses(EMULATOR);
    try {
      // The deadline is long on purpose: the answer must come from the emulator, not from waiting it out.
      const deadline = 60_000;
      const started = performance.now();
      expect(await askSendQuota(client, deadline)).toBeUndefined();
      expect(performance.now() - started).toBeLessThan(deadline);
    } finally {
      client.destroy();
    }
  });

  it('an endpoint that gives no answer at all: "not answered" once the deadline passes, not an error', async () => {
    // As the emulator library itself does for any action but the two sends: the request is held open.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const client = ses(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`);
    const started = performance.now();
    try {
      expect(await askSendQuota(client, 400)).toBeUndefined();
      expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    } finally {
      client.destroy();
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('a 404 for an unknown operation is "not answered"', async () => {
    const recorder = await startSesRecorder(EMULATOR, {
      intercept: (_n, call) => (call.action === 'GetSendQuota' ? { status: 404, body: '<UnknownOperationException/>' } : undefined),
    });
    const client = ses(recorder.endpoint);
    try {
      expect(await askSendQuota(client)).toBeUndefined();
    } finally {
      client.destroy();
      await recorder.close();
    }
  });

  it('a 5xx is an error: the endpoint may implement GetSendQuota, so no local rate is guessed', async () => {
    const recorder = await startSesRecorder(EMULATOR, {
      intercept: (_n, call) => (call.action === 'GetSendQuota' ? sesError(500, 'InternalFailure', 'try again') : undefined),
    });
    const client = ses(recorder.endpoint);
    try {
      await expect(askSendQuota(client)).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    } finally {
      client.destroy();
      await recorder.close();
    }
  });

  it('5xx answers that the SDK keeps retrying past the deadline are still an error, not silence', async () => {
    const recorder = await startSesRecorder(EMULATOR, {
      intercept: (_n, call) =>
        call.action === 'GetSendQuota' ? { ...sesError(503, 'ServiceUnavailable', 'busy'), delayMs: 150 } : undefined,
    });
    // Attempts enough (each at least 150 ms) that the retries outlast the deadline however fast
    // the machine, and a deadline long enough that the first 503 comes before it however slow.
    const client = new SESClient({ endpoint: recorder.endpoint, maxAttempts: 40 });
    try {
      const started = performance.now();
      const error = await askSendQuota(client, 2_000).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ $metadata: { httpStatusCode: 503 } });
      // It was the deadline, during the retries, that ended it: not the SDK running out of attempts.
      expect((error as Error).message).toMatch(/answered HTTP 503 until the 2000 ms deadline/);
      expect(performance.now() - started).toBeGreaterThanOrEqual(1_990);
      expect(recorder.requests()).toBeGreaterThanOrEqual(2);
      expect(recorder.requests()).toBeLessThan(40);
    } finally {
      client.destroy();
      await recorder.close();
    }
  });

  it('a network error (nobody listening) is an error, distinct from "not answered"', async () => {
    const client = ses(`http://127.0.0.1:${await freePort()}`);
    try {
      await expect(askSendQuota(client)).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      client.destroy();
    }
  });
});

/**
 * A digest to `n` new confirmed readers, sent by the local runtime through a recording proxy in
 * front of the SES emulator. Returns when the send queue has drained.
 */
async function localSend(
  n: number,
  recorderOptions: SesRecorderOptions,
  env: Record<string, string> = {},
  options: { twoProcesses?: boolean } = {},
) {
  // A runtime of its own, loaded afresh: the handlers' SDK clients are module singletons, made for one SES endpoint.
  const grants = new Map<string, number>();
  // Each process's slots apart, to check that the two never sent at the same time.
  const secondGrants = new Map<string, number>();
  const arrivals = new Map<string, number>();
  jest.resetModules();
  const { startRuntime } = await import('../../lib/local/runtime');
  recordGrants((await import('../../lambdas/adapters/ses-mailer')).SesMailer, grants);
  // A second process on the same account (a CLI send beside `npm start`): its own modules, so its own pacer.
  jest.resetModules();
  const second = options.twoProcesses ? (await import('../../lib/local/runtime')).startRuntime : undefined;
  if (second) recordGrants((await import('../../lambdas/adapters/ses-mailer')).SesMailer, secondGrants);

  const sends: number[] = [];
  let quotaAsks = 0;
  const recorder = await startSesRecorder(EMULATOR, {
    ...recorderOptions,
    keep: false,
    intercept: (_n, call) => {
      if (call.action === 'SendRawEmail') {
        const at = performance.now();
        sends.push(at);
        const to = new URLSearchParams(call.body.toString('utf8')).get('Destinations.member.1');
        if (to) arrivals.set(to.toLowerCase(), at);
      }
      if (call.action === 'GetSendQuota') quotaAsks++;
      return undefined;
    },
  });
  const tables = await createTestTables('rate');
  const dataDir = mkdtempSync(join(tmpdir(), 'briefing-rate-'));
  try {
    const { content, subscribers } = dynamoPorts(documentClient(), tables.names);
    await publish({ content, clock: systemClock }, sampleFiles());
    const domain = uniqueDomain();
    const at = new Date().toISOString();
    await subscribers.putBatch(
      Array.from({ length: n }, (_, i) => ({
        subscriberId: randomUUID(),
        email: `r${i}@${domain}`,
        status: 'confirmed' as const,
        digest: true,
        alerts: false,
        topics: [],
        timezone: 'UTC',
        source: 'import' as const,
        createdAt: at,
        confirmedAt: at,
      })),
    );

    const config = {
      ...localConfig({ ...process.env, BRIEFING_DATA_DIR: dataDir, ...env }),
      tables: tables.names,
      sesEndpoint: recorder.endpoint,
    };
    const rt = await startRuntime({ startEmulators: false, http: false, config });
    const rt2 = second ? await second({ startEmulators: false, http: false, config }) : undefined;
    try {
      await rt.planDigest({});
      // The second process plans the same issue again (as `send-digest` resumes it): both queues hold every reader.
      await rt2?.planDigest({ resume: true });
      await Promise.all([rt.queue.drain(120_000), rt2?.queue.drain(120_000)]);
      // Slot to proxy, per recipient: the spread of those trips is what can crowd a window at the proxy.
      const trips = [...arrivals].map(([to, at]) => at - (grants.get(to) ?? secondGrants.get(to))!).filter((t) => Number.isFinite(t));
      const first = [...grants.values()];
      const other = [...secondGrants.values()];
      // How long both processes were sending at once: their spans of slots overlapping (0: one after the other).
      const overlapMs =
        first.length && other.length
          ? Math.max(0, Math.min(Math.max(...first), Math.max(...other)) - Math.max(Math.min(...first), Math.min(...other)))
          : 0;
      const spreadMs = trips.length ? Math.max(...trips) - Math.min(...trips) : 0;
      return {
        sends,
        quotaAsks,
        busiest: busiestSecond(sends),
        granted: busiestSecond([...first, ...other]),
        overlapMs,
        bothSent: first.length > 0 && other.length > 0,
        spreadMs,
        stats: rt.queue.stats(),
      };
    } finally {
      await rt.stop();
      await rt2?.stop();
    }
  } finally {
    await recorder.close();
    await tables.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('the local send rate', () => {
  it.each([
    [20, 16],
    [50, 40],
  ])(
    'follows GetSendQuota where the endpoint answers it: MaxSendRate %i gives %i a second (the 0.8 share, as on AWS), not the local setting',
    async (maxSendRate, rate) => {
      // Three seconds' worth: the local setting (1,000 a second) would send them all within one.
      const n = rate * 3;
      const run = await localSend(n, { quota: { maxSendRate, max24HourSend: 100_000 } }, { BRIEFING_SEND_RATE: '1000' });
      console.log(
        `quota ${maxSendRate}/s (share 0.8 = ${rate}/s): ${run.sends.length} sent, busiest second ${run.busiest} at SES, ${run.granted} granted, spread ${run.spreadMs.toFixed(0)} ms`,
      );

      expect(run.sends).toHaveLength(n);
      expect(run.quotaAsks).toBeGreaterThanOrEqual(1);
      expect(run.busiest).toBeLessThanOrEqual(rate + tolerance(rate, run.spreadMs));
      expect(run.busiest).toBeLessThan(maxSendRate);
    },
  );

  it('falls back to the local setting (BRIEFING_SEND_RATE) where the endpoint does not answer GetSendQuota (the SES emulator itself)', async () => {
    const n = 30;
    // No `quota`: the proxy forwards GetSendQuota to the emulator, which answers InvalidAction.
    const run = await localSend(n, {}, { BRIEFING_SEND_RATE: '10' });
    console.log(
      `no quota, BRIEFING_SEND_RATE=10: ${run.sends.length} sent, busiest second ${run.busiest} at SES, ${run.granted} granted, spread ${run.spreadMs.toFixed(0)} ms`,
    );

    expect(run.sends).toHaveLength(n);
    expect(run.quotaAsks).toBe(1);
    expect(run.busiest).toBeLessThanOrEqual(10 + tolerance(10, run.spreadMs));
  });

  it('two local processes on one account (a CLI send beside npm start) send at the one rate in all, each reader once', async () => {
    // Four jobs (50 a job): each process claims a job's readers as it starts it, so both have jobs to send.
    const n = 160;
    // The default lease (10 s): with 3 s, a renewal slowed by a busy machine (load 11) let the other take over mid-send.
    const run = await localSend(n, {}, { BRIEFING_SEND_RATE: '20' }, { twoProcesses: true });
    console.log(
      `two processes, BRIEFING_SEND_RATE=20: ${run.sends.length} sent, busiest second ${run.busiest} at SES, ${run.granted} granted, spread ${run.spreadMs.toFixed(0)} ms`,
    );

    expect(run.sends).toHaveLength(n);
    // One pacer at a time: the two processes' send slots never overlap (whichever sent first
    // finished before the other began), so SES sees the one rate.
    expect(run.overlapMs).toBe(0);
    expect(run.busiest).toBeLessThanOrEqual(20 + tolerance(20, run.spreadMs));
  });
});
