/**
 * SDK clients, created once per process (module scope) and shared by every adapter.
 * Endpoints come only from the SDK's standard variables (AWS_ENDPOINT_URL_DYNAMODB,
 * AWS_ENDPOINT_URL_SES, AWS_ENDPOINT_URL), which is how the local mode points them at emulators.
 * Each is captured by the Tracer, so on Lambda every SDK call is a subsegment of the trace;
 * elsewhere the Tracer is off and gives the client back untouched.
 *
 * Every client has a deadline ({@link sdkDeadlines}): a stalled answer (SES, DynamoDB, SQS,
 * Secrets Manager) fails the attempt instead of using the rest of the invocation, and the SDK's
 * retries (three attempts in all; one for SES) still end inside the shortest function timeout (30 s).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { tracer } from './tracer';
import { LAMBDA_SDK_DEADLINES, SDK_ATTEMPTS, type SdkDeadlines } from '../core/deadlines';

/**
 * Elsewhere (npm start, the CLI, the tests): the emulators on a machine that may be busy with
 * other work, where a slow answer is a loaded machine rather than a stalled service.
 */
export const LOCAL_SDK_DEADLINES: SdkDeadlines = { connectionTimeout: 10_000, requestTimeout: 60_000 };
/**
 * SES elsewhere: one attempt that ends well inside the local claim lease (30 s), so a send with
 * no answer is never claimed again while its request is still open.
 */
export const LOCAL_SES_DEADLINES: SdkDeadlines = { connectionTimeout: 5_000, requestTimeout: 15_000 };

/**
 * The deadlines of this process's clients: Lambda's in a function (AWS_LAMBDA_FUNCTION_NAME is
 * set), the local ones elsewhere; `SDK_REQUEST_TIMEOUT_MS` sets the request deadline by hand.
 */
export function sdkDeadlines(env: NodeJS.ProcessEnv = process.env, service: 'ses' | 'other' = 'other'): SdkDeadlines {
  const local = service === 'ses' ? LOCAL_SES_DEADLINES : LOCAL_SDK_DEADLINES;
  const base = env.AWS_LAMBDA_FUNCTION_NAME ? LAMBDA_SDK_DEADLINES : local;
  const given = Number(env.SDK_REQUEST_TIMEOUT_MS);
  return Number.isInteger(given) && given > 0
    ? { connectionTimeout: Math.min(base.connectionTimeout, given), requestTimeout: given }
    : base;
}

/** The client configuration every client here is made with. */
export function clientConfig(env: NodeJS.ProcessEnv = process.env, service: 'ses' | 'other' = 'other') {
  // throwOnRequestTimeout: without it the SDK only logs a breach of requestTimeout and waits on.
  return { maxAttempts: SDK_ATTEMPTS, requestHandler: { ...sdkDeadlines(env, service), throwOnRequestTimeout: true } };
}

let dynamo: DynamoDBDocumentClient | undefined;
let ses: SESClient | undefined;
let sqs: SQSClient | undefined;
let scheduler: SchedulerClient | undefined;
let secrets: SecretsProvider | undefined;

export function documentClient(): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient(clientConfig())), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return dynamo;
}

/**
 * One attempt per SES call: a SendRawEmail whose answer did not come in time may have been
 * taken, and the SDK would send it again at once. The send engine retries what SES refused
 * (throttling, 5xx) itself, and keeps the claim of a send with no answer (core/send-errors.ts).
 */
export function sesClient(): SESClient {
  ses ??= tracer.captureAWSv3Client(new SESClient({ ...clientConfig(process.env, 'ses'), maxAttempts: 1 }));
  return ses;
}

export function sqsClient(): SQSClient {
  sqs ??= tracer.captureAWSv3Client(new SQSClient(clientConfig()));
  return sqs;
}

export function schedulerClient(): SchedulerClient {
  scheduler ??= tracer.captureAWSv3Client(new SchedulerClient(clientConfig()));
  return scheduler;
}

/** Powertools' secrets provider (its cache) on a client with the same deadlines. */
export function secretsProvider(): SecretsProvider {
  secrets ??= new SecretsProvider({ awsSdkV3Client: tracer.captureAWSv3Client(new SecretsManagerClient(clientConfig())) });
  return secrets;
}
