/**
 * Route throttling of the HTTP API: the stage's default route throttling (each route on its own),
 * a tight limit on POST /subscribe, higher limits of their own on the links people act on from
 * mail (POST /unsubscribe, the RFC 8058 one-click target, and POST /confirm), and the stage created
 * after every route its RouteSettings name (they name routes by plain strings).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Api } from '../../lib/constructs/api';
import { Storage } from '../../lib/constructs/storage';
import { synth } from './synth';

const template = synth().toJSON() as {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] }>;
};
const [stageId, stage] = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::ApiGatewayV2::Stage')!;
const routeId = (key: string) =>
  Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties.RouteKey === key)![0];

describe('route throttling', () => {
  it('throttles every route by default at 20 a second, bursts of 50 (a limit per route)', () => {
    expect(stage.Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 50 });
  });

  it('gives POST /subscribe 2 a second (bursts of 10), and POST /unsubscribe and POST /confirm 20 (bursts of 50) each', () => {
    expect(stage.Properties.RouteSettings).toEqual({
      'POST /subscribe': { ThrottlingRateLimit: 2, ThrottlingBurstLimit: 10 },
      'POST /unsubscribe': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 50 },
      'POST /confirm': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 50 },
    });
  });

  it('creates the stage after each route its RouteSettings name', () => {
    const routes = Object.keys(stage.Properties.RouteSettings as object).map(routeId);
    expect(routes).toHaveLength(3);
    expect(stage.DependsOn).toEqual(expect.arrayContaining(routes));
    expect(stageId).toMatch(/^ApiDefaultStage/);
  });

  it('refuses limits on the links that are not above those on POST /subscribe', () => {
    // Bundling skipped, as for the stack: the construct throws on its props, not on its code.
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
    const { subscribers } = new Storage(stack, 'Storage');
    expect(() => new Api(stack, 'Api', { subscribersTable: subscribers, linkThrottleRate: 2 })).toThrow(
      /POST \/unsubscribe and POST \/confirm must be throttled less than POST \/subscribe/,
    );
    expect(() => new Api(stack, 'Api2', { subscribersTable: subscribers, subscribeThrottleBurst: 60 })).toThrow(/must be throttled less/);
  });
});
