/**
 * Which Content stream records start the alert planner: a new breaking article, or an
 * article that just became breaking. Edits of an article that already was breaking (and the
 * planner's own `alertedAt` mark) do not match, so an article alerts once.
 *
 * One definition for both sides: the CDK construct turns these into the event source's
 * filter criteria on AWS, and the local stream poller applies the same patterns.
 */
export const ALERT_STREAM_FILTERS: readonly Record<string, unknown>[] = [
  {
    eventName: ['INSERT'],
    dynamodb: { NewImage: { kind: { S: ['article'] }, priority: { S: ['breaking'] } } },
  },
  {
    eventName: ['MODIFY'],
    dynamodb: {
      NewImage: { kind: { S: ['article'] }, priority: { S: ['breaking'] } },
      OldImage: { priority: { S: [{ 'anything-but': ['breaking'] }] } },
    },
  },
];
