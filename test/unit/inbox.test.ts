import { toSubscriberItem, fromSubscriberItem } from '../../lambdas/adapters/dynamodb/subscriber-store';
import { mailboxDigest } from '../../lambdas/core/address';
import { otherFormsSaidNo } from '../../lambdas/core/inbox';
import { testDigest } from '../support/address-key';
import { plainSubscriber } from './fixtures';

describe('one inbox, many forms', () => {
  it('stores every address item with its inbox, and reads it back without it', () => {
    // The mistakes tried: a +tag, Gmail dots and the googlemail.com alias each indexed as their own inbox.
    for (const email of ['j.o.h.n.d.o.e+z@gmail.com', 'JohnDoe@googlemail.com', 'john.doe@gmail.com']) {
      expect(toSubscriberItem(plainSubscriber(email))).toMatchObject({ mailbox: 'johndoe@gmail.com' });
    }
    expect(toSubscriberItem(plainSubscriber('ann.reader+news@example.org'))).toMatchObject({ mailbox: 'ann.reader@example.org' });
    expect(fromSubscriberItem(toSubscriberItem(plainSubscriber('ann@example.org')))).not.toHaveProperty('mailbox');
  });

  it("leaves the address's own item out, and puts a suppressed form before unsubscribed ones", () => {
    const own = { email: 'johndoe@gmail.com', status: 'unsubscribed' as const };
    // Its own "no" is its own use-case's business (the cooling period, a resubscription), not another form's.
    expect(otherFormsSaidNo([own], 'johndoe@gmail.com')).toBeUndefined();
    const left = { email: 'john.doe@gmail.com', status: 'unsubscribed' as const };
    const bounced = { email: 'j.doe@gmail.com', status: 'confirmed' as const, suppressed: true, suppressedReason: 'bounce' as const };
    const fine = { email: 'johndoe+x@gmail.com', status: 'confirmed' as const };
    expect(otherFormsSaidNo([own, fine], 'johndoe@gmail.com')).toBeUndefined();
    expect(otherFormsSaidNo([own, left, fine], 'johndoe@gmail.com')).toEqual({ unsubscribed: [left] });
    expect(otherFormsSaidNo([left, bounced], 'johndoe@gmail.com')).toEqual({ suppressed: bounced });
  });

  it("keys an inbox's erasure marker apart from any address's own digest", () => {
    // An inbox marker equal to an address digest would let one erasure stand for another address.
    expect(mailboxDigest('john.doe+x@gmail.com', testDigest)).toBe(mailboxDigest('JohnDoe@googlemail.com', testDigest));
    expect(mailboxDigest('johndoe@gmail.com', testDigest)).not.toBe(testDigest('johndoe@gmail.com'));
  });
});
