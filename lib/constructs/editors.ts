import { Aws, Duration, Fn, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { EDITOR_ROLES } from '../../lambdas/core/editors';

/** Props of {@link Editors}. */
export interface EditorsProps {
  /**
   * The bases (without a trailing slash) the editor's desk is reached under: the API's own URL,
   * and its custom domain when there is one. Each gets `<base>/admin/callback` as a sign-in
   * callback and `<base>/admin/` as a sign-out URL.
   */
  readonly consoleBaseUrls: string[];
  /**
   * Lifetime of the access and ID tokens (Cognito allows 5 minutes to a day).
   * @default Duration.minutes(30)
   */
  readonly tokenValidity?: Duration;
  /**
   * Lifetime of the refresh token: how long a desk session lasts without signing in again.
   * @default Duration.hours(8)
   */
  readonly refreshTokenValidity?: Duration;
}

/** The path of the desk under the API, and where the managed login sends the browser back to. */
export const CONSOLE_PATH = '/admin';
export const CALLBACK_PATH = `${CONSOLE_PATH}/callback`;

/**
 * Sign-in for the editor's desk: a Cognito user pool of editors, its three role groups, the
 * managed login page on a Cognito prefix domain and the desk's app client. Only an owner with
 * AWS credentials adds people (`cli editors invite`); there is no self sign-up. Every editor
 * signs in with email, password and a TOTP app (MFA required, no SMS).
 *
 * The pool is kept when the stack is deleted and refuses deletion until that is turned off (as
 * the tables are): losing it loses every editor's second factor.
 */
export class Editors extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly domain: cognito.UserPoolDomain;
  /** The role groups by name (`owner`, `editor`, `viewer`). */
  readonly groups: Record<string, cognito.CfnUserPoolGroup>;
  /** `https://<prefix>.auth.<region>.amazoncognito.com`, the managed login's base. */
  readonly loginDomainUrl: string;
  /** The managed login page for the desk's client, returning to the first callback URL. */
  readonly signInUrl: string;
  /** Where the managed login returns to after sign-in, one per console base. */
  readonly callbackUrls: string[];

  constructor(scope: Construct, id: string, props: EditorsProps) {
    super(scope, id);
    if (props.consoleBaseUrls.length === 0) throw new Error('Editors: consoleBaseUrls is empty; give the API URL at least');
    const bases = props.consoleBaseUrls.map((u) => u.replace(/\/+$/, ''));

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      // Owners invite editors (AdminCreateUser); nobody signs themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      // An editor could change their own address with their token (a client cannot make a required
      // attribute unwritable: an empty WriteAttributes list means "all"). A new address counts only
      // once verified, so nobody is named by an address they do not hold; the console also needs
      // `email_verified` in the ID token (lambdas/console/sign-in.ts).
      keepOriginal: { email: true },
      mfa: cognito.Mfa.REQUIRED,
      // A TOTP app only: SMS needs an SNS sending role and a registered number, and can be
      // taken over by a SIM swap; email as a second factor would ride on the inbox the
      // password is reset through.
      mfaSecondFactor: { sms: false, otp: true, email: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        // The invitation's temporary password: long enough to see the mail after a weekend.
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 5,
      },
      // Essentials (Cognito's default for a new pool, free up to 10,000 monthly users): the
      // newer managed login and the password history above. Threat protection needs Plus, which has no
      // free tier; see the AwsSolutions-COG8 acknowledgement below.
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      userInvitation: {
        emailSubject: 'You are invited to the editor’s desk',
        emailBody:
          'You have been invited to the editor’s desk. Sign in with your email address {username} and the temporary password {####}; ' +
          'you will choose your own password and set up an authenticator app. The temporary password works for 3 days.',
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'Threat protection (the Plus feature plan) is billed for every monthly active user with no free tier; the few editors here ' +
        'are invited by an owner, and each signs in with a password of 14+ characters and a required TOTP second factor.',
    });

    // The role is the group: Cognito lists a user's groups in the ID and access tokens
    // (`cognito:groups`), lowest precedence first, so the desk reads the role from the token.
    this.groups = {};
    EDITOR_ROLES.forEach((role, precedence) => {
      this.groups[role] = new cognito.CfnUserPoolGroup(this, `Group${role[0].toUpperCase()}${role.slice(1)}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: role,
        precedence,
        description: ROLE_DESCRIPTIONS[role],
      });
    });

    // The prefix is global in the region, across every account: a fixed one may already be
    // taken, and a second stack of this app would collide with the first. The UUID at the end
    // of the stack's id is unique, stays the same for every update of this stack, and (hex and
    // hyphens only) can never contain "aws", "amazon" or "cognito", which Cognito refuses.
    const prefix = Fn.join('-', ['editors', Fn.select(2, Fn.split('/', Aws.STACK_ID))]);
    this.domain = this.userPool.addDomain('LoginDomain', {
      cognitoDomain: { domainPrefix: prefix },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    this.loginDomainUrl = this.domain.baseUrl();

    this.callbackUrls = bases.map((b) => `${b}${CALLBACK_PATH}`);
    this.client = this.userPool.addClient('DeskClient', {
      // A public client: the desk's sign-in runs the code flow with PKCE; a secret kept in a
      // function would add nothing the PKCE verifier does not already prove.
      generateSecret: false,
      // The managed login offers its password form only to a client that allows a password flow
      // (Cognito's "configure authentication methods for managed login"); no custom-challenge
      // flow. MFA is required whichever flow signs in.
      authFlows: { userSrp: true, userPassword: true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: this.callbackUrls,
        logoutUrls: bases.map((b) => `${b}${CONSOLE_PATH}/`),
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      accessTokenValidity: props.tokenValidity ?? Duration.minutes(30),
      idTokenValidity: props.tokenValidity ?? Duration.minutes(30),
      refreshTokenValidity: props.refreshTokenValidity ?? Duration.hours(8),
      // "Incorrect username or password" alike for an address with no account.
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    });

    // The newer managed login shows its pages only for a client with a branding style; without
    // one it answers "login pages unavailable". Cognito's own look, no assets to keep.
    new cognito.CfnManagedLoginBranding(this, 'LoginBranding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    this.signInUrl = this.domain.signInUrl(this.client, { redirectUri: this.callbackUrls[0] });
  }
}

const ROLE_DESCRIPTIONS: Record<(typeof EDITOR_ROLES)[number], string> = {
  owner: 'Sends, schedules and resumes; manages readers and editors.',
  editor: 'Writes, previews and sends tests.',
  viewer: 'Reads issues, articles and their figures.',
};
