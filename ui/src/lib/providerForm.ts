// The add/edit provider form as plain data, with inline validation that mirrors the Rust
// checks (the Rust side validates again and has the last word).
import type { ClientAuthMethod } from './bindings/ClientAuthMethod';
import type { ProviderConfig } from './bindings/ProviderConfig';

export const DEFAULT_REDIRECT = 'io.github.tokendeck://callback';

export interface ProviderForm {
  id: string;
  name: string;
  kind: 'cognito' | 'oidc';
  domainMode: 'prefix' | 'custom' | 'none';
  prefix: string;
  customDomain: string;
  region: string;
  userPoolId: string;
  issuer: string;
  clientId: string;
  /** The client secret, and the PEM private key for private_key_jwt (kept apart, so switching
   * the method never shows a typed secret in the clear or hides a pasted key). */
  clientSecret: string;
  clientKey: string;
  removeSecret: boolean;
  clientAuth: ClientAuthMethod;
  clientKeyId: string;
  scopes: string;
  redirectUri: string;
  identityPoolId: string;
  /** Cognito: the AWS profile admin sign-ins are signed with ("" = the default chain). */
  awsProfile: string;
  /** Days (decimals allowed); empty = the provider's default (Cognito: 30 days). */
  refreshLifetimeDays: string;
  /** Sign-in defaults (authorization parameters) and the browser to open sign-ins with. */
  defaults: { identityProvider: string; idpIdentifier: string; loginHint: string; lang: string; prompt: string };
  browserCommand: string;
  /** This provider's proxy ("" = the environment's, "direct" = none) and extra CA PEM. */
  proxy: string;
  extraCa: string;
  overrides: {
    issuer: string;
    authorization: string;
    token: string;
    userinfo: string;
    revocation: string;
    logout: string;
    jwksUri: string;
    cognitoIdp: string;
    cognitoIdentity: string;
  };
}

export type FormErrors = Partial<Record<keyof ProviderForm | 'overrides', string>>;

export function emptyForm(): ProviderForm {
  return {
    id: '',
    name: '',
    kind: 'cognito',
    domainMode: 'prefix',
    prefix: '',
    customDomain: '',
    region: '',
    userPoolId: '',
    issuer: '',
    clientId: '',
    clientSecret: '',
    clientKey: '',
    removeSecret: false,
    clientAuth: 'auto',
    clientKeyId: '',
    scopes: 'openid email profile',
    redirectUri: '',
    identityPoolId: '',
    awsProfile: '',
    refreshLifetimeDays: '',
    defaults: { identityProvider: '', idpIdentifier: '', loginHint: '', lang: '', prompt: '' },
    browserCommand: '',
    proxy: '',
    extraCa: '',
    overrides: { issuer: '', authorization: '', token: '', userinfo: '', revocation: '', logout: '', jwksUri: '', cognitoIdp: '', cognitoIdentity: '' },
  };
}

export function fromConfig(c: ProviderConfig): ProviderForm {
  const form = emptyForm();
  form.id = c.id;
  form.name = c.name;
  form.clientId = c.clientId;
  form.scopes = c.scopes.join(' ');
  form.redirectUri = c.redirectUri ?? '';
  form.identityPoolId = c.identityPoolId ?? '';
  form.awsProfile = c.awsProfile ?? '';
  form.defaults = {
    identityProvider: c.signInOptions.identityProvider ?? '',
    idpIdentifier: c.signInOptions.idpIdentifier ?? '',
    loginHint: c.signInOptions.loginHint ?? '',
    lang: c.signInOptions.lang ?? '',
    prompt: c.signInOptions.prompt ?? '',
  };
  form.browserCommand = c.browserCommand ?? '';
  form.proxy = c.network?.proxy ?? '';
  form.extraCa = c.network?.extraCa ?? '';
  form.clientAuth = c.clientAuth;
  form.clientKeyId = c.clientKeyId ?? '';
  form.refreshLifetimeDays = c.refreshTokenLifetime == null ? '' : String(Math.round((c.refreshTokenLifetime / 86400) * 10000) / 10000);
  if (c.source.kind === 'cognito') {
    form.kind = 'cognito';
    form.region = c.source.region;
    form.userPoolId = c.source.userPoolId;
    if (c.source.domain.type === 'prefix') form.prefix = c.source.domain.prefix;
    else if (c.source.domain.type === 'none') form.domainMode = 'none';
    else {
      form.domainMode = 'custom';
      form.customDomain = c.source.domain.url;
    }
  } else {
    form.kind = 'oidc';
    form.issuer = c.source.issuer;
  }
  for (const key of Object.keys(form.overrides) as (keyof ProviderForm['overrides'])[]) {
    form.overrides[key] = c.overrides[key] ?? '';
  }
  return form;
}

const blankToNull = (s: string) => (s.trim() === '' ? null : s.trim());

