import { describe, expect, it } from 'vitest';
import {
  autofill, emptyForm, fromConfig, issuerFix, plannedRedirect, proxyProblem, rebinds, redirectSlug, regionOfPool, splitCognitoDomain, toConfig, typedCredential,
  validate,
} from './providerForm';

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
  it('takes a proxy and CA certificates for this provider, and says what is wrong with them', () => {
    expect(proxyProblem('')).toBeNull();
    expect(proxyProblem('direct')).toBeNull();
    expect(proxyProblem('http://proxy.corp:3128')).toBeNull();
    expect(proxyProblem('socks5h://127.0.0.1:1080')).toBeNull();
    expect(proxyProblem('proxy.corp:3128')).toMatch(/scheme|URL/);
    expect(proxyProblem('http://me:pw@proxy.corp:3128')).toContain('HTTPS_PROXY');
    const f = cognito();
    f.proxy = 'http://proxy.corp:3128';
    f.extraCa = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    expect(validate(f)).toEqual({});
    const config = toConfig(f, false);
    expect(config.network).toEqual({ proxy: 'http://proxy.corp:3128', extraCa: f.extraCa.trim() });
    expect(fromConfig(config).proxy).toBe('http://proxy.corp:3128');
    // A provider saved without them (the field left out) reads as the environment's.
    expect(fromConfig({ ...config, network: undefined }).proxy).toBe('');
    f.extraCa = '-----BEGIN PRIVATE KEY-----\nMC4\n-----END PRIVATE KEY-----';
    expect(validate(f).extraCa).toContain('private key');
  });

  it('keeps every sign-in default through a save, the login hint too', () => {
    const f = cognito();
    f.defaults = { identityProvider: 'Google', idpIdentifier: 'corp', loginHint: 'qa@example.com', lang: 'fr', prompt: 'login' };
    const config = toConfig(f, false);
    expect(config.signInOptions).toMatchObject({ identityProvider: 'Google', idpIdentifier: 'corp', loginHint: 'qa@example.com', lang: 'fr', prompt: 'login' });
    expect(fromConfig(config).defaults).toEqual(f.defaults);
    f.defaults.loginHint = '  ';
    expect(toConfig(f, false).signInOptions.loginHint).toBeNull();
  });

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

  it('checks the credential against the client authentication chosen', () => {
    const f = cognito();
    f.kind = 'oidc';
    f.issuer = 'https://id.example.com';
    const pem = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----\n';
    f.clientAuth = 'private_key_jwt';
    expect(validate(f).clientKey).toMatch(/paste the private key registered/);
    f.clientKey = 'a-plain-secret';
    expect(validate(f).clientKey).toMatch(/whole PEM block/);
    f.clientKey = '-----BEGIN PUBLIC KEY-----\nMCow\n-----END PUBLIC KEY-----';
    expect(validate(f).clientKey).toMatch(/public half/);
    f.clientKey = '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n-----END ENCRYPTED PRIVATE KEY-----';
    expect(validate(f).clientKey).toMatch(/decrypt it first/);
    f.clientKey = pem;
    expect(validate(f)).toEqual({});
    // The key and the secret are kept apart: switching shows neither in the other's field.
    f.clientAuth = 'client_secret_post';
    expect(validate(f)).toEqual({});
    expect(typedCredential(f)).toBe('');
    f.clientSecret = pem;
    expect(validate(f).clientSecret).toMatch(/this is a private key/);
    // Under automatic too: the one-line field would drop the key's line breaks.
    f.clientAuth = 'auto';
    expect(validate(f).clientSecret).toMatch(/choose “Signed with a private key”/);
    // A stored key under automatic needs nothing new.
    f.clientSecret = '';
    expect(validate(f, { has: true, method: 'private_key_jwt' })).toEqual({});
    const cognitoKey = cognito();
    cognitoKey.clientAuth = 'private_key_jwt';
    expect(validate(cognitoKey).clientAuth).toMatch(/Cognito app clients use a client secret/);
  });

  it('asks for the credential a new method needs when the keyring holds the other kind', () => {
    const f = cognito();
    f.kind = 'oidc';
    f.issuer = 'https://id.example.com';
    f.clientAuth = 'private_key_jwt';
    // A stored key serves; a stored secret does not.
    expect(validate(f, { has: true, method: 'private_key_jwt' })).toEqual({});
    expect(validate(f, { has: true, method: 'client_secret_basic' }).clientKey).toMatch(/paste the private key/);
    f.removeSecret = true;
    expect(validate(f, { has: true, method: 'private_key_jwt' }).clientKey).toMatch(/paste the private key/);
    f.removeSecret = false;
    f.clientAuth = 'client_secret_basic';
    expect(validate(f, { has: true, method: 'private_key_jwt' }).clientSecret).toMatch(/holds a private key/);
    expect(validate(f, { has: true, method: 'client_secret_post' })).toEqual({});
  });

  it('keeps the key id only for private_key_jwt', () => {
    const f = cognito();
    f.kind = 'oidc';
    f.issuer = 'https://id.example.com';
    f.clientKeyId = 'client-rsa';
    expect(toConfig(f, true).clientKeyId).toBeNull();
    f.clientAuth = 'private_key_jwt';
    const config = toConfig(f, true);
    expect([config.clientAuth, config.clientKeyId]).toEqual(['private_key_jwt', 'client-rsa']);
    expect(fromConfig(config).clientKeyId).toBe('client-rsa');
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

  it('names a new provider\'s redirect URI after it, as the Rust side does', () => {
    expect(redirectSlug('Staging pool (EU)')).toBe('staging-pool-eu');
    expect(redirectSlug('  Ünïcode — only!! ')).toBe('n-code-only');
    expect(redirectSlug('../../etc')).toBe('etc');
    expect(redirectSlug('???')).toBe('provider');
    expect(redirectSlug('x'.repeat(100))).toHaveLength(40);
    expect(plannedRedirect('Staging')).toBe('io.github.tokendeck://callback/staging');
  });

  it('knows which edits end the provider\'s sessions', () => {
    const saved = toConfig(cognito(), false);
    const renamed = cognito();
    renamed.name = 'Renamed';
    renamed.scopes = 'openid phone';
    expect(rebinds(saved, toConfig(renamed, false))).toBe(false);
    for (const change of [
      (f: ReturnType<typeof cognito>) => (f.clientId = 'other'),
      (f: ReturnType<typeof cognito>) => (f.overrides.token = 'https://evil.example.com/token'),
      (f: ReturnType<typeof cognito>) => (f.redirectUri = 'io.github.tokendeck://callback/x'),
      (f: ReturnType<typeof cognito>) => (f.prefix = 'otherapp'),
    ]) {
      const f = cognito();
      change(f);
      expect(rebinds(saved, toConfig(f, false))).toBe(true);
    }
  });

  it('fills the region from a pool id and splits a pasted hosted-UI domain', () => {
    expect(regionOfPool('eu-west-1_AbC123')).toBe('eu-west-1');
    expect(regionOfPool('nonsense')).toBeNull();
    expect(splitCognitoDomain('https://myapp.auth.eu-west-1.amazoncognito.com/')).toEqual({ prefix: 'myapp', region: 'eu-west-1' });
    expect(splitCognitoDomain('myapp')).toBeNull();
    const f = emptyForm();
    f.prefix = 'https://MyApp.auth.ap-southeast-2.amazoncognito.com';
    f.userPoolId = 'ap-southeast-2_Xyz';
    autofill(f);
    expect([f.prefix, f.region]).toEqual(['myapp', 'ap-southeast-2']);
    const g = emptyForm();
    g.userPoolId = 'us-east-2_Q';
    autofill(g);
    expect(g.region).toBe('us-east-2');
  });

  it('offers a fix for a discovery URL or a trailing slash given as the issuer', () => {
    expect(issuerFix('https://id.example.com/.well-known/openid-configuration')?.fixed).toBe('https://id.example.com');
    expect(issuerFix('https://id.example.com/realms/dev/')?.fixed).toBe('https://id.example.com/realms/dev');
    expect(issuerFix('https://id.example.com')).toBeNull();
  });
});
