import { Validations } from 'aws-cdk-lib';
import type { DigestDelivery } from '../../lambdas/core/local-time';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/core/function-env';
import { CLICKED_ARTICLES } from '../../lambdas/core/keys';
import { BriefingFunction, type Conditions } from './briefing-function';

/** Props of {@link Api}. */
export interface ApiProps {
  /** Subscribers; unsubscribe and preference changes write here. */
  readonly subscribersTable: dynamodb.ITable;
  /**
   * Content (articles and issues), read only: the public archive's sent issues, and the
   * latest issue the welcome links.
   * @default - none: the archive routes answer 503 and the welcome links no issue
   */
  readonly contentTable?: dynamodb.ITable;
  /**
   * Deliveries, for the click counts of the tracked-link redirect (`/r/<token>`) only: the
   * function may raise a campaign's `click#…` counters and mark a ledger entry's
   * `clickedArticles`, nothing else (UpdateItem on those attributes; see {@link CLICK_ATTRIBUTES}).
   * @default - none: the redirect answers 503
   */
  readonly deliveriesTable?: dynamodb.ITable;
  /**
   * The stage's default route throttling: requests per second (steady state) each route may take.
   * AWS applies it to every route on its own, not to the stage as a whole (see the stage below).
   * @default 20
   */
  readonly throttleRate?: number;
  /**
   * The burst each route may take (the stage's default route throttling).
   * @default 50
   */
  readonly throttleBurst?: number;
  /**
   * Requests per second to `POST /subscribe`: each one may send a mail.
   * @default 2
   */
  readonly subscribeThrottleRate?: number;
  /**
   * Burst allowed on `POST /subscribe`.
   * @default 10
   */
  readonly subscribeThrottleBurst?: number;
  /**
   * Requests per second to each of `POST /unsubscribe` (RFC 8058 one-click, which mailbox
   * providers call for the reader) and `POST /confirm`: links people act on from mail, which must
   * keep working when sign-ups are throttled. Must be higher than {@link subscribeThrottleRate}.
   * @default 20
   */
  readonly linkThrottleRate?: number;
  /**
   * Burst allowed on each of `POST /unsubscribe` and `POST /confirm`; must be higher than
   * {@link subscribeThrottleBurst}.
   * @default 50
   */
  readonly linkThrottleBurst?: number;
  /**
   * Origins (e.g. `https://www.example.org`) whose pages may POST /subscribe as JSON (CORS).
   * @default - none: only the API's own pages
   */
  readonly corsOrigins?: string[];
}

/** The public routes, all served by one function, HEAD wherever GET (the handler answers it from GET). */
export const API_ROUTES: ReadonlyArray<{ method: apigwv2.HttpMethod; path: string }> = withHead([
  { method: apigwv2.HttpMethod.GET, path: '/health' },
  // GET only shows a confirmation page (mail scanners follow links); POST changes state,
  // and is also the RFC 8058 one-click target.
  { method: apigwv2.HttpMethod.GET, path: '/unsubscribe' },
  { method: apigwv2.HttpMethod.POST, path: '/unsubscribe' },
  { method: apigwv2.HttpMethod.GET, path: '/preferences' },
  { method: apigwv2.HttpMethod.POST, path: '/preferences' },
  // The subscribe page, the sign-up (form or JSON, with its CORS preflight) and double opt-in.
  { method: apigwv2.HttpMethod.GET, path: '/' },
  { method: apigwv2.HttpMethod.POST, path: '/subscribe' },
  { method: apigwv2.HttpMethod.OPTIONS, path: '/subscribe' },
  { method: apigwv2.HttpMethod.GET, path: '/check-inbox' },
  { method: apigwv2.HttpMethod.GET, path: '/confirm' },
  { method: apigwv2.HttpMethod.POST, path: '/confirm' },
  // The public archive and its feed: cacheable pages, the same handler as every other route.
  { method: apigwv2.HttpMethod.GET, path: '/archive' },
  { method: apigwv2.HttpMethod.GET, path: '/archive/{issue}' },
  { method: apigwv2.HttpMethod.GET, path: '/feed.xml' },
  // Tracked article links: GET counts and redirects, HEAD (link scanners) only redirects.
  { method: apigwv2.HttpMethod.GET, path: '/r/{token}' },
  { method: apigwv2.HttpMethod.HEAD, path: '/r/{token}' },
]);

/** `routes` and a HEAD route for each GET route that has none. */
function withHead(routes: Array<{ method: apigwv2.HttpMethod; path: string }>) {
  const has = new Set(routes.map((r) => `${r.method} ${r.path}`));
  const heads = routes
    .filter((r) => r.method === apigwv2.HttpMethod.GET && !has.has(`HEAD ${r.path}`))
    .map((r) => ({ method: apigwv2.HttpMethod.HEAD, path: r.path }));
  return [...routes, ...heads];
}