/** The path segment a new provider's redirect URI gets from its name (mirrors Rust's `slug`). */
export function redirectSlug(name: string): string {
  let out = '';
  for (const c of name) {
    if (/^[A-Za-z0-9]$/.test(c)) out += c.toLowerCase();
    else if (out && !out.endsWith('-')) out += '-';
    if (out.length >= 40) break;
  }
  out = out.replace(/-+$/, '');
  return out || 'provider';
}

/** The redirect URI a new provider without one gets (the Rust side adds -2, -3… if taken). */
export function plannedRedirect(name: string): string {
  return `${DEFAULT_REDIRECT}/${redirectSlug(name)}`;
}

/**
 * Whether saving `after` over `before` changes what the provider's sessions are bound to
 * (source, client id, redirect URI, endpoint overrides, extra CA certificates): the Rust side
 * then ends them.
 */
export function rebinds(before: ProviderConfig, after: ProviderConfig): boolean {
  const binding = (c: ProviderConfig) =>
    JSON.stringify([c.source, c.clientId, c.redirectUri ?? null, c.overrides, c.network?.extraCa ?? null]);
  const normalized = toConfig(fromConfig(before), before.confidential);
  return binding(normalized) !== binding(after);
}

export function toConfig(f: ProviderForm, confidential: boolean): ProviderConfig {
  const o = f.overrides;
  return {
    id: f.id,
    name: f.name.trim(),
    source:
      f.kind === 'cognito'
        ? {
            kind: 'cognito',
            region: f.region.trim(),
            userPoolId: f.userPoolId.trim(),
            domain:
              f.domainMode === 'prefix'
                ? { type: 'prefix', prefix: f.prefix.trim() }
                : f.domainMode === 'custom'
                  ? { type: 'custom', url: f.customDomain.trim() }
                  : { type: 'none' },
          }
        : { kind: 'oidc', issuer: f.issuer.trim() },
    clientId: f.clientId.trim(),
    confidential,
    scopes: f.scopes.split(/\s+/).filter(Boolean),
    redirectUri: blankToNull(f.redirectUri),
    overrides: {
      issuer: blankToNull(o.issuer),
      authorization: blankToNull(o.authorization),
      token: blankToNull(o.token),
      userinfo: blankToNull(o.userinfo),
      revocation: blankToNull(o.revocation),
      logout: blankToNull(o.logout),
      jwksUri: blankToNull(o.jwksUri),
      cognitoIdp: blankToNull(o.cognitoIdp),
      cognitoIdentity: blankToNull(o.cognitoIdentity),
    },
    identityPoolId: f.kind === 'cognito' ? blankToNull(f.identityPoolId) : null,
    awsProfile: f.kind === 'cognito' ? blankToNull(f.awsProfile) : null,
    refreshTokenLifetime: f.refreshLifetimeDays.trim() === '' ? null : Math.round(Number(f.refreshLifetimeDays) * 86400),
    signInOptions: {
      prompt: blankToNull(f.defaults.prompt),
      loginHint: blankToNull(f.defaults.loginHint),
      identityProvider: blankToNull(f.defaults.identityProvider),
      idpIdentifier: blankToNull(f.defaults.idpIdentifier),
      lang: blankToNull(f.defaults.lang),
      scopes: null,
    },
    browserCommand: blankToNull(f.browserCommand),
    clientAuth: f.clientAuth,
    clientKeyId: f.clientAuth === 'private_key_jwt' ? blankToNull(f.clientKeyId) : null,
    network: { proxy: blankToNull(f.proxy), extraCa: blankToNull(f.extraCa) },
  };
}

/** The choices of the client authentication select, in the words the form shows. */
export const CLIENT_AUTH_CHOICES: { value: ClientAuthMethod; label: string }[] = [
  { value: 'auto', label: 'Automatic (a secret in the Authorization header, or the body if the provider takes only that)' },
  { value: 'client_secret_basic', label: 'Secret in the Authorization header (client_secret_basic)' },
  { value: 'client_secret_post', label: 'Secret in the request body (client_secret_post)' },
  { value: 'private_key_jwt', label: 'Signed with a private key (private_key_jwt)' },
];

/** What the keyring holds for a saved provider, as far as the form needs to know. */
export interface StoredCredential {
  has: boolean;
  method: ClientAuthMethod;
}

/** The credential the form would save: the key for private_key_jwt, else the secret. */
export function typedCredential(f: ProviderForm): string {
  return (f.clientAuth === 'private_key_jwt' ? f.clientKey : f.clientSecret).trim();
}

