/**
 * Order as CloudFormation sees it: a resource that names another by a plain string must
 * depend on it. The walk (template-order.ts) is shown to catch the stage shape that broke
 * deploys, and an API mapping naming its stage, and then to find nothing in the real stack,
 * with and without every optional setting.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { unorderedReferences } from './template-order';
import { synth, ZONE } from './synth';

/** An HTTP API with POST /subscribe and a hand-made $default stage throttling it, as api.ts had it. */
function oldStageShape(withDependency: boolean) {
  const stack = new Stack();
  const api = new apigwv2.HttpApi(stack, 'HttpApi', { createDefaultStage: false });
  const [route] = api.addRoutes({
    path: '/subscribe',
    methods: [apigwv2.HttpMethod.POST],
    integration: new HttpUrlIntegration('Url', 'https://backend.example.org'),
  });
  const stage = new apigwv2.HttpStage(stack, 'DefaultStage', { httpApi: api, stageName: '$default', autoDeploy: true });
  (stage.node.defaultChild as apigwv2.CfnStage).routeSettings = { 'POST /subscribe': { ThrottlingRateLimit: 2, ThrottlingBurstLimit: 10 } };
  if (withDependency) stage.node.addDependency(route);
  return { stack, template: Template.fromStack(stack).toJSON() };
}

describe('plain-string references without a dependency', () => {
  it('reports the old stage shape: RouteSettings names POST /subscribe, and nothing orders the stage after the route', () => {
    const { stack, template } = oldStageShape(false);
    const stageId = stack.getLogicalId(stack.node.findChild('DefaultStage').node.defaultChild as apigwv2.CfnStage);
    const found = unorderedReferences(template);
    expect(found).toEqual([expect.objectContaining({ from: stageId, name: 'POST /subscribe', at: 'RouteSettings.POST /subscribe' })]);
    expect(template.Resources[found[0].to].Type).toBe('AWS::ApiGatewayV2::Route');
  });

  it('finds nothing once the stage depends on the route', () => {
    expect(unorderedReferences(oldStageShape(true).template)).toEqual([]);
  });

  it('reports an API mapping that names its stage ($default) by a plain string without a dependency', () => {
    const stack = new Stack();
    const api = new apigwv2.HttpApi(stack, 'HttpApi', { createDefaultStage: false });
    new apigwv2.CfnStage(stack, 'Stage', { apiId: api.apiId, stageName: '$default' });
    new apigwv2.CfnApiMapping(stack, 'Mapping', { apiId: api.apiId, domainName: 'api.example.org', stage: '$default' });
    expect(unorderedReferences(Template.fromStack(stack).toJSON())).toEqual([
      expect.objectContaining({ from: 'Mapping', to: 'Stage', name: '$default' }),
    ]);
  });

  it('reports a policy that writes a fixed secret name into an ARN, and accepts it through a chain of DependsOn', () => {
    const template = {
      Resources: {
        Secret: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'Briefing/token-keys' } },
        Policy: {
          Type: 'AWS::IAM::ManagedPolicy',
          Properties: {
            PolicyDocument: {
              Statement: [{ Resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:Briefing/token-keys-??????' }],
            },
          },
        },
        Middle: { Type: 'AWS::CloudFormation::WaitConditionHandle', DependsOn: 'Secret' },
      },
    };
    expect(unorderedReferences(template)).toEqual([expect.objectContaining({ from: 'Policy', to: 'Secret' })]);
    const ordered = { Resources: { ...template.Resources, Policy: { ...template.Resources.Policy, DependsOn: ['Middle'] } } };
    expect(unorderedReferences(ordered)).toEqual([]);
  });

  it('finds nothing in the stack with cdk.json settings', () => {
    expect(unorderedReferences(synth().toJSON())).toEqual([]);
  });

  it('finds nothing in the stack with a hosted zone, a custom API domain and every DNS record', () => {
    const template = synth({ ...ZONE, apiDomainName: 'news.example.com', dmarcReportEmail: 'dmarc@example.com' }).toJSON();
    // The walk had something to check: the stage's route key, the mapping's stage, the secret's name.
    expect(Object.values(template.Resources).map((r) => (r as { Type: string }).Type)).toEqual(
      expect.arrayContaining(['AWS::ApiGatewayV2::ApiMapping', 'AWS::ApiGatewayV2::Stage', 'AWS::SecretsManager::Secret']),
    );
    expect(unorderedReferences(template)).toEqual([]);
  });
});
