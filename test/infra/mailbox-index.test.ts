/**
 * The byMailbox index on Subscribers (every stored form of one inbox, so that a "no" said under
 * one form keeps out the others): its keys and projection, that it is the only index this change
 * adds (CloudFormation adds one GSI per table per update), and that the sign-ups and ses-events
 * functions, which query it, may Query that index and the functions that never look up an inbox may not.
 */
import { indexFacts } from './subscribers-indexes';

const { on, subscribersIndexes } = indexFacts();

describe('the byMailbox index', () => {
  it('keys Subscribers by inbox and projects what tells a "no" (status, suppression, its times), nothing more', () => {
    expect(subscribersIndexes().find((i) => i.IndexName === 'byMailbox')).toEqual({
      IndexName: 'byMailbox',
      KeySchema: [{ AttributeName: 'mailbox', KeyType: 'HASH' }],
      Projection: {
        ProjectionType: 'INCLUDE',
        NonKeyAttributes: ['status', 'suppressed', 'suppressedReason', 'unsubscribedAt', 'declinedAt', 'confirmationSentAt'],
      },
    });
  });

  it('is the one index this change adds to Subscribers, last (CloudFormation creates one GSI per table per update)', () => {
    // The mistake tried: a second new index in the same deploy, or the new one put between deployed ones.
    const deployed = ['bySubscriberId', 'digestAudience', 'alertAudience', 'digestByZone'];
    // Indexes added by later changes come after it, each in its own deploy (test/infra/readers-index.test.ts).
    const later = ['readers'];
    expect(subscribersIndexes().map((i) => i.IndexName)).toEqual([...deployed, 'byMailbox', ...later]);
  });
});

describe('who may query it', () => {
  it('grants the sign-ups function dynamodb:Query on <Subscribers>/index/byMailbox', () => {
    expect(on('signups', 'table/subscribers/index/byMailbox')).toEqual(['dynamodb:Query']);
  });

  it('grants the ses-events function dynamodb:Query on it: a bounce or complaint suppresses every form of the inbox', () => {
    // The mistake tried: the use-case queries the index while its role may not (AccessDenied on every complaint).
    expect(on('ses-events', 'table/subscribers/index/byMailbox')).toEqual(['dynamodb:Query']);
  });

  it('grants it to no other function: the API reads nothing about an address, the planners and the sender no inbox', () => {
    for (const name of ['api', 'sender', 'digest-planner', 'alert-planner'] as const) {
      expect({ name, actions: on(name, 'table/subscribers/index/byMailbox') }).toEqual({ name, actions: [] });
    }
  });
});