/** What the app client proves itself with, for the provider page. */
export function describeCredential(c: ProviderConfig, stored: boolean): string {
  if (!stored) return 'public';
  const what = c.clientAuth === 'private_key_jwt' ? 'private key in keyring' : c.clientAuth === 'auto' ? 'secret or key in keyring' : 'secret in keyring';
  const method = c.clientAuth === 'auto' ? '' : `, ${c.clientAuth}`;
  const kid = c.clientKeyId ? `, key id ${c.clientKeyId}` : '';
  return `${what}${method}${kid}`;
}

const looksLikePrivateKey = (text: string) => /^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text.trim());

/** What is wrong with a pasted private key, in terms of what to do (the Rust side checks it
 * again by signing with it). */
export function privateKeyProblem(text: string): string | undefined {
  const head = text.trim().split('\n', 1)[0] ?? '';
  if (/PUBLIC KEY|CERTIFICATE/.test(head)) return 'this is the public half: register it with the provider, and paste the private key here';
  if (head.includes('ENCRYPTED')) return 'the key is encrypted: decrypt it first (openssl pkey -in key.pem -out plain.pem) and paste the result';
  if (head.includes('OPENSSH')) return 'an OpenSSH key: convert it to PEM first (ssh-keygen -p -m PKCS8 -f key)';
  if (!looksLikePrivateKey(text)) return 'paste the whole PEM block, from -----BEGIN PRIVATE KEY----- to the END line';
  return undefined;
}

const REGION = /^[a-z]{2}(-[a-z0-9]+)+-\d+$/;
const PREFIX = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function urlProblem(value: string, loopbackHttp = true): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a URL';
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && loopback && loopbackHttp) return undefined;
  return 'use https (plain http only for 127.0.0.1 or localhost)';
}

export function validate(f: ProviderForm, stored?: StoredCredential): FormErrors {
  const e: FormErrors = {};
  if (!f.name.trim()) e.name = 'give the provider a name';
  if (!f.clientId.trim()) e.clientId = 'paste the app client id';
  else if (/\s/.test(f.clientId.trim())) e.clientId = 'a client id has no spaces';
  if (f.kind === 'cognito') {
    const region = f.region.trim();
    if (!REGION.test(region)) e.region = 'an AWS region such as eu-west-1';
    const pool = f.userPoolId.trim();
    const [poolRegion, suffix] = pool.split('_');
    if (!pool || !suffix) e.userPoolId = `looks like ${region || 'eu-west-1'}_AbC123xyz`;
    else if (REGION.test(region) && poolRegion !== region) e.userPoolId = `this pool is in ${poolRegion}; set the region to ${poolRegion}`;
    if (f.domainMode === 'prefix') {
      if (f.prefix.includes('.')) e.prefix = 'enter only the prefix (the part before .auth.), or choose Custom domain';
      else if (!PREFIX.test(f.prefix.trim())) e.prefix = 'lowercase letters, digits and hyphens';
    } else if (f.domainMode === 'custom') {
      const p = urlProblem(f.customDomain.trim());
      if (p) e.customDomain = p;
    }
    const idp = f.identityPoolId.trim();
    if (idp && !/^[a-z]{2}(-[a-z0-9]+)+-\d+:[0-9a-f-]{36}$/.test(idp)) e.identityPoolId = 'looks like eu-west-1:1a2b3c4d-…';
    const profile = f.awsProfile.trim();
    if (profile && !/^[A-Za-z0-9_.@+-]{1,64}$/.test(profile)) e.awsProfile = 'the name of a profile in ~/.aws/config (letters, digits, - _ . @ +)';
  } else {
    const p = urlProblem(f.issuer.trim());
    if (p) e.issuer = p;
  }
  validateCredential(f, stored, e);
  const quotes = (q: string) => f.browserCommand.split(q).length % 2 === 0;
  if (quotes("'") || quotes('"')) e.browserCommand = 'its quotes do not match; write it as you would in a shell';
  else if (f.browserCommand.trim().startsWith('{url}')) e.browserCommand = 'start with the program to run';
  const proxy = proxyProblem(f.proxy.trim());
  if (proxy) e.proxy = proxy;
  const ca = f.extraCa.trim();
  if (ca && ca.includes('PRIVATE KEY')) e.extraCa = 'this holds a private key: paste only the CA certificate';
  else if (ca && !ca.includes('-----BEGIN CERTIFICATE-----')) e.extraCa = 'paste the CA certificate: a -----BEGIN CERTIFICATE----- block';
  const days = f.refreshLifetimeDays.trim();
  if (days !== '') {
    const n = Number(days);
    if (!Number.isFinite(n) || n * 86400 < 60 || n > 3650) e.refreshLifetimeDays = 'a number of days between 0.001 and 3650, or empty for the default';
  }
  const redirect = f.redirectUri.trim();
  if (redirect) {
    try {
      const url = new URL(redirect);
      const scheme = url.protocol.slice(0, -1);
      if (scheme === 'https') e.redirectUri = `an https redirect cannot reach Tokendeck; use ${DEFAULT_REDIRECT}`;
      else if (scheme === 'http' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) e.redirectUri = 'http redirects must use 127.0.0.1';
      else if (scheme !== 'http' && !scheme.includes('.')) e.redirectUri = 'a custom scheme must be reverse-DNS, like io.github.tokendeck';
    } catch {
      e.redirectUri = 'not a URL';
    }
  }
  for (const [key, value] of Object.entries(f.overrides)) {
    const p = value.trim() ? urlProblem(value.trim()) : undefined;
    if (p) e.overrides = `${key}: ${p}`;
  }
  return e;
}

