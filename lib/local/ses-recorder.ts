/**
 * A recording HTTP proxy in front of the SES emulator. It forwards every request unchanged
 * and keeps the raw MIME bytes of each SES v1 `SendRawEmail`, so tests (and the local mode's
 * outbox) see exactly what went over the wire: the emulator itself keeps only the parsed
 * parts, without headers such as List-Unsubscribe. The `intercept` hook answers a request itself instead
 * (throttling, a 5xx, a delay), the seam for fault injection. With `simulator`, it also plays SES's
 * mailbox simulator: a message to `success@`, `bounce@`, `complaint@` or
 * `suppressionlist@simulator.amazonses.com` is accepted as usual and, a moment later, the events
 * SES would publish for it are handed over (lib/local/ses-simulator.ts).
 */
import { createServer, request, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simulatorOutcome } from '../../lambdas/core/simulator';
import { simulatorEvents } from './ses-simulator';

/** A request as the interceptor sees it. */
export interface RecordedCall {
  /** The SES `Action` (form field), when the request is form-encoded. */
  action?: string;
  method: string;
  path: string;
  body: Buffer;
}

/** What the interceptor decides: answer instead of the emulator (after an optional delay), or forward late. */
export type InterceptedAnswer = { status: number; body: string; delayMs?: number } | { forwardAfterMs: number };

export interface SesRecorderOptions {
  /**
   * Called for every request with its 1-based number among all requests the recorder saw.
   * Return an answer to send instead of forwarding, or undefined to forward.
   */
  intercept?: (n: number, call: RecordedCall) => InterceptedAnswer | undefined;
  /** Called with each SendRawEmail's raw MIME as it passes. */
  onRawMessage?: (raw: Buffer) => void;
  /** Keep every raw message in memory for {@link SesRecorder.raws}. @default true */
  keep?: boolean;
  /**
   * Answer SES v1 `GetSendQuota` with these limits (the emulator does not implement it). The
   * `sentLast24Hours` it reports counts the SendRawEmail calls forwarded since the start.
   */
  quota?: { maxSendRate: number; max24HourSend: number };
  /**
   * Play SES's mailbox simulator: for each accepted SendRawEmail to a simulator address, call
   * `onEvents` with the configuration-set events SES would publish, `delayMs` after answering
   * (SES publishes them seconds after it accepted the message). @default delayMs 200
   */
  simulator?: {
    onEvents: (events: Record<string, unknown>[]) => void;
    delayMs?: number;
    /**
     * Report a Delivery for every other accepted address too, as SES does once the receiving
     * server takes the message (the local mode: `stats` then shows deliveries, and a subject
     * test has something to decide on). @default false: only the simulator's addresses answer
     */
    deliverOrdinary?: boolean;
  };
}

export interface SesRecorder {
  /** Put this in the SES client's `endpoint` (or AWS_ENDPOINT_URL_SES). */
  endpoint: string;
  /** Raw MIME of every forwarded SendRawEmail, in arrival order. */
  raws(): Buffer[];
  /** How many requests arrived (forwarded or intercepted). */
  requests(): number;
  /** How many SendRawEmail calls were forwarded to the emulator (SES accepted them). */
  accepted(): number;
  close(): Promise<void>;
}

/** An SES v1 (query API) error body, e.g. `sesError(400, 'Throttling', 'Maximum sending rate exceeded.')`. */
export function sesError(status: number, code: string, message: string): { status: number; body: string } {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return {
    status,
    body:
      `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>${type}</Type>` +
      `<Code>${code}</Code><Message>${message}</Message></Error><RequestId>local-recorder</RequestId></ErrorResponse>`,
  };
}