/**
 * The only attributes the API function may write in the Deliveries table (IAM
 * `dynamodb:Attributes`, keys included): the click counters and a ledger entry's clicked articles.
 */
export const CLICK_ATTRIBUTES = ['campaignId', 'subscriberId', 'click#*', CLICKED_ARTICLES];

/**
 * The conditions of the API function's one write on Deliveries: only {@link CLICK_ATTRIBUTES},
 * and no ReturnValues that would hand back attributes beyond them (ALL_OLD, ALL_NEW). DynamoClickCounts
 * sends no ReturnValues at all, hence IfExists (as in the DynamoDB guide's attribute-limited UpdateItem example).
 */
export const CLICK_CONDITIONS: Conditions = {
  'ForAllValues:StringLike': { 'dynamodb:Attributes': CLICK_ATTRIBUTES },
  StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
};

/**
 * The HTTP API behind the links in mail: one Lambda integration, route throttling (a default for
 * every route, and limits of their own for sign-up, unsubscribe and confirm) and access logs.
 * Requests are authorised by the signed token in each link, not by API Gateway.
 */
/**
 * The sender's settings the confirmation and welcome messages are made with (the sign-ups
 * function's; the API takes its name and base URL).
 */
export interface ApiMailSettings {
  readonly senderEmail: string;
  readonly senderName: string;
  readonly organisationName: string;
  readonly postalAddress: string;
  /** @default - no Reply-To header */
  readonly replyToEmail?: string;
  readonly publicBaseUrl: string;
  /**
   * The digest's schedule as deployed: the welcome says when it arrives on the reader's clock.
   * @default - the welcome says only that the digest comes weekly
   */
  readonly digestSchedule?: { cron: string; timeZone: string; localTime?: string };
}

