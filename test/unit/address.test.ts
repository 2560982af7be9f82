import { InvalidAddressError, maskEmail, normaliseEmail } from '../../lambdas/core/address';

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
