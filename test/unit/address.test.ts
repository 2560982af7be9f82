import {
  addressDigest,
  addressKey,
  capitalisations,
  emailKey,
  erasureDigests,
  InvalidAddressError,
  legacyAddressHash,
  maskAddresses,
  maskEmail,
  normaliseEmail,
  signupAddressProblem,
  verifyAddressKey,
} from '../../lambdas/core/address';

describe('email addresses', () => {
  it('trims and lower-cases the domain but keeps the local part', () => {
    expect(normaliseEmail('  Alice.Smith@Example.COM ')).toBe('Alice.Smith@example.com');
  });

  it.each([
    ['CR/LF header injection', 'alice@example.com\r\nBcc: victim@example.com'],
    ['bare LF', 'alice@example.com\nX: y'],
    ['no @', 'alice.example.com'],
    ['no local part', '@example.com'],
    ['spaces inside', 'ali ce@example.com'],
    ['angle brackets', '<alice@example.com>'],
    ['longer than 254 characters', `${'a'.repeat(250)}@example.com`],
  ])('refuses %s', (_name, input) => {
    expect(() => normaliseEmail(input)).toThrow(InvalidAddressError);
  });

  it('masks addresses for logs', () => {
    expect(maskEmail('alice@example.com')).toBe('a***@example.com');
  });
});

describe('one person, one address', () => {
  it('keys an address by its whole lower-cased form, whatever capitals and Unicode form of the domain were typed', () => {
    // The bad input: the same mailbox typed with other capitals, and a fullwidth domain.
    const forms = ['Reader@Example.com', 'reader@example.com', 'READER@EXAMPLE.COM', ' rEaDeR@example.COM ', 'Reader@ＥＸＡＭＰＬＥ.com'];
    expect(new Set(forms.map(emailKey))).toEqual(new Set(['reader@example.com']));
    // Sent as typed: only the domain is normalised.
    expect(normaliseEmail('Reader@EXAMPLE.com')).toBe('Reader@example.com');
    expect(addressKey('Reader@example.com')).toBe('reader@example.com');
  });

  it('does not fold dots or +tags: they are distinct mailboxes at many providers', () => {
    expect(emailKey('a.b+news@example.com')).toBe('a.b+news@example.com');
    expect(emailKey('ab@example.com')).not.toBe(emailKey('a.b@example.com'));
  });
});

describe('addresses a sign-up, add or import refuses', () => {
  it.each([
    ['a formula that a spreadsheet would run (=)', '=cmd@example.com'],
    ['a leading + (CSV injection)', '+1234@example.com'],
    ['a leading - (CSV injection)', '-x@example.com'],
  ])('%s', (_name, input) => {
    expect(signupAddressProblem(normaliseEmail(input))).toMatch(/starts with =, \+, - or @/);
  });

  it.each(['test', 'invalid', 'example', 'localhost'])(
    'a reserved top-level domain (.%s) outside local mode, and accepts it locally',
    (tld) => {
      const address = normaliseEmail(`reader@news.${tld}`);
      expect(signupAddressProblem(address)).toMatch(new RegExp(`\\.${tld} is a reserved domain`));
      expect(signupAddressProblem(address, { allowReservedDomains: true })).toBeUndefined();
    },
  );

  it('accepts an ordinary address, and reserved second-level names such as example.com (not a reserved TLD)', () => {
    expect(signupAddressProblem('reader@example.org')).toBeUndefined();
    expect(signupAddressProblem('a-b@example.com')).toBeUndefined();
  });
});

describe('keyed digests of addresses', () => {
  const digest = addressDigest('k'.repeat(32));

  it('are keyed: the same address gives another digest under another key, and neither is the bare SHA-256', () => {
    const other = addressDigest('j'.repeat(32));
    expect(digest('reader@example.com')).toMatch(/^[0-9a-f]{64}$/);
    expect(digest('reader@example.com')).not.toBe(other('reader@example.com'));
    expect(digest('reader@example.com')).not.toBe(legacyAddressHash('reader@example.com'));
  });

  it('refuses a key shorter than 32 bytes', () => {
    expect(() => addressDigest('short')).toThrow(/at least 32 bytes/);
  });

  it('an erasure is looked up under the keyed digest of the lower-cased form and the older bare hashes of the usual capitals', () => {
    const digests = erasureDigests('Eve.Smith@example.com', digest);
    expect(digests[0]).toBe(digest('eve.smith@example.com'));
    for (const typed of ['Eve.Smith@example.com', 'eve.smith@example.com', 'EVE.SMITH@example.com', 'Eve.smith@example.com']) {
      expect(digests).toContain(legacyAddressHash(typed));
    }
    expect(capitalisations('mary-ann.o+x@example.com')).toContain('Mary-Ann.O+X@example.com');
  });

  it('masks every address in a text that is stored (an SES error message naming the recipient)', () => {
    expect(maskAddresses('Email address is not verified: Reader@Example.com, ops@x.org.')).toBe(
      'Email address is not verified: R***@Example.com, o***@x.org.',
    );
    // The sender's own address stays readable: it is what the operator has to fix.
    expect(maskAddresses('not verified: brief@news.example.com, reader@x.org', ['Brief@news.example.com'])).toBe(
      'not verified: brief@news.example.com, r***@x.org',
    );
  });
});

describe('the address key in use is the table’s', () => {
  it('stores its check the first time, passes with the same key, and refuses another key (the bad input: a CLI with another data folder)', async () => {
    const checks: string[] = [];
    const store = {
      checkAddressKey(check: string) {
        if (!checks.length) {
          checks.push(check);
          return Promise.resolve('stored' as const);
        }
        return Promise.resolve(checks[0] === check ? ('matches' as const) : ('differs' as const));
      },
    };
    await verifyAddressKey(store, addressDigest('a'.repeat(32)));
    await verifyAddressKey(store, addressDigest('a'.repeat(32)));
    await expect(verifyAddressKey(store, addressDigest('b'.repeat(32)))).rejects.toThrow(
      /same BRIEFING_DATA_DIR as `npm start`.*addressKeySecretName/s,
    );
  });
});
