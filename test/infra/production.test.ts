/**
 * What a first production deploy needs of the template: the sending domain set up by the
 * stack (DKIM 2048, custom MAIL FROM, DNS records written to the hosted zone or listed as
 * outputs), the seven SES event types, data kept across a destroy (TTL, deletion protection,
 * retained tables and token keys), the planner's failure destination, the API's custom domain,
 * and the settings that stop a deploy at synth. The operations alarms and dashboard are in
 * monitoring.test.ts.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { ENV } from '../../lambdas/core/function-env';
import { idOf, outputs } from './lookup';
import { build, synth, ZONE } from './synth';

const withZone = synth({ ...ZONE, dmarcReportEmail: 'dmarc@example.com' });
const withoutZone = synth();

describe('sending domain', () => {
  it('creates the identity with Easy DKIM signing on 2048-bit keys', () => {
    withZone.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'example.com',
      DkimAttributes: { SigningEnabled: true },
      DkimSigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
    });
  });

  it('sets the custom MAIL FROM bounce.<sender domain>, falling back to SES default MAIL FROM when its MX fails', () => {
    withZone.hasResourceProperties('AWS::SES::EmailIdentity', {
      MailFromAttributes: { MailFromDomain: 'bounce.example.com', BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' },
    });
  });

  it('takes another MAIL FROM domain from context mailFromDomain', () => {
    synth({ mailFromDomain: 'mail.example.com' }).hasResourceProperties('AWS::SES::EmailIdentity', {
      MailFromAttributes: { MailFromDomain: 'mail.example.com' },
    });
  });

  it('publishes the seven event types of the configuration set to the SES events topic', () => {
    withZone.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: {
        MatchingEventTypes: Match.arrayEquals(['send', 'reject', 'bounce', 'complaint', 'delivery', 'deliveryDelay', 'renderingFailure']),
        SnsDestination: { TopicARN: { Ref: Match.stringLikeRegexp('^SesEventsTopic') } },
      },
    });
  });
});

describe('DNS records in the hosted zone', () => {
  const identity = () => idOf(withZone, 'AWS::SES::EmailIdentity', 'SendingIdentity');

  it.each([1, 2, 3])("writes DKIM CNAME %i from the identity's token", (n) => {
    withZone.hasResourceProperties('AWS::Route53::RecordSet', {
      HostedZoneId: ZONE.hostedZoneId,
      Type: 'CNAME',
      Name: { 'Fn::GetAtt': [identity(), `DkimDNSTokenName${n}`] },
      ResourceRecords: [{ 'Fn::GetAtt': [identity(), `DkimDNSTokenValue${n}`] }],
    });
  });

  it('writes the MAIL FROM MX: 10 feedback-smtp.<region>.amazonses.com', () => {
    withZone.hasResourceProperties('AWS::Route53::RecordSet', {
      HostedZoneId: ZONE.hostedZoneId,
      Type: 'MX',
      Name: 'bounce.example.com',
      ResourceRecords: [{ 'Fn::Join': ['', ['10 feedback-smtp.', { Ref: 'AWS::Region' }, '.amazonses.com']] }],
    });
  });

  it('writes the MAIL FROM SPF TXT', () => {
    withZone.hasResourceProperties('AWS::Route53::RecordSet', {
      HostedZoneId: ZONE.hostedZoneId,
      Type: 'TXT',
      Name: 'bounce.example.com',
      ResourceRecords: ['"v=spf1 include:amazonses.com ~all"'],
    });
  });

  it('writes the DMARC TXT with p=none and the report address', () => {
    withZone.hasResourceProperties('AWS::Route53::RecordSet', {
      HostedZoneId: ZONE.hostedZoneId,
      Type: 'TXT',
      Name: '_dmarc.example.com',
      ResourceRecords: ['"v=DMARC1; p=none; rua=mailto:dmarc@example.com"'],
    });
  });

  it('cuts a DMARC TXT value longer than 255 characters into quoted strings of at most 255 (Route 53 refuses a longer one)', () => {
    const report = `dmarc@${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(50)}.com`;
    const text = `v=DMARC1; p=none; rua=mailto:${report}`;
    expect(text.length).toBeGreaterThan(255);
    const t = synth({ ...ZONE, dmarcReportEmail: report });
    const [dmarc] = Object.values(t.findResources('AWS::Route53::RecordSet', { Properties: { Name: '_dmarc.example.com' } }));
    const [value] = dmarc.Properties.ResourceRecords as string[];
    const strings = [...value.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    expect(value).toBe(strings.map((x) => `"${x}"`).join(' '));
    expect(strings.length).toBe(2);
    for (const x of strings) expect(x.length).toBeLessThanOrEqual(255);
    expect(strings.join('')).toBe(text);
  });

  it('writes exactly those six records, and lists none of them as outputs', () => {
    withZone.resourceCountIs('AWS::Route53::RecordSet', 6);
    expect(Object.keys(outputs(withZone)).filter((k) => /^DnsRecord/.test(k))).toEqual([]);
  });

  it('writes no DMARC record with dmarcRecord=skip', () => {
    const t = synth({ ...ZONE, dmarcRecord: 'skip' });
    t.resourceCountIs('AWS::Route53::RecordSet', 5);
    t.resourcePropertiesCountIs('AWS::Route53::RecordSet', { Name: '_dmarc.example.com' }, 0);
  });
});

describe('DNS records without a hosted zone', () => {
  it('writes no record and lists each as one output line <name> <TYPE> <value>', () => {
    withoutZone.resourceCountIs('AWS::Route53::RecordSet', 0);
    const out = outputs(withoutZone);
    const identity = idOf(withoutZone, 'AWS::SES::EmailIdentity', 'SendingIdentity');
    for (const n of [1, 2, 3]) {
      expect(out[`DnsRecord${n}`]).toEqual({
        'Fn::Join': [
          '',
          [{ 'Fn::GetAtt': [identity, `DkimDNSTokenName${n}`] }, ' CNAME ', { 'Fn::GetAtt': [identity, `DkimDNSTokenValue${n}`] }],
        ],
      });
    }
    expect(out.DnsRecord4).toEqual({
      'Fn::Join': ['', ['bounce.example.com MX 10 feedback-smtp.', { Ref: 'AWS::Region' }, '.amazonses.com']],
    });
    expect(out.DnsRecord5).toBe('bounce.example.com TXT "v=spf1 include:amazonses.com ~all"');
    expect(out.DnsRecord6).toBe('_dmarc.example.com TXT "v=DMARC1; p=none"');
    expect(out).not.toHaveProperty('DnsRecord7');
  });
});

describe('existing SES identity', () => {
  const t = synth({ existingIdentity: true });

  it('creates no AWS::SES::EmailIdentity, and no DKIM or MAIL FROM records to add', () => {
    t.resourceCountIs('AWS::SES::EmailIdentity', 0);
    const out = outputs(t);
    // Only DMARC is left: DKIM and MAIL FROM belong to the identity the account already has.
    expect(out.DnsRecord1).toBe('_dmarc.example.com TXT "v=DMARC1; p=none"');
    expect(out).not.toHaveProperty('DnsRecord2');
    expect(out).not.toHaveProperty('MailFromDomain');
    expect(String(out.IdentityNote)).toMatch(/existingIdentity=true.*not set by this stack/);
  });

  it('still grants ses:SendRawEmail on the identity by its ARN', () => {
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'ses:SendRawEmail',
            Resource: Match.arrayWith([{ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':identity/example.com$')])] }]),
          }),
        ]),
      },
    });
  });
});

describe('placeholder sender', () => {
  it.each([
    'newsletter@example.com',
    'brief@news.example.org',
    'a@example.net',
    'a@brief.example',
    'a@brief.test',
    'a@x.invalid',
    'a@mail.localhost',
  ])('stops the synth for %s, naming -c senderEmail=', (senderEmail) => {
    expect(() => build({ senderEmail, allowPlaceholderSender: undefined })).toThrow(/senderEmail .*reserved.*-c senderEmail=/s);
  });

  it('stops the synth for a@localhost as well (not an address with a domain), naming -c senderEmail=', () => {
    expect(() => build({ senderEmail: 'a@localhost', allowPlaceholderSender: undefined })).toThrow(/senderEmail .*-c senderEmail=/s);
  });

  it('accepts a real-looking domain without the test setting', () => {
    expect(() =>
      build({
        senderEmail: 'brief@news.briefing-mail.eu',
        allowPlaceholderSender: undefined,
        organisationName: 'Briefing Mail SRL',
        postalAddress: 'Rue de la Loi 1, 1000 Brussels, Belgium',
      }),
    ).not.toThrow();
  });
});

describe('data lifecycle', () => {
  it.each(['StorageSubscribers', 'StorageDeliveries'])('%s expires items by expiresAt (TTL)', (prefix) => {
    const id = idOf(withZone, 'AWS::DynamoDB::Table', prefix);
    expect(withZone.findResources('AWS::DynamoDB::Table')[id].Properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'expiresAt',
      Enabled: true,
    });
  });

  it.each(['StorageSubscribers', 'StorageContent', 'StorageDeliveries'])('%s has deletion protection and is retained', (prefix) => {
    const table = withZone.findResources('AWS::DynamoDB::Table')[idOf(withZone, 'AWS::DynamoDB::Table', prefix)];
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table.DeletionPolicy).toBe('Retain');
  });

  it('keeps the token key secret when the stack is deleted or the secret replaced, under a fixed name it outputs', () => {
    withZone.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: Match.stringLikeRegexp('^Retain'),
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ Name: 'Briefing/token-keys' }),
    });
    expect(outputs(withZone).TokenSecretName).toBe('Briefing/token-keys');
  });

  it('removes the token key secret when the deployment that created it rolls back, so a retry does not fail on its fixed name', () => {
    // Retain would keep Briefing/token-keys after a failed first deploy (a DNS record that
    // exists, an identity that exists, ...), and every retry would stop at "already exists".
    const secret =
      withZone.findResources('AWS::SecretsManager::Secret')[idOf(withZone, 'AWS::SecretsManager::Secret', 'SendingTokenSecret')];
    expect(secret.Properties.Name).toBe('Briefing/token-keys');
    expect(secret.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(secret.UpdateReplacePolicy).toBe('Retain');
  });

  it('imports the secret named by tokenSecretName instead of creating one, and grants and passes that one', () => {
    const t = synth({ tokenSecretName: 'Briefing/token-keys', addressKeySecretName: 'Briefing/address-key' });
    // The only secret made is the console's session key (its loss only signs editors out).
    t.resourceCountIs('AWS::SecretsManager::Secret', 1);
    t.hasResourceProperties('AWS::SecretsManager::Secret', { Name: Match.stringLikeRegexp('/console-session-key$') });
    expect(outputs(t).TokenSecretName).toBe('Briefing/token-keys');
    expect(outputs(t).AddressKeySecretName).toBe('Briefing/address-key');
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('SendRawEmail'),
      Environment: {
        Variables: Match.objectLike({
          [ENV.tokenSecretArn]: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':secret:Briefing/token-keys$')])] },
        }),
      },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            // GetSecretValue only: Powertools' getSecret calls nothing else.
            Action: 'secretsmanager:GetSecretValue',
            Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':secret:Briefing/token-keys-\\?\\?\\?\\?\\?\\?$')])] },
          }),
        ]),
      },
    });
  });
});

describe('API custom domain', () => {
  it('with a hosted zone: a DNS-validated certificate, the domain, its mapping to $default and an alias record; links use it', () => {
    const t = synth({ ...ZONE, apiDomainName: 'news.example.com' });
    t.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'news.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'news.example.com', HostedZoneId: ZONE.hostedZoneId }],
    });
    const domain = idOf(t, 'AWS::ApiGatewayV2::DomainName', 'ApiDomain');
    t.hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainName: 'news.example.com' });
    t.hasResource('AWS::ApiGatewayV2::ApiMapping', {
      Properties: { ApiId: { Ref: Match.stringLikeRegexp('^ApiHttpApi') }, DomainName: { Ref: domain }, Stage: '$default' },
      DependsOn: [Match.stringLikeRegexp('^ApiDefaultStage')],
    });
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Type: 'A',
      Name: 'news.example.com.',
      AliasTarget: {
        DNSName: { 'Fn::GetAtt': [domain, 'RegionalDomainName'] },
        HostedZoneId: { 'Fn::GetAtt': [domain, 'RegionalHostedZoneId'] },
      },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('SendRawEmail'),
      Environment: { Variables: Match.objectLike({ [ENV.publicBaseUrl]: 'https://news.example.com' }) },
    });
    expect(outputs(t).PublicBaseUrl).toBe('https://news.example.com');
  });

  it('with a certificate ARN and no zone: no certificate made, the CNAME listed as an output', () => {
    const t = synth({ apiDomainName: 'news.example.com', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abcd-1234' });
    t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    t.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abcd-1234' })],
    });
    expect(outputs(t).DnsRecord7).toEqual({
      'Fn::Join': [
        '',
        ['news.example.com CNAME ', { 'Fn::GetAtt': [idOf(t, 'AWS::ApiGatewayV2::DomainName', 'ApiDomain'), 'RegionalDomainName'] }],
      ],
    });
  });

  it('stops the synth for a custom domain with neither certificate nor zone, naming the settings', () => {
    expect(() => build({ apiDomainName: 'news.example.com' })).toThrow(/apiDomainName .*-c certificateArn=.*hostedZoneId/s);
  });
});

describe('API CORS origins', () => {
  it('passes the origins to the API function as a browser sends them (no trailing slash)', () => {
    synth({ corsOrigins: 'https://www.example.org/' }).hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('subscribe, confirm'),
      Environment: { Variables: Match.objectLike({ CORS_ORIGINS: 'https://www.example.org' }) },
    });
  });

  it('stops the synth for an origin the API function would refuse at cold start, instead of deploying an API that fails every request', () => {
    expect(() => build({ corsOrigins: 'www.example.org' })).toThrow(/corsOrigins .*-c corsOrigins=/s);
  });
});

describe('outputs', () => {
  it('has every key the CLI doctor reads', () => {
    const out = outputs(withZone);
    expect(out).toMatchObject({
      SenderEmail: 'newsletter@example.com',
      SenderDomain: 'example.com',
      MailFromDomain: 'bounce.example.com',
      DigestSchedule: 'cron(0 7 ? * MON *)',
      DigestTimeZone: 'Europe/Brussels',
      TokenSecretName: 'Briefing/token-keys',
    });
    expect(out.PublicBaseUrl).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ApiHttpApi/), 'ApiEndpoint'] });
    for (const key of [
      'ApiUrl',
      'ConfigurationSetName',
      'AlarmTopicArn',
      'DashboardName',
      'SendQueueUrl',
      'SubscribersTable',
      'ContentTable',
      'DeliveriesTable',
      'DkimRecord1',
    ]) {
      expect(out).toHaveProperty([key]);
    }
  });
});
