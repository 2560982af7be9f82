/**
 * Sign-in for the editor's desk (lib/constructs/editors.ts), read as CloudFormation will: the
 * user pool takes no self sign-up and requires a TOTP second factor, the app client runs the
 * code flow only and returns to the API's /admin/callback, the managed login's prefix is not a
 * constant (the prefix is global in a region: a fixed one collides with a second stack), and the
 * three role groups exist. Each assertion names the mistake it catches.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { EDITOR_ROLES } from '../../lambdas/core/editors';
import { idOf, outputs } from './lookup';
import { synth, ZONE } from './synth';

const template = synth();
const only = <T>(found: Record<string, T>): T => {
  const values = Object.values(found);
  expect(values).toHaveLength(1);
  return values[0];
};
const pool = () => only(template.findResources('AWS::Cognito::UserPool'));
const client = () => only(template.findResources('AWS::Cognito::UserPoolClient'));
const domain = () => only(template.findResources('AWS::Cognito::UserPoolDomain'));

describe("editors' user pool", () => {
  it('lets only an administrator create accounts (a self sign-up would let anyone in)', () => {
    expect(pool().Properties.AdminCreateUserConfig.AllowAdminCreateUserOnly).toBe(true);
  });

  it('requires MFA, with an authenticator app only (no SMS, no email code)', () => {
    expect(pool().Properties.MfaConfiguration).toBe('ON');
    expect(pool().Properties.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
  });

  it('signs in by email, recovers by email only, and asks for a strong password', () => {
    const p = pool().Properties;
    expect(p.UsernameAttributes).toEqual(['email']);
    expect(p.AccountRecoverySetting).toEqual({ RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] });
    expect(p.Policies.PasswordPolicy).toMatchObject({
      RequireLowercase: true,
      RequireUppercase: true,
      RequireNumbers: true,
      RequireSymbols: true,
    });
    expect(p.Policies.PasswordPolicy.MinimumLength).toBeGreaterThanOrEqual(12);
  });

  it('is kept when the stack is deleted or the pool replaced, and refuses deletion (as the tables)', () => {
    const p = pool();
    expect(p.DeletionPolicy).toBe('Retain');
    expect(p.UpdateReplacePolicy).toBe('Retain');
    expect(p.Properties.DeletionProtection).toBe('ACTIVE');
  });

  it('stays on the Essentials plan: no threat protection, which needs the paid Plus plan', () => {
    expect(pool().Properties.UserPoolTier).toBe('ESSENTIALS');
    expect(pool().Properties.UserPoolAddOns).toBeUndefined();
  });

  it('has the three role groups, owner first', () => {
    const groups = Object.values(template.findResources('AWS::Cognito::UserPoolGroup')).map((g) => [
      g.Properties.GroupName,
      g.Properties.Precedence,
    ]);
    expect(groups.sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual(EDITOR_ROLES.map((role, i) => [role, i]));
  });
});

describe("the desk's app client", () => {
  it('runs the authorization-code flow only (no implicit flow, no client credentials)', () => {
    expect(client().Properties.AllowedOAuthFlows).toEqual(['code']);
    expect(client().Properties.AllowedOAuthFlowsUserPoolClient).toBe(true);
  });

  it('is a public client (PKCE, no secret) with the openid, email and profile scopes', () => {
    expect(client().Properties.GenerateSecret).toBe(false);
    expect([...client().Properties.AllowedOAuthScopes].sort()).toEqual(['email', 'openid', 'profile']);
  });

  it('has no custom-challenge flow (a Lambda-defined challenge could skip the second factor)', () => {
    expect(client().Properties.ExplicitAuthFlows).not.toContain('ALLOW_CUSTOM_AUTH');
    expect(client().Properties.ExplicitAuthFlows).toEqual(expect.arrayContaining(['ALLOW_REFRESH_TOKEN_AUTH']));
  });

  it('keeps the verified address until a new one is verified (an unverified address would name an editor in the audit log)', () => {
    expect(pool().Properties.UserAttributeUpdateSettings).toEqual({ AttributesRequireVerificationBeforeUpdate: ['email'] });
  });

  it("returns to the API's /admin/callback and signs out to /admin/", () => {
    const api = idOf(template, 'AWS::ApiGatewayV2::Api', 'ApiHttpApi');
    const at = (path: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [api, 'ApiEndpoint'] }, path]] });
    expect(client().Properties.CallbackURLs).toEqual([at('/admin/callback')]);
    expect(client().Properties.LogoutURLs).toEqual([at('/admin/')]);
  });

  it("also returns to the API's custom domain when there is one", () => {
    const c = only(synth({ ...ZONE, apiDomainName: 'news.example.com' }).findResources('AWS::Cognito::UserPoolClient'));
    expect(c.Properties.CallbackURLs).toContain('https://news.example.com/admin/callback');
    expect(c.Properties.LogoutURLs).toContain('https://news.example.com/admin/');
  });

  it('issues short-lived tokens, a refresh token of hours, revocable, without telling which accounts exist', () => {
    const p = client().Properties;
    expect(p.TokenValidityUnits).toEqual({ AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' });
    for (const minutes of [p.AccessTokenValidity, p.IdTokenValidity]) {
      expect(minutes).toBeGreaterThanOrEqual(15);
      expect(minutes).toBeLessThanOrEqual(60);
    }
    expect(p.RefreshTokenValidity).toBeGreaterThanOrEqual(60);
    expect(p.RefreshTokenValidity).toBeLessThanOrEqual(24 * 60);
    expect(p.EnableTokenRevocation).toBe(true);
    expect(p.PreventUserExistenceErrors).toBe('ENABLED');
  });

  it('has a branding style, without which the newer managed login shows no page', () => {
    const branding = only(template.findResources('AWS::Cognito::ManagedLoginBranding'));
    expect(branding.Properties.ClientId).toEqual({ Ref: idOf(template, 'AWS::Cognito::UserPoolClient', 'EditorsUserPoolDeskClient') });
    expect(domain().Properties.ManagedLoginVersion).toBe(2);
  });
});

describe('the managed login domain', () => {
  it('takes its prefix from the stack id, not a constant a second stack (or another account) would collide with', () => {
    const prefix = domain().Properties.Domain;
    expect(typeof prefix).not.toBe('string');
    expect(prefix).toEqual({
      'Fn::Join': ['-', ['editors', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }]],
    });
    // The fixed part must not hold a word Cognito refuses in a prefix.
    expect(JSON.stringify(prefix)).not.toMatch(/aws(?!::)|amazon|cognito/i);
  });

  it('gives the CLI and the operator the pool, the client, the login domain and the sign-in page as outputs', () => {
    const out = outputs(template);
    expect(out.EditorsUserPoolId).toEqual({ Ref: idOf(template, 'AWS::Cognito::UserPool', 'EditorsUserPool') });
    expect(out.EditorsClientId).toEqual({ Ref: idOf(template, 'AWS::Cognito::UserPoolClient', 'EditorsUserPoolDeskClient') });
    expect(JSON.stringify(out.EditorsLoginDomain)).toContain('.amazoncognito.com');
    expect(JSON.stringify(out.EditorsSignInUrl)).toContain('response_type=code');
  });

  it('nothing of the API refers to the user pool (no cycle: the client names the API, not the other way)', () => {
    const api = JSON.stringify(template.findResources('AWS::ApiGatewayV2::Api'));
    const routes = JSON.stringify(template.findResources('AWS::ApiGatewayV2::Route'));
    for (const text of [api, routes]) expect(text).not.toMatch(/Editors/);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', { CallbackURLs: Match.anyValue() });
  });
});
