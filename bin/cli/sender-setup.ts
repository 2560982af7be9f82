/**
 * The sender's settings and signing keys, as a CLI command that composes real messages needs
 * them (`send-test`, `preview`, `smoke`): locally, the environment the local runtime set for its
 * handlers; for a deployed stack, the stack's outputs and its token secret.
 */
import { randomBytes } from 'node:crypto';
import { outputKey, stackOutputs, type OptionalOutput } from '../../lib/aws-target';
import { readEnv } from '../../lambdas/core/env';
import { parseSigningKeys, type SigningKeys } from '../../lambdas/core/tokens';
import type { MailSettings } from '../../lambdas/core/mail-settings';
import { signingKeysLoader } from '../../lambdas/wiring';

export interface SenderSetup {
  settings: MailSettings;
  keys: SigningKeys;
  /** Said before acting, e.g. how the links are signed. */
  notes: string[];
}

/** The local sender's settings: the environment the local runtime set for its handlers (inside withTarget). */
export function localSenderSetup(): Promise<SenderSetup> {
  const env = readEnv([
    'senderEmail',
    'senderName',
    'publicBaseUrl',
    'configurationSet',
    'tokenKeys',
    'organisationName',
    'postalAddress',
    'replyToEmail',
    'clickTracking',
  ]);
  return Promise.resolve({
    settings: {
      senderEmail: env.senderEmail,
      senderName: env.senderName,
      publicBaseUrl: env.publicBaseUrl,
      configurationSet: env.configurationSet,
      organisationName: env.organisationName,
      postalAddress: env.postalAddress,
      replyToEmail: env.replyToEmail,
      clickTracking: env.clickTracking,
    },
    keys: parseSigningKeys(env.tokenKeys!),
    notes: [],
  });
}

/**
 * The deployed sender's own settings, from the stack's outputs: the real From, footer identity,
 * Reply-To, configuration set and link base, so the message is the one readers get. `command`
 * names the command in the "redeploy" message of a stack that lacks an output; `overrides`
 * replace what a command sets itself (smoke's identity and plain links).
 */
export async function deployedSenderSetup(
  stack: string,
  command: string,
  overrides: Partial<Pick<MailSettings, 'organisationName' | 'postalAddress' | 'clickTracking'>> = {},
): Promise<SenderSetup> {
  const out = await stackOutputs(stack);
  const o = out.optional;
  const need = (name: OptionalOutput): string => {
    const v = o[name];
    if (!v) throw new Error(`stack ${stack} has no ${outputKey(name)} output: redeploy it (\`npx cdk deploy\`) before \`${command}\``);
    return v;
  };
  const notes: string[] = [];
  let keys: SigningKeys;
  if (o.tokenSecretName) {
    keys = await signingKeysLoader({ tokenSecretArn: o.tokenSecretName })();
  } else {
    keys = parseSigningKeys(JSON.stringify({ current: 'once', once: randomBytes(32).toString('base64url') }));
    notes.push(
      `the stack has no ${outputKey('tokenSecretName')} output: the links are signed with a one-off key (the API will call them invalid)`,
    );
  }
  return {
    settings: {
      senderEmail: need('senderEmail'),
      // Empty: the newsletter's name, the stack's default (prepareTestCampaign, sendSmoke).
      senderName: o.senderName ?? '',
      publicBaseUrl: o.publicBaseUrl ?? out.apiUrl,
      configurationSet: need('configurationSetName'),
      organisationName: overrides.organisationName ?? need('organisationName'),
      postalAddress: overrides.postalAddress ?? need('postalAddress'),
      replyToEmail: o.replyToEmail,
      ...(overrides.clickTracking && { clickTracking: overrides.clickTracking }),
    },
    keys,
    notes,
  };
}