export async function startSesRecorder(targetEndpoint: string, options: SesRecorderOptions = {}): Promise<SesRecorder> {
  const target = new URL(targetEndpoint);
  const recorded: Buffer[] = [];
  let count = 0;
  let accepted = 0;
  // Events SES would still publish for messages it accepted: handed over early on close.
  const pendingEvents = new Map<NodeJS.Timeout, () => void>();

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`ses-recorder: ${String(error)}`);
      } else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const form = isForm(req) ? new URLSearchParams(body.toString('utf8')) : undefined;
    const call: RecordedCall = { action: form?.get('Action') ?? undefined, method: req.method ?? 'GET', path: req.url ?? '/', body };
    count += 1;
    const answer = options.intercept?.(count, call);
    if (answer && 'status' in answer) {
      if (answer.delayMs) await sleep(answer.delayMs);
      res.writeHead(answer.status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(answer.body) });
      res.end(answer.body);
      return;
    }
    if (answer) await sleep(answer.forwardAfterMs);
    if (call.action === 'GetSendQuota' && options.quota) {
      const q = options.quota;
      const body =
        `<GetSendQuotaResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><GetSendQuotaResult>` +
        `<Max24HourSend>${q.max24HourSend}</Max24HourSend><MaxSendRate>${q.maxSendRate}</MaxSendRate>` +
        `<SentLast24Hours>${accepted}</SentLast24Hours></GetSendQuotaResult>` +
        `<ResponseMetadata><RequestId>local-recorder</RequestId></ResponseMetadata></GetSendQuotaResponse>`;
      res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (call.action === 'SendRawEmail') {
      accepted += 1;
      const data = form?.get('RawMessage.Data');
      if (data) {
        const raw = Buffer.from(data, 'base64');
        if (options.keep !== false) recorded.push(raw);
        options.onRawMessage?.(raw);
      }
      const ordinary = options.simulator?.deliverOrdinary === true;
      const simulated = options.simulator && destinations(form).filter((d) => ordinary || simulatorOutcome(d));
      if (simulated && simulated.length) {
        // The events need the message id the emulator gives, so its answer is read before it is passed on.
        const answer = await forwardBuffered(req, body);
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
        const messageId = /<MessageId>([^<]+)<\/MessageId>/.exec(answer.body.toString('utf8'))?.[1];
        if (answer.status === 200 && messageId) {
          const { onEvents, delayMs = 200 } = options.simulator!;
          const source = form?.get('Source') ?? '';
          const handOver = () => {
            pendingEvents.delete(timer);
            for (const destination of simulated) onEvents(simulatorEvents({ messageId, destination, source, at: new Date(), ordinary }));
          };
          const timer = setTimeout(handOver, delayMs);
          pendingEvents.set(timer, handOver);
        }
        return;
      }
    }
    await forward(req, body, res);
  }

  // Requests to the emulator still waiting for its answer. An emulator may never answer
  // GetSendQuota (aws-ses-v2-local alone holds it open): such a request would outlive close() and keep the process (the CLI after a
  // send-digest, for one) from ever exiting, so close() ends them.
  const upstreams = new Set<ClientRequest>();
  const track = (upstream: ClientRequest) => {
    upstreams.add(upstream);
    upstream.once('close', () => upstreams.delete(upstream));
    return upstream;
  };

  /** The same request, addressed to the emulator. */
  const upstreamOptions = (req: IncomingMessage, body: Buffer) => ({
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port,
    method: req.method,
    path: req.url,
    headers: { ...req.headers, host: target.host, 'content-length': String(body.length) },
  });

  function forwardBuffered(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const upstream = track(
        request(upstreamOptions(req, body), (upstreamRes) => {
          const chunks: Buffer[] = [];
          upstreamRes.on('data', (c: Buffer) => chunks.push(c));
          upstreamRes.on('end', () => {
            const data = Buffer.concat(chunks);
            const { 'transfer-encoding': _te, ...headers } = upstreamRes.headers;
            resolve({ status: upstreamRes.statusCode ?? 502, headers: { ...headers, 'content-length': String(data.length) }, body: data });
          });
          upstreamRes.on('error', reject);
        }),
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  function forward(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    return new Promise((resolve, reject) => {
      const upstream = track(
        request(upstreamOptions(req, body), (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
          upstreamRes.on('end', resolve);
          upstreamRes.on('error', reject);
        }),
      );
      // The caller gave up (an SDK timeout, or the local mode asking GetSendQuota of an
      // emulator that never answers it): drop the upstream call at once too.
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    raws: () => [...recorded],
    requests: () => count,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // SES publishes the events of every message it accepted, however soon the sender exits
        // (a CLI send-digest right after its last message): the waiting ones are handed over now.
        for (const [timer, handOver] of [...pendingEvents]) {
          clearTimeout(timer);
          handOver();
        }
        for (const upstream of upstreams) upstream.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The SES v1 query API's `Destinations.member.N` fields. */
function destinations(form: URLSearchParams | undefined): string[] {
  if (!form) return [];
  return [...form.entries()].filter(([k]) => /^Destinations\.member\.\d+$/.test(k)).map(([, v]) => v);
}

function isForm(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
