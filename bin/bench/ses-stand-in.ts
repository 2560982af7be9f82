/**
 * The bench's SES stand-in: an HTTP server speaking just enough of the SES v1 query API for
 * the sender, in a child process of its own so its CPU is never the sender's.
 *
 * - `SendRawEmail` is answered after a fixed latency (50 ms by default, what an SES API call
 *   takes) with a timer: no parsing, no storing, no busy work. The body is read to its end and
 *   only searched for its `Action`. Above the account's MaxSendRate in any one-second window it
 *   answers `Throttling` ("Maximum sending rate exceeded."), as SES does, and counts it.
 * - `GetSendQuota` answers the quota the bench set, so the sender's own rate path (GetSendQuota
 *   x share, lambdas/adapters/send-rate.ts `ratePorts`) is what paces it.
 *
 * Every SendRawEmail's arrival and answer time is kept (epoch milliseconds, sub-millisecond, from
 * `performance.timeOrigin + performance.now()`, comparable across processes) and handed to the
 * bench on request: the rate figures are what SES would see arrive.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** What the stand-in answers GetSendQuota with, and how it behaves. */
export interface StandInSettings {
  maxSendRate: number;
  max24HourSend: number;
  latencyMs: number;
  /** Refuse calls beyond maxSendRate in any 1,000 ms, as SES does. @default true */
  throttle?: boolean;
}

export interface StandInRecord {
  /** Arrival times of the SendRawEmail calls it accepted (epoch ms). */
  arrivals: number[];
  /** When each accepted call was answered (epoch ms). */
  answers: number[];
  throttled: number;
  quotaReads: number;
}

type Request = { op: 'set'; settings: StandInSettings } | { op: 'take' };
type Reply = { op: 'ready'; port: number } | { op: 'set' } | ({ op: 'taken' } & StandInRecord);

const now = () => performance.timeOrigin + performance.now();

function serve(): void {
  let settings: StandInSettings = { maxSendRate: 14, max24HourSend: 50_000, latencyMs: 50, throttle: true };
  let record: StandInRecord = { arrivals: [], answers: [], throttled: 0, quotaReads: 0 };
  let sentTotal = 0;
  let n = 0;
  // Accepted calls of the last second (a ring of their times, oldest first): the throttle's window.
  const window: number[] = [];
  const SEND = Buffer.from('Action=SendRawEmail');
  const QUOTA = Buffer.from('Action=GetSendQuota');
  const xml = (status: number, body: string, res: import('node:http').ServerResponse) => {
    res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = now();
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      const id = `bench-${(++n).toString(36)}`;
      if (body.length < 512 && body.includes(QUOTA)) {
        record.quotaReads++;
        const { maxSendRate, max24HourSend, latencyMs } = settings;
        setTimeout(
          () =>
            xml(
              200,
              `<GetSendQuotaResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><GetSendQuotaResult><Max24HourSend>${max24HourSend}</Max24HourSend>` +
                `<MaxSendRate>${maxSendRate}</MaxSendRate><SentLast24Hours>${sentTotal}</SentLast24Hours></GetSendQuotaResult>` +
                `<ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata></GetSendQuotaResponse>`,
              res,
            ),
          latencyMs,
        );
        return;
      }
      if (!body.includes(SEND)) {
        xml(
          400,
          `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>bench stand-in: SendRawEmail and GetSendQuota only</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
          res,
        );
        return;
      }
      while (window.length > 0 && at - window[0] >= 1000) window.shift();
      if (settings.throttle !== false && window.length >= settings.maxSendRate) {
        record.throttled++;
        setTimeout(
          () =>
            xml(
              400,
              `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Maximum sending rate exceeded.</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
              res,
            ),
          settings.latencyMs,
        );
        return;
      }
      window.push(at);
      record.arrivals.push(at);
      sentTotal++;
      const mine = record;
      setTimeout(() => {
        xml(
          200,
          `<SendRawEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendRawEmailResult><MessageId>${id}</MessageId></SendRawEmailResult><ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata></SendRawEmailResponse>`,
          res,
        );
        mine.answers.push(now());
      }, settings.latencyMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send!({ op: 'ready', port: (server.address() as AddressInfo).port } satisfies Reply));
  process.on('message', (m: Request) => {
    if (m.op === 'set') {
      settings = m.settings;
      process.send!({ op: 'set' } satisfies Reply);
    } else if (m.op === 'take') {
      process.send!({ op: 'taken', ...record } satisfies Reply);
      record = { arrivals: [], answers: [], throttled: 0, quotaReads: 0 };
    }
  });
  process.on('disconnect', () => process.exit(0));
}

export interface SesStandIn {
  endpoint: string;
  pid: number;
  /** Set the quota it answers and its latency; takes effect for the next call. */
  set(settings: StandInSettings): Promise<void>;
  /** What it saw since the last take (or the start), and start afresh. */
  take(): Promise<StandInRecord>;
  stop(): void;
}

/** Start the stand-in in a child process (this file, run by the same Node with the same loader). */
export async function startSesStandIn(): Promise<SesStandIn> {
  const child: ChildProcess = fork(__filename, ['--serve'], { execArgv: process.execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const next = <T extends Reply['op']>(op: T) =>
    new Promise<Extract<Reply, { op: T }>>((resolve, reject) => {
      const onMessage = (m: Reply) => {
        if (m.op !== op) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m as Extract<Reply, { op: T }>);
      };
      const onExit = (code: number | null) => reject(new Error(`SES stand-in exited (${code}) before '${op}'`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const { port } = await next('ready');
  return {
    endpoint: `http://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    async set(settings) {
      const done = next('set');
      child.send({ op: 'set', settings } satisfies Request);
      await done;
    },
    async take() {
      const done = next('taken');
      child.send({ op: 'take' } satisfies Request);
      const { op: _op, ...record } = await done;
      return record;
    },
    stop() {
      child.disconnect();
    },
  };
}

if (require.main === module && process.argv.includes('--serve')) serve();
