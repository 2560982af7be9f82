/** What the unit tests of message building share: the sender's settings and a signing key set. */
import { parseSigningKeys } from '../../lambdas/core/tokens';
import type { SenderSettings } from '../../lambdas/usecases/digest-campaign';

/** A sender as the stack would configure it (no configuration set, default click tracking). */
export const senderSettings: SenderSettings = {
  senderEmail: 'brief@example.org',
  senderName: 'Brief',
  publicBaseUrl: 'https://brief.example.org',
  organisationName: 'Sample Publishers',
  postalAddress: '1 Sample Street, 1000 Brussels, Belgium',
};

/** One signing key, `k1`. */
export const signingKeys = parseSigningKeys(JSON.stringify({ current: 'k1', k1: 'unit-signing-key-0123456789abcdef0123456789' }));
