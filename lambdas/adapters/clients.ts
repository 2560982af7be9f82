/**
 * SDK clients, created once per process (module scope) and shared by every adapter.
 * Endpoints come only from the SDK's standard variables (AWS_ENDPOINT_URL_DYNAMODB,
 * AWS_ENDPOINT_URL_SES, AWS_ENDPOINT_URL), which is how the local mode points them at emulators.
 * Each is captured by the Tracer, so on Lambda every SDK call is a subsegment of the trace;
 * elsewhere the Tracer is off and gives the client back untouched.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { tracer } from './tracer';

let dynamo: DynamoDBDocumentClient | undefined;
let ses: SESClient | undefined;
let sqs: SQSClient | undefined;
let scheduler: SchedulerClient | undefined;

export function documentClient(): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return dynamo;
}

export function sesClient(): SESClient {
  ses ??= tracer.captureAWSv3Client(new SESClient({}));
  return ses;
}

export function sqsClient(): SQSClient {
  sqs ??= tracer.captureAWSv3Client(new SQSClient({}));
  return sqs;
}

export function schedulerClient(): SchedulerClient {
  scheduler ??= tracer.captureAWSv3Client(new SchedulerClient({}));
  return scheduler;
}
