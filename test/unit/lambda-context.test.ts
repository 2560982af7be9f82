/**
 * Every function's Lambda entry point puts the invocation's Lambda context into the logs
 * (withLambdaContext), and the SDK clients are traced on Lambda only: outside it the Tracer
 * leaves them untouched, so the local mode and the tests run untraced.
 */
import type { Context } from 'aws-lambda';

const lambdaContext = (requestId: string): Context =>
  ({
    awsRequestId: requestId,
    functionName: 'briefing-test-fn',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:briefing-test-fn',
    memoryLimitInMB: '256',
    getRemainingTimeInMillis: () => 30_000,
  }) as unknown as Context;

const saved = { ...process.env };
let lines: string[];
let write: jest.SpyInstance;

// Each test imports its modules afresh (await import after resetModules): the logger and the tracer
// read the environment when their module loads.
beforeEach(() => {
  jest.resetModules();
  process.env = { ...saved, POWERTOOLS_LOG_LEVEL: 'INFO' };
  delete process.env.POWERTOOLS_DEV; // with it, the logger writes to the global console instead of stdout
  delete process.env.AWS_EXECUTION_ENV;
  lines = [];
  write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  write.mockRestore();
  process.env = saved;
});

/** The JSON log lines whose message is `message`. */
const logged = (message: string) =>
  lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.message === message);

describe('withLambdaContext', () => {
  it('gives a log line emitted inside a wrapped handler the invocation’s function_request_id and function name', async () => {
    const { withLambdaContext } = await import('../../lambdas/adapters/lambda-context');
    const { logger } = await import('../../lambdas/adapters/logger');
    const handler = withLambdaContext((event: { n: number }) => {
      logger.info('inside', { n: event.n });
      return Promise.resolve(event.n * 2);
    });

    expect(await handler({ n: 1 }, lambdaContext('req-1'))).toBe(2);
    await handler({ n: 2 }, lambdaContext('req-2'));

    const [first, second] = logged('inside');
    expect(first).toMatchObject({ function_request_id: 'req-1', function_name: 'briefing-test-fn', n: 1 });
    // The next invocation's lines carry its own id, not the first one's.
    expect(second).toMatchObject({ function_request_id: 'req-2', n: 2 });
  });

  it('adds nothing for the local mode’s calls (no context, or one that only counts the time left)', async () => {
    const { withLambdaContext } = await import('../../lambdas/adapters/lambda-context');
    const { logger } = await import('../../lambdas/adapters/logger');
    const handler = withLambdaContext(() => Promise.resolve(logger.info('local')));

    await handler(undefined);
    await handler(undefined, { getRemainingTimeInMillis: () => 1000 } as unknown as Context);

    const local = logged('local');
    expect(local).toHaveLength(2);
    for (const line of local) expect(line).not.toHaveProperty('function_request_id');
  });

  it('passes a handler’s error through unchanged', async () => {
    const { withLambdaContext } = await import('../../lambdas/adapters/lambda-context');
    const boom = new Error('boom');
    await expect(withLambdaContext(async () => Promise.reject(boom))(undefined, lambdaContext('req-3'))).rejects.toBe(boom);
  });
});

describe('the five Lambda entry points', () => {
  // Without their environment each handler fails at its first call, after the wrapper has run:
  // the next log line shows whether the invocation's context reached the logger.
  it.each([
    ['sender', '../../lambdas/sender/handler'],
    ['digest-planner', '../../lambdas/digest-planner/handler'],
    ['alert-planner', '../../lambdas/alert-planner/handler'],
    ['api', '../../lambdas/api/handler'],
    ['ses-events', '../../lambdas/ses-events/handler'],
  ])('%s adds the Lambda context to the logger for the invocation', async (name, path) => {
    for (const variable of ['SUBSCRIBERS_TABLE', 'CONTENT_TABLE', 'DELIVERIES_TABLE']) delete process.env[variable];
    const mod = (await import(path)) as { handler: (event: unknown, context?: Context) => Promise<unknown> };
    const { logger } = await import('../../lambdas/adapters/logger');

    await mod.handler({}, lambdaContext(`req-${name}`)).catch(() => undefined);
    logger.info('after');

    expect(logged('after')[0]).toMatchObject({ function_request_id: `req-${name}` });
  });
});

describe('tracing of the SDK clients', () => {
  const xray = (client: { middlewareStack: { identify(): string[] } }) => client.middlewareStack.identify().filter((m) => /XRay/i.test(m));

  it('leaves the clients untouched outside Lambda (tests, the local mode)', async () => {
    const clients = await import('../../lambdas/adapters/clients');
    expect(xray(clients.sesClient())).toEqual([]);
    expect(xray(clients.sqsClient())).toEqual([]);
    expect(xray(clients.documentClient())).toEqual([]);
  });

  it('captures every client on Lambda (AWS_EXECUTION_ENV set)', async () => {
    process.env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs20.x';
    // Patching node's http and https modules would outlive this test file in the worker.
    process.env.POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS = 'false';
    const clients = await import('../../lambdas/adapters/clients');
    expect(xray(clients.sesClient()).length).toBeGreaterThan(0);
    expect(xray(clients.sqsClient()).length).toBeGreaterThan(0);
    expect(xray(clients.documentClient()).length).toBeGreaterThan(0);
  });
});
