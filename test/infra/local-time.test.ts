/**
 * Local-time delivery in the template: the digest-by-zone index (the only index this change
 * adds: CloudFormation adds one GSI per table per update), and the planner's schedule in both
 * modes.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { readConfig } from '../../lib/config';
import { defaults, synth } from './synth';

const template = synth();

function subscribersIndexes(t: Template): { IndexName: string; KeySchema: unknown; Projection: unknown }[] {
  const tables = Object.entries(t.findResources('AWS::DynamoDB::Table')).filter(([id]) => /^StorageSubscribers[0-9A-F]{8}$/.test(id));
  expect(tables).toHaveLength(1);
  return tables[0][1].Properties.GlobalSecondaryIndexes;
}

function plannerEnv(t: Template): Record<string, string> {
  const fns = Object.values(t.findResources('AWS::Lambda::Function')).filter((f) =>
    String(f.Properties.Description ?? '').includes('queues its audience'),
  );
  expect(fns).toHaveLength(1);
  return fns[0].Properties.Environment.Variables;
}

describe('the digest-by-zone index', () => {
  it('keys the digest audience by zone and move time, projecting the address and id', () => {
    expect(subscribersIndexes(template).find((i) => i.IndexName === 'digestByZone')).toEqual({
      IndexName: 'digestByZone',
      KeySchema: [
        { AttributeName: 'digestZone', KeyType: 'HASH' },
        { AttributeName: 'digestZoneSince', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['email', 'subscriberId'] },
    });
  });

  it('is the one index this change added to Subscribers (CloudFormation creates one GSI per table per update)', () => {
    const before = ['bySubscriberId', 'digestAudience', 'alertAudience'];
    const names = subscribersIndexes(template).map((i) => i.IndexName);
    // Indexes added by later changes come after it, each in its own deploy (test/infra/mailbox-index.test.ts).
    const later = ['byMailbox', 'readers'];
    expect(names.filter((n) => !before.includes(n) && !later.includes(n))).toEqual(['digestByZone']);
    expect(names.slice(0, before.length + 1)).toEqual([...before, 'digestByZone']);
  });
});

describe('the planner schedule in each delivery mode', () => {
  it('schedule mode (the default): the weekly cron in its zone, the planner told so', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: defaults.scheduleCron,
      ScheduleExpressionTimezone: defaults.timeZone,
    });
    expect(plannerEnv(template)).toMatchObject({ DIGEST_DELIVERY: 'schedule' });
  });

  it('local-time mode: every 15 minutes in UTC, and the planner gets the local hour', () => {
    const t = synth({ digestDelivery: 'local-time', digestLocalTime: '06:30' });
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0/15 * * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      Target: Match.objectLike({ Input: '{}', RetryPolicy: Match.objectLike({ MaximumEventAgeInSeconds: 900 }) }),
    });
    expect(t.findResources('AWS::Scheduler::Schedule', { Properties: { ScheduleExpression: defaults.scheduleCron } })).toEqual({});
    expect(plannerEnv(t)).toMatchObject({ DIGEST_DELIVERY: 'local-time', DIGEST_LOCAL_TIME: '06:30' });
    // The welcome (the API function) tells each reader the hour on their own clock.
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ DIGEST_SCHEDULE_CRON: Match.anyValue(), DIGEST_DELIVERY: 'local-time', DIGEST_LOCAL_TIME: '06:30' }),
      },
      Description: Match.not(Match.stringLikeRegexp('queues its audience')),
    });
  });
});

describe("the API function is told the delivery mode (the subscribe page's digest wording)", () => {
  const apiEnv = (t: Template): Record<string, string> => {
    const fns = Object.values(t.findResources('AWS::Lambda::Function')).filter((f) =>
      String(f.Properties.Description ?? '').startsWith('Serves the subscribe'),
    );
    expect(fns).toHaveLength(1);
    return fns[0].Properties.Environment.Variables;
  };

  it('schedule mode: DIGEST_DELIVERY=schedule and no local hour', () => {
    expect(apiEnv(template)).toMatchObject({ DIGEST_DELIVERY: 'schedule' });
    expect(apiEnv(template)).not.toHaveProperty('DIGEST_LOCAL_TIME');
  });

  it('local-time mode: DIGEST_DELIVERY=local-time with the local hour', () => {
    expect(apiEnv(synth({ digestDelivery: 'local-time', digestLocalTime: '06:30' }))).toMatchObject({
      DIGEST_DELIVERY: 'local-time',
      DIGEST_LOCAL_TIME: '06:30',
    });
  });
});

describe('the settings', () => {
  const read = (overrides: Record<string, unknown>) => readConfig((key) => (key in overrides ? overrides[key] : defaults[key]));

  it('defaults to the weekly schedule at 07:00', () => {
    expect(read({})).toMatchObject({ digestDelivery: 'schedule', digestLocalTime: '07:00' });
  });

  it('refuses a mode that is neither schedule nor local-time (localtime), naming both', () => {
    expect(() => read({ digestDelivery: 'localtime' })).toThrow(/digestDelivery must be schedule or local-time/);
  });

  it.each([['7:00'], ['25:00'], ['07:5']])('refuses the local time %j, asking for HH:MM', (bad) => {
    expect(() => read({ digestLocalTime: bad })).toThrow(/digestLocalTime must be HH:MM/);
  });
});
