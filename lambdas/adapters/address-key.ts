/**
 * Where the address key comes from (core/address.ts `addressDigest`): Secrets Manager on AWS
 * (ADDRESS_KEY_SECRET_ARN; the stack's `<stack>/address-key`, never rotated, cached for an hour),
 * the ADDRESS_KEY variable locally. Erasure markers and the sign-up limits are stored as digests
 * made with it, so losing it would let an erased address back in: the secret outlives the stack.
 */
import { addressDigest, type AddressDigest } from '../core/address';
import { secretsProvider } from './clients';

export function addressDigestLoader(env: { addressKeySecretArn?: string; addressKey?: string }): () => Promise<AddressDigest> {
  if (env.addressKeySecretArn) {
    const arn = env.addressKeySecretArn;
    let made: { value: string; digest: AddressDigest } | undefined;
    return async () => {
      const value = await secretsProvider().get(arn, { maxAge: 3600 });
      if (typeof value !== 'string') throw new Error('address key secret has no string value');
      if (made?.value !== value) made = { value, digest: addressDigest(value) };
      return made.digest;
    };
  }
  if (env.addressKey) {
    const digest = addressDigest(env.addressKey);
    return () => Promise.resolve(digest);
  }
  throw new Error('Invalid function configuration: set ADDRESS_KEY_SECRET_ARN (AWS) or ADDRESS_KEY (local)');
}
