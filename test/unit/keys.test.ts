import { audienceShard } from '../../lambdas/core/audience';
import {
  alertCapKey,
  audienceKeys,
  bucketKey,
  bucketStart,
  contentKey,
  erasedMarkerKey,
  isBookkeepingKey,
  pendingAlertsKey,
  sendingStateKey,
  smokeCampaignId,
  summaryKey,
} from '../../lambdas/core/keys';
import type { Subscriber } from '../../lambdas/core/model';
import { testDigest } from '../support/address-key';

describe('storage keys', () => {
  it('builds every format the tables hold', () => {
    expect(contentKey('article', 'a1')).toBe('article#a1');
    expect(contentKey('issue', '2026-48')).toBe('issue#2026-48');
    expect(erasedMarkerKey('a@example.com', testDigest)).toMatch(/^erased#[0-9a-f]{64}$/);
    expect(summaryKey('2026-48')).toEqual({ campaignId: '2026-48', subscriberId: '#summary' });
    expect(pendingAlertsKey('r1')).toEqual({ campaignId: '#pending-alerts', subscriberId: 'r1' });
    expect(alertCapKey('2026-11-30', 'r1')).toEqual({ campaignId: 'alertcap#2026-11-30', subscriberId: 'r1' });
    expect(sendingStateKey()).toEqual({ campaignId: '#sending', subscriberId: '#state' });
    expect(smokeCampaignId('2026-48', new Date('2026-11-30T09:00:00Z'))).toBe('smoke#2026-48#2026-11-30T09:00:00.000Z');
  });

  it('refuses an alert-cap day that is not YYYY-MM-DD', () => {
    expect(() => alertCapKey('30/11/2026', 'r1')).toThrow(/YYYY-MM-DD/);
  });

  it('names an hour bucket so that keys sort in time order and read back as their start', () => {
    const start = Date.parse('2026-11-30T09:00:00Z');
    expect(bucketKey(start)).toBe('bucket#2026-11-30T09:00:00.000Z');
    expect(bucketStart(bucketKey(start))).toBe(start);
    expect(bucketKey(start) < bucketKey(start + 3_600_000)).toBe(true);
  });

  it('tells bookkeeping items from ledger entries by the leading #', () => {
    expect(isBookkeepingKey('#summary')).toBe(true);
    expect(isBookkeepingKey('#pending-alerts')).toBe(true);
    expect(isBookkeepingKey('2026-48')).toBe(false);
  });

  it('puts a subscriber in the audience indexes its state calls for, and no other', () => {
    const base: Pick<Subscriber, 'subscriberId' | 'status' | 'digest' | 'alerts' | 'suppressed'> = {
      subscriberId: 's1',
      status: 'confirmed',
      digest: true,
      alerts: false,
    };
    const shard = audienceShard('s1');
    // No zone stored reads as UTC (core/local-time.ts zoneKey).
    const zone = { digestZone: 'UTC', digestZoneSince: '0#s1' };
    expect(audienceKeys(base)).toEqual({ digestShard: shard, ...zone });
    expect(audienceKeys({ ...base, alerts: true })).toEqual({ digestShard: shard, alertShard: shard, ...zone });
    expect(audienceKeys({ ...base, digest: false, alerts: true })).toEqual({ alertShard: shard });
    expect(audienceKeys({ ...base, suppressed: true })).toEqual({});
    expect(audienceKeys({ ...base, status: 'pending' })).toEqual({});
  });
});
