import { Token } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { isWithin } from '../config';

/** One DNS record: a full name, a type and one value as a zone file would write it. */
export interface DnsRecord {
  /** Full name, without a trailing dot (may be a token, e.g. a DKIM token name). */
  readonly name: string;
  readonly type: 'CNAME' | 'MX' | 'TXT';
  /** One value: a host for CNAME, `<priority> <host>` for MX, the unquoted text for TXT. */
  readonly value: string;
  /** Short id, unique in the set (also the record's construct id). */
  readonly id: string;
}

/** Props of {@link DnsRecords}. */
export interface DnsRecordsProps {
  /** The records, in the order they are listed. */
  readonly records: DnsRecord[];
  /**
   * The hosted zone to write them to. A record whose name is outside it is listed instead.
   * @default - none: every record is listed for someone to add by hand
   */
  readonly zone?: route53.IHostedZone;
  /**
   * Time to live of the records written to the zone, in seconds.
   * @default 1800
   */
  readonly ttl?: number;
}

/**
 * The DNS records the sending domain (and the API's custom domain) need: written to the
 * hosted zone when there is one, otherwise kept as one-line `<name> <TYPE> <value>` entries
 * for the stack's outputs, so they can be pasted into whatever DNS the domain has.
 */
export class DnsRecords extends Construct {
  /** Records left for someone to add, one line each: `<name> <TYPE> <value>`. */
  readonly unmanaged: string[] = [];
  /** The records written to the hosted zone. */
  readonly written: route53.CfnRecordSet[] = [];

  constructor(scope: Construct, id: string, props: DnsRecordsProps) {
    super(scope, id);
    const { zone } = props;
    for (const record of props.records) {
      // A token name (the DKIM token names) is always under the sender domain, which the
      // configuration checks is inside the zone.
      const inZone = zone !== undefined && (Token.isUnresolved(record.name) || isWithin(record.name, zone.zoneName));
      // TXT values are quoted strings in DNS; the others are host names.
      const value = record.type === 'TXT' ? txtValue(record.value) : record.value;
      if (inZone) {
        // Low-level records: the names are full names already (CnameRecord would append the
        // zone's name to a token it cannot read).
        this.written.push(
          new route53.CfnRecordSet(this, record.id, {
            hostedZoneId: zone.hostedZoneId,
            name: record.name,
            type: record.type,
            resourceRecords: [value],
            ttl: String(props.ttl ?? 1800),
          }),
        );
      } else {
        this.unmanaged.push(`${record.name} ${record.type} ${value}`);
      }
    }
  }
}

/** The longest character-string a TXT record holds (RFC 1035); Route 53 refuses a longer one. */
export const TXT_STRING_MAX = 255;

/**
 * A TXT value as Route 53 and zone files take it: quoted, `"` and `\` escaped, and cut into
 * strings of at most 255 characters separated by a space (receivers join them again), so a
 * long DMARC report address or SPF record does not fail the deploy with CharacterStringTooLong.
 * A value that is a token cannot be cut here and is only quoted.
 */
export function txtValue(text: string): string {
  if (Token.isUnresolved(text)) return `"${text}"`;
  // Cut before escaping: the limit counts the characters of the string, not of its quoting.
  const parts = text.match(new RegExp(`[\\s\\S]{1,${TXT_STRING_MAX}}`, 'g')) ?? [''];
  return parts.map((p) => `"${p.replace(/[\\"]/g, '\\$&')}"`).join(' ');
}
