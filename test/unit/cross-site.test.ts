/**
 * The cross-site check of POST /subscribe (lambdas/api/http.ts `isCrossSite`), with the headers
 * browsers send: a form on this site's own page passes (also when the browser sends `Origin: null`
 * under a strict referrer policy but says `Sec-Fetch-Site: same-origin`), another site's page does not.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { isCrossSite, parseRequest } from '../../lambdas/api/http';

const OWN = ['https://brief.example.org'];
const PARTNERS = new Set(['https://partner.example.net']);
const req = (headers: Record<string, string>) =>
  parseRequest({
    headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com', ...headers },
    rawPath: '/subscribe',
    requestContext: { http: { method: 'POST', sourceIp: '203.0.113.1' } },
  } as unknown as APIGatewayProxyEventV2);

describe('isCrossSite', () => {
  it.each([
    ['a form on the public site (its Origin)', { origin: 'https://brief.example.org' }],
    ['a form on the API’s own host', { origin: 'https://abc123.execute-api.eu-west-1.amazonaws.com' }],
    ['a configured partner page (CORS)', { origin: 'https://partner.example.net', 'sec-fetch-site': 'cross-site' }],
    ['a same-origin form whose browser sent Origin: null', { origin: 'null', 'sec-fetch-site': 'same-origin' }],
    ['an address typed in by the user', { 'sec-fetch-site': 'none' }],
    ['a client that is not a browser (no Origin, no Sec-Fetch-Site)', {}],
  ])('lets through %s', (_name, headers) => {
    expect(isCrossSite(req(headers), PARTNERS, OWN)).toBe(false);
  });

  it.each([
    [
      "another site's page (the bad input: a hidden auto-submitting form)",
      { origin: 'https://evil.example.net', 'sec-fetch-site': 'cross-site' },
    ],
    ['another site that claims the public site in a header it cannot set (Origin wins over Host)', { origin: 'https://evil.example.net' }],
    ['a sandboxed frame or a file page (Origin: null)', { origin: 'null' }],
    ['a cross-site request without an Origin', { 'sec-fetch-site': 'cross-site' }],
    ['a sibling subdomain (same-site is not same-origin)', { 'sec-fetch-site': 'same-site', origin: 'https://other.example.org' }],
    ['the public origin over plain http (another origin)', { origin: 'http://brief.example.org' }],
  ])('refuses %s', (_name, headers) => {
    expect(isCrossSite(req(headers), PARTNERS, OWN)).toBe(true);
  });
});