/** `eu-west-1_AbC123` → `eu-west-1`: a pool id names its region. */
export function regionOfPool(poolId: string): string | null {
  const [region, suffix] = poolId.trim().split('_');
  return region && suffix && REGION.test(region) ? region : null;
}

/** A full hosted-UI domain pasted into the prefix field, split into prefix and region. */
export function splitCognitoDomain(text: string): { prefix: string; region: string } | null {
  const m = /^(?:https?:\/\/)?([a-z0-9-]+)\.auth\.([a-z0-9-]+)\.amazoncognito\.com\/?$/i.exec(text.trim());
  return m?.[1] && m[2] && REGION.test(m[2].toLowerCase())
    ? { prefix: m[1].toLowerCase(), region: m[2].toLowerCase() }
    : null;
}

/** A one-click fix for an issuer that is really the discovery URL, or ends with a stray `/`. */
export function issuerFix(issuer: string): { fixed: string; why: string } | null {
  const t = issuer.trim();
  const discovery = '/.well-known/openid-configuration';
  if (t.endsWith(discovery)) {
    return { fixed: t.slice(0, -discovery.length), why: 'that is the discovery URL; the issuer is the part before it' };
  }
  if (/^https?:\/\/[^/]+\/.+\/$/.test(t) || /^https?:\/\/[^/]+\/$/.test(t)) {
    return {
      fixed: t.replace(/\/+$/, ''),
      why: 'the issuer must match exactly what the provider publishes; most have no trailing slash (Check tells)',
    };
  }
  return null;
}

/** Applies what a pasted value says about other fields (region from a pool id or a domain). */
export function autofill(form: ProviderForm): void {
  const split = splitCognitoDomain(form.prefix);
  if (split) {
    form.prefix = split.prefix;
    form.region = split.region;
  }
  const region = regionOfPool(form.userPoolId);
  if (region && !form.region.trim()) form.region = region;
}

function validateCredential(f: ProviderForm, stored: StoredCredential | undefined, e: FormErrors) {
  const keeps = stored?.has === true && !f.removeSecret;
  const secretMethod = f.clientAuth === 'client_secret_basic' || f.clientAuth === 'client_secret_post';
  if (f.clientAuth === 'private_key_jwt') {
    if (f.kind === 'cognito') {
      e.clientAuth = 'Cognito app clients use a client secret';
      return;
    }
    const key = f.clientKey.trim();
    const keptIsSecret = keeps && stored?.method !== 'private_key_jwt' && stored?.method !== 'auto';
    if (key) e.clientKey = privateKeyProblem(key);
    else if (!keeps || keptIsSecret) e.clientKey = 'paste the private key registered with the app client';
  } else {
    // A one-line secret field would also drop a pasted key's line breaks.
    const secret = f.clientSecret.trim();
    if (secret && looksLikePrivateKey(secret)) e.clientSecret = 'this is a private key: choose “Signed with a private key” and paste it there';
    else if (secretMethod && !secret && keeps && stored?.method === 'private_key_jwt') e.clientSecret = 'the keyring holds a private key: enter the client secret for this method';
  }
  const kid = f.clientKeyId.trim();
  if (f.clientAuth === 'private_key_jwt' && kid.length > 256) e.clientKeyId = 'a key id is at most 256 characters';
  for (const key of ['clientKey', 'clientSecret', 'clientKeyId', 'clientAuth'] as const) if (e[key] === undefined) delete e[key];
}

/** What is wrong with a proxy setting, in the words Rust's check uses (empty and "direct" are fine). */
export function proxyProblem(proxy: string): string | null {
  if (proxy === '' || proxy === 'direct') return null;
  let url: URL;
  try {
    url = new URL(proxy);
  } catch {
    return 'a URL such as http://proxy.example.com:3128, "direct" for none, or empty for the environment\'s';
  }
  if (!['http:', 'https:', 'socks5:', 'socks5h:'].includes(url.protocol)) return 'its scheme must be http, https, socks5 or socks5h';
  if (url.username || url.password) return 'a user name or password cannot be kept here: set HTTPS_PROXY with them where Tokendeck starts';
  if (!['', '/'].includes(url.pathname) || url.search || url.hash) return 'only scheme, host and port';
  return null;
}
