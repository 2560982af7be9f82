/**
 * Events in the shapes the AWS services deliver them to a function: API Gateway's HTTP API
 * (payload 2.0, a form body base64-encoded as API Gateway sends it), SQS through an event
 * source mapping, SES notifications through SNS.
 */
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2, SNSEvent, SQSEvent } from 'aws-lambda';
import { ACCOUNT, REGION, type StoredMessage } from './aws-stand-in';

/** A browser's form POST from the site's own page (`origin` is the API's own), as the HTTP API hands it on. */
export function formPost(apiUrl: string, path: string, form: Record<string, string>): APIGatewayProxyEventV2 {
  const host = new URL(apiUrl).host;
  const body = new URLSearchParams(form).toString();
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: {
      accept: 'text/html,application/xhtml+xml',
      'content-length': String(Buffer.byteLength(body)),
      'content-type': 'application/x-www-form-urlencoded',
      host,
      origin: apiUrl,
      referer: `${apiUrl}/`,
      'sec-fetch-site': 'same-origin',
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
    },
    requestContext: {
      accountId: ACCOUNT,
      apiId: host.split('.')[0],
      domainName: host,
      domainPrefix: host.split('.')[0],
      http: {
        method: 'POST',
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
      },
      requestId: `req-${now}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    body: Buffer.from(body, 'utf8').toString('base64'),
    isBase64Encoded: true,
  };
}

/** Messages of a queue as Lambda's SQS event source mapping delivers them (first receive). */
export function sqsEvent(queueArn: string, messages: StoredMessage[]): SQSEvent {
  return {
    Records: messages.map((m) => ({
      messageId: m.messageId,
      receiptHandle: `receipt-${m.messageId}`,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(m.sentTimestamp),
        SenderId: 'AROAEXAMPLE:planner',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: m.md5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: REGION,
    })),
  };
}

/** An SES notification (a fixture under test/fixtures/ses) for `email` and SES message `messageId`, in its SNS envelope. */
export function sesNotification(fixture: string, email: string, messageId: string): SNSEvent {
  const text = readFileSync(`test/fixtures/ses/${fixture}`, 'utf8')
    .replaceAll('RECIPIENT@example.org', email)
    .replaceAll('SES-MESSAGE-ID', messageId);
  const sns = JSON.parse(text) as SNSEvent['Records'][number]['Sns'];
  return {
    Records: [
      { EventSource: 'aws:sns', EventVersion: '1.0', EventSubscriptionArn: `arn:aws:sns:${REGION}:${ACCOUNT}:ses-events:0b1f`, Sns: sns },
    ],
  };
}
