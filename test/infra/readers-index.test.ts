/**
 * The readers index on Subscribers (every reader, whatever their state, in a few partitions
 * sorted by address): its keys and projection, that it is the only index this change adds
 * (CloudFormation adds one GSI per table per update), and that only the console, which counts and
 * searches readers through it, may Query it.
 */
import { indexFacts } from './subscribers-indexes';

const { on, subscribersIndexes } = indexFacts();

describe('the readers index', () => {
  it('keys Subscribers by a shard of the address, sorted by address, and projects what a count and a search row show', () => {
    // The mistake tried: a count attribute left out of the projection (the count would read it as missing).
    expect(subscribersIndexes().find((i) => i.IndexName === 'readers')).toEqual({
      IndexName: 'readers',
      KeySchema: [
        { AttributeName: 'readerShard', KeyType: 'HASH' },
        { AttributeName: 'email', KeyType: 'RANGE' },
      ],
      Projection: {
        ProjectionType: 'INCLUDE',
        NonKeyAttributes: ['status', 'suppressed', 'source', 'topics', 'subscriberId', 'createdAt', 'emailAsTyped'],
      },
    });
  });

  it('is the one index this change adds to Subscribers, last (CloudFormation creates one GSI per table per update)', () => {
    const deployed = ['bySubscriberId', 'digestAudience', 'alertAudience', 'digestByZone', 'byMailbox'];
    expect(subscribersIndexes().map((i) => i.IndexName)).toEqual([...deployed, 'readers']);
  });
});

describe('who may query it', () => {
  it('grants the console dynamodb:Query on <Subscribers>/index/readers', () => {
    expect(on('console', 'table/subscribers/index/readers')).toEqual(['dynamodb:Query']);
  });

  it('grants it to no other function', () => {
    for (const name of ['api', 'sender', 'digest-planner', 'alert-planner', 'signups', 'ses-events'] as const) {
      expect({ name, actions: on(name, 'table/subscribers/index/readers') }).toEqual({ name, actions: [] });
    }
  });
});
