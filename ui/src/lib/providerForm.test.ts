import { describe, expect, it } from 'vitest';
import { emptyForm, fromConfig, toConfig, validate } from './providerForm';

function cognito() {
  const f = emptyForm();
  f.name = 'Staging';
  f.prefix = 'myapp';
  f.region = 'eu-west-1';
  f.userPoolId = 'eu-west-1_AbC123';
  f.clientId = '4h5k2l9abcde';
  return f;
}

describe('provider form', () => {
  it('accepts a complete Cognito pool', () => {
    expect(validate(cognito())).toEqual({});
  });

  it('says which region a pool id belongs to', () => {
    const f = cognito();
    f.region = 'us-east-1';
    expect(validate(f).userPoolId).toBe('this pool is in eu-west-1; set the region to eu-west-1');
  });

  it('explains a full domain pasted into the prefix field', () => {
    const f = cognito();
    f.prefix = 'myapp.auth.eu-west-1.amazoncognito.com';
    expect(validate(f).prefix).toMatch(/only the prefix/);
  });

  it('refuses plain http except on loopback, and https redirects', () => {
    const f = emptyForm();
    f.kind = 'oidc';
    f.name = 'x';
    f.clientId = 'c';
    f.issuer = 'http://id.example.com';
    expect(validate(f).issuer).toMatch(/use https/);
    f.issuer = 'http://127.0.0.1:9780';
    expect(validate(f).issuer).toBeUndefined();
    f.redirectUri = 'https://example.com/cb';
    expect(validate(f).redirectUri).toMatch(/cannot reach Tokendeck/);
    f.redirectUri = 'myapp://cb';
    expect(validate(f).redirectUri).toMatch(/reverse-DNS/);
  });

  it('round-trips through the Rust config shape', () => {
    const f = cognito();
    f.overrides.token = 'http://127.0.0.1:1/t';
    const config = toConfig(f, true);
    expect(config.source).toEqual({
      kind: 'cognito',
      region: 'eu-west-1',
      userPoolId: 'eu-west-1_AbC123',
      domain: { type: 'prefix', prefix: 'myapp' },
    });
    expect(config.scopes).toEqual(['openid', 'email', 'profile']);
    expect(config.redirectUri).toBeNull();
    expect(config.overrides.token).toBe('http://127.0.0.1:1/t');
    expect(config.confidential).toBe(true);
    const back = fromConfig(config);
    expect(back.prefix).toBe('myapp');
    expect(back.overrides.token).toBe('http://127.0.0.1:1/t');
  });
});
