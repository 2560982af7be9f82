import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/core/function-env';
import type { BriefingFunction } from './briefing-function';

/** Props of {@link AddressKey}. */
export interface AddressKeyProps {
  /**
   * Name of an address key secret to import instead of creating one: the secret a destroyed
   * deployment left behind, so addresses erased before stay refused.
   * @default - a secret named `<stack name>/address-key` is created
   */
  readonly secretName?: string;
}

/**
 * The address key: the secret the keyed digests of addresses are made with (core/address.ts):
 * the erasure markers, and the sign-up limits' keys. Never rotated, since a new key would make
 * every erasure marker unreadable and let erased addresses back in; kept when the stack is
 * deleted or the secret replaced, and imported by name by a later deployment
 * (`-c addressKeySecretName=<AddressKeySecretName output>`), as the token key secret is.
 */
export class AddressKey extends Construct {
  readonly secret: secretsmanager.ISecret;
  readonly secretName: string;
  /**
   * The ARN a policy names the secret by: its own ARN, or for a secret imported by name the name
   * followed by `-??????` (Secrets Manager appends six random characters to a secret's ARN).
   */
  readonly policyArn: string;

  constructor(scope: Construct, id: string, props: AddressKeyProps = {}) {
    super(scope, id);
    if (props.secretName) {
      this.secretName = props.secretName;
      this.secret = secretsmanager.Secret.fromSecretNameV2(this, 'Secret', props.secretName);
      this.policyArn = `${this.secret.secretArn}-??????`;
      return;
    }
    this.secretName = `${Stack.of(this).stackName}/address-key`;
    const secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: this.secretName,
      description:
        'Keys the digests of erased addresses and of the sign-up limits. Never rotate it: erased addresses would be let back in.',
      generateSecretString: { excludePunctuation: true, passwordLength: 64 },
      // As the token key secret: kept on delete and replacement, but not when the deployment
      // that created it rolls back (no digest was ever made with it then).
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The address key must never change: the erasure markers made with it would stop matching, and erased addresses could sign up again.',
    });
    this.secret = secret;
    this.policyArn = secret.secretArn;
  }

  /** Let `fn` read the key (GetSecretValue only, as the permissions table says), and tell it where it is. */
  grantRead(fn: BriefingFunction): void {
    fn.allow('secret/address-key', [this.policyArn]);
    fn.fn.addEnvironment(ENV.addressKeySecretArn, this.secret.secretArn);
  }
}
