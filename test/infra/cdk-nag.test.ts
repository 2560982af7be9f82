/**
 * cdk-nag as a test. cdk-nag 3 is a policy-validation plugin: its findings go to the
 * validation report at synth, not to stack annotations, so the test runs the pack directly
 * on the stack (`validateScope`, which honours `Validations.of(...).acknowledge(...)`).
 */
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { build } from './synth';

/** Unacknowledged AwsSolutions errors and warnings, one line each with where they are. */
function findings(context: Record<string, unknown> = {}): string[] {
  const { app, stack } = build(context);
  const report = new AwsSolutionsChecks(app).validateScope(stack);
  return report.violations
    .filter((v) => v.severity === 'error' || v.severity === 'warning')
    .map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

describe('cdk-nag AwsSolutions', () => {
  it('finds no unacknowledged errors or warnings in the stack', () => {
    expect(findings()).toEqual([]);
  });

  it('finds none either with every optional setting given (alarm mail, public URL)', () => {
    expect(findings({ alarmEmail: 'ops@example.org', publicBaseUrl: 'https://news.example.org' })).toEqual([]);
  });

  it('finds none with a hosted zone, a custom API domain, DMARC reports, an existing identity or an imported token secret', () => {
    const zone = { hostedZoneId: 'Z0123456789EXAMPLE', hostedZoneName: 'example.com' };
    expect(findings({ ...zone, apiDomainName: 'news.example.com', dmarcReportEmail: 'dmarc@example.com' })).toEqual([]);
    expect(
      findings({
        existingIdentity: true,
        tokenSecretName: 'Briefing/token-keys',
        apiDomainName: 'news.example.com',
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abcd-1234',
      }),
    ).toEqual([]);
  });

  it('still reports a rule that is not acknowledged (the check is live)', () => {
    const { app } = build();
    // A stack beside ours, with a queue that has no dead-letter queue and allows plain HTTP.
    const other = new Stack(app, 'Other');
    new Queue(other, 'Plain');
    const rules = new AwsSolutionsChecks(app).validateScope(other).violations.map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });

  it('leaves no error annotations on the stack', () => {
    const { stack } = build();
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });
});