export class Api extends Construct {
  /** The function that serves every route. */
  readonly handler: BriefingFunction;
  /** The HTTP API. */
  readonly httpApi: apigwv2.HttpApi;
  /** The `$default` stage, with throttling and access logs. */
  readonly stage: apigwv2.HttpStage;
  /** Access logs of the stage. */
  readonly accessLogs: logs.LogGroup;
  /** Base URL of the API, without a trailing slash. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);

    this.handler = new BriefingFunction(this, 'Handler', {
      name: 'api',
      description: 'Serves the subscribe, confirm, preferences and unsubscribe pages, and the public archive.',
      environment: {
        [ENV.subscribersTable]: props.subscribersTable.tableName,
        [ENV.corsOrigins]: (props.corsOrigins ?? []).join(','),
      },
    });
    // No Scan, DeleteItem or batch write: GetItem, PutItem, UpdateItem on the table and a Query
    // on bySubscriberId, as lib/constructs/function-permissions.ts lists them.
    this.handler.grantTable('subscribers', props.subscribersTable);
    if (props.contentTable) {
      this.handler.fn.addEnvironment(ENV.contentTable, props.contentTable.tableName);
      // Read only: the archive never writes content (GetItem, BatchGetItem, Query on byKind).
      this.handler.grantTable('content', props.contentTable);
    }
    if (props.deliveriesTable) {
      this.handler.fn.addEnvironment(ENV.deliveriesTable, props.deliveriesTable.tableName);
      // A public function must not be able to rewrite the ledger or the sending pause:
      // UpdateItem on the table itself, and only on the click attributes.
      this.handler.grantTable('deliveries', props.deliveriesTable, CLICK_CONDITIONS);
    }

    // The default stage is made by hand: HttpApi's own default stage takes no throttling
    // or access log settings.
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Subscribe page, and the confirm, preference and unsubscribe links in mail.',
      createDefaultStage: false,
    });
    const integration = new HttpLambdaIntegration('Integration', this.handler.fn);
    /** Each route by its route key (`POST /subscribe`), as RouteSettings names them. */
    const routesByKey = new Map<string, apigwv2.HttpRoute>();
    for (const route of API_ROUTES) {
      for (const made of this.httpApi.addRoutes({ path: route.path, methods: [route.method], integration })) {
        routesByKey.set(`${route.method} ${route.path}`, made);
      }
    }
    Validations.of(this.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The routes are opened from links in mail by people who are not signed in; each request ' +
        'is authorised by the signed token in its link (verified by the handler), and ' +
        '/health, the archive of sent issues (/archive, /feed.xml) and the tracked-link redirect (/r/{token}, signed) are public on purpose.',
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
    });
    // How API Gateway applies an HTTP API stage's throttle, from its documentation
    // (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html,
    // "Route-level throttling"): the stage's throttle is the *default route throttling*, a limit
    // each route gets on its own, and RouteSettings replace it for one route; the only limit all
    // routes share (with every API of the account in the region) is the account-level one. The
    // REST API page calls the same stage setting "default per-method limits"
    // (api-gateway-request-throttling.html). So at 20 a second, the stage's routes may take 20 a
    // second each, and a flood on one route uses up no other route's limit.
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRate ?? 20, burstLimit: props.throttleBurst ?? 50 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        // The route key, never the path with its query string: links carry tokens.
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    // Route settings replace the stage's default route throttling for their route (each route has
    // its own limit, as above). Each subscribe request may send a confirmation: a tighter limit on
    // that route. One-click unsubscribe (RFC 8058: mailbox providers POST it for the reader, and
    // Gmail and Yahoo require it to work) and the confirm button get limits of their own, higher
    // than sign-ups', so that a lowered default never throttles people acting on a link in their
    // mail. (HTTP APIs throttle per route, not per client; the handler adds a per-client limit on
    // subscribe, and an address gets a confirmation at most once per 10 minutes.)
    const cfnStage = this.stage.node.defaultChild as apigwv2.CfnStage;
    const subscribe = { ThrottlingRateLimit: props.subscribeThrottleRate ?? 2, ThrottlingBurstLimit: props.subscribeThrottleBurst ?? 10 };
    const link = { ThrottlingRateLimit: props.linkThrottleRate ?? 20, ThrottlingBurstLimit: props.linkThrottleBurst ?? 50 };
    if (link.ThrottlingRateLimit <= subscribe.ThrottlingRateLimit || link.ThrottlingBurstLimit <= subscribe.ThrottlingBurstLimit) {
      throw new Error(
        `Api: POST /unsubscribe and POST /confirm must be throttled less than POST /subscribe (${link.ThrottlingRateLimit}/${link.ThrottlingBurstLimit} against ${subscribe.ThrottlingRateLimit}/${subscribe.ThrottlingBurstLimit} a second/burst)`,
      );
    }
    // RouteSettings is untyped JSON in CloudFormation's schema: keys are written as CloudFormation spells them.
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {
      'POST /subscribe': subscribe,
      'POST /unsubscribe': link,
      'POST /confirm': link,
    };
    cfnStage.routeSettings = routeSettings;
    // RouteSettings names its routes by plain strings, not Ref: CloudFormation does not know the
    // stage needs them and may create the stage first, which then fails with "Unable to find
    // Route by key POST /subscribe within the provided RouteSettings". Make the order explicit,
    // for every route named there.
    for (const key of Object.keys(routeSettings)) {
      const route = routesByKey.get(key);
      if (!route) throw new Error(`Api: RouteSettings names ${key}, which is not one of API_ROUTES`);
      this.stage.node.addDependency(route);
    }

    // apiEndpoint has no trailing slash, so `${url}/unsubscribe` is well formed.
    this.url = this.httpApi.apiEndpoint;
  }

  /**
   * What the pages need of the sender: the newsletter's name, and the public base URL (the
   * subscribe form's own origin, for the cross-site check). The confirmation and welcome are
   * sent by the sign-ups function, which gets the rest (lib/constructs/signups.ts).
   */
  setMailSettings(settings: Pick<ApiMailSettings, 'senderName' | 'publicBaseUrl'>): void {
    const fn = this.handler.fn;
    fn.addEnvironment(ENV.senderName, settings.senderName);
    fn.addEnvironment(ENV.publicBaseUrl, settings.publicBaseUrl.replace(/\/+$/, ''));
  }

  /**
   * How the digest is delivered, and when: the subscribe and preferences pages word its schedule
   * for it (the settings' digestWording, whose `{schedule}` is this cron in words).
   */
  setDigestDelivery(mode: DigestDelivery, localTime: string, schedule?: { cron: string; timeZone: string }): void {
    this.handler.fn.addEnvironment(ENV.digestDelivery, mode);
    if (mode === 'local-time') this.handler.fn.addEnvironment(ENV.digestLocalTime, localTime);
    if (schedule) {
      this.handler.fn.addEnvironment(ENV.digestScheduleCron, schedule.cron);
      this.handler.fn.addEnvironment(ENV.digestTimeZone, schedule.timeZone);
    }
  }

  /** Where `POST /subscribe` and `POST /confirm` queue sign-ups and welcomes (SendMessage on that queue only). */
  setSignupQueue(queue: sqs.IQueue): void {
    this.handler.allow('queue/signups', [queue.queueArn]);
    this.handler.fn.addEnvironment(ENV.signupQueueUrl, queue.queueUrl);
  }
}
