import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { isWithin } from '../config';

/** Props of {@link ApiDomain}. */
export interface ApiDomainProps {
  /** The API to serve under the domain. */
  readonly httpApi: apigwv2.IHttpApi;
  /** The stage mapped to the domain's root. */
  readonly stage: apigwv2.IHttpStage;
  /** The custom domain, e.g. `news.yourdomain.example`. */
  readonly domainName: string;
  /**
   * ARN of an ACM certificate for the domain, in the stack's region (a regional endpoint).
   * @default - a certificate is created and validated by DNS in `zone`
   */
  readonly certificateArn?: string;
  /**
   * Hosted zone of the domain: the alias record (and the certificate's validation record) go
   * here.
   * @default - none: the CNAME to add by hand is in {@link ApiDomain.dnsRecord}
   */
  readonly zone?: route53.IHostedZone;
}

/**
 * The API under a custom domain: the domain name with its certificate, the mapping of the
 * domain's root to the stage, and the alias record in the hosted zone when there is one.
 * Links in mail then carry this domain, and survive replacing the API.
 */
export class ApiDomain extends Construct {
  /** The custom domain resource. */
  readonly domain: apigwv2.DomainName;
  /** `https://<domain>` (no trailing slash). */
  readonly url: string;
  /** The alias record, when the zone holds the domain. */
  readonly aliasRecord?: route53.ARecord;
  /** When no zone holds the domain: the CNAME to add, as `{ name, value }`. */
  readonly dnsRecord?: { name: string; value: string };

  constructor(scope: Construct, id: string, props: ApiDomainProps) {
    super(scope, id);
    const zone = props.zone && isWithin(props.domainName, props.zone.zoneName) ? props.zone : undefined;

    let certificate: acm.ICertificate;
    if (props.certificateArn) {
      certificate = acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn);
    } else {
      if (!zone) throw new Error(`ApiDomain: ${props.domainName} needs a certificateArn or a hosted zone that holds it`);
      certificate = new acm.Certificate(this, 'Certificate', {
        domainName: props.domainName,
        validation: acm.CertificateValidation.fromDns(zone),
      });
    }

    this.domain = new apigwv2.DomainName(this, 'Domain', { domainName: props.domainName, certificate });
    // The root of the domain is the API: `https://<domain>/unsubscribe`. The mapping names the
    // stage by its name ($default); ApiMapping adds the dependency on the stage itself.
    new apigwv2.ApiMapping(this, 'Mapping', { api: props.httpApi, domainName: this.domain, stage: props.stage });

    if (zone) {
      this.aliasRecord = new route53.ARecord(this, 'Alias', {
        zone,
        recordName: `${props.domainName}.`,
        target: route53.RecordTarget.fromAlias(
          new route53targets.ApiGatewayv2DomainProperties(this.domain.regionalDomainName, this.domain.regionalHostedZoneId),
        ),
      });
    } else {
      this.dnsRecord = { name: props.domainName, value: this.domain.regionalDomainName };
    }
    this.url = `https://${props.domainName}`;
  }
}
