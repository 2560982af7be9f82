/**
 * Where the token signing keys come from: Secrets Manager on AWS (TOKEN_SECRET_ARN, cached for
 * five minutes so a rotation reaches warm functions), the TOKEN_KEYS variable locally.
 */
import { parseSigningKeys, type SigningKeys } from '../core/tokens';
import { secretsProvider } from './clients';

export function signingKeysLoader(env: { tokenSecretArn?: string; tokenKeys?: string }): () => Promise<SigningKeys> {
  if (env.tokenSecretArn) {
    const arn = env.tokenSecretArn;
    return async () => {
      const value = await secretsProvider().get(arn, { maxAge: 300 });
      if (typeof value !== 'string') throw new Error('token signing secret has no string value');
      return parseSigningKeys(value);
    };
  }
  if (env.tokenKeys) {
    const keys = parseSigningKeys(env.tokenKeys);
    return () => Promise.resolve(keys);
  }
  throw new Error('Invalid function configuration: set TOKEN_SECRET_ARN (AWS) or TOKEN_KEYS (local)');
}
