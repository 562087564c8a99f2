// A real OpenID provider (oidc-provider, OpenID Certified) shaped like an Amazon Cognito user
// pool: Cognito's paths, `cognito:*` and `token_use` claims, JWT access tokens carrying
// `client_id` and `scope`, refresh tokens without `offline_access`, no consent screen.
//
// Usage: node server.mjs [--port N] [--demo] [--test-controls] [--token-latency-ms N]
//                       [--access-token-ttl SECONDS] [--signing-alg ALG]
//                       [--client-auth-methods m1,m2,...] [--tls-cert PEM --tls-key PEM]
//                       [--device-flow [--device-interval S] [--device-code-ttl S]]
// Prints one JSON line on stdout when ready: {"issuer": "...", "port": N}.
// --demo shows the demo users on the login page; --test-controls enables /__test/* routes
// (key rotation, request counters) used by the test suites. Loopback only.
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { createPublicKey, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import Provider, { interactionPolicy } from 'oidc-provider';
import { SignJWT, exportJWK, exportPKCS8, generateKeyPair, createLocalJWKSet, importJWK, jwtVerify } from 'jose';

import { CLIENTS, NATIVE_REDIRECTS, USERS, API_RESOURCE, API_SCOPES } from './config.mjs';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    demo: { type: 'boolean', default: false },
    'test-controls': { type: 'boolean', default: false },
    // Delay token responses, to stand in for the round trip to a remote pool in benchmarks.
    'token-latency-ms': { type: 'string', default: '0' },
    // Short-lived access and ID tokens, for background-refresh tests and the soak benchmark.
    'access-token-ttl': { type: 'string', default: '3600' },
    // The JWS algorithm of the signing key, the ID and access tokens and discovery's
    // id_token_signing_alg_values_supported (one algorithm per instance).
    'signing-alg': { type: 'string', default: 'RS256' },
    // The token endpoint's client authentication methods (discovery lists them; clients
    // registered for others are left out). Default: oidc-provider's own list.
    'client-auth-methods': { type: 'string' },
    // Serve over TLS with this certificate (for localhost), as https://localhost:PORT.
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    // The device authorization grant (RFC 8628): discovery advertises it, the client
    // tokendeck-device may use it (and so may the private_key_jwt client).
    'device-flow': { type: 'boolean', default: false },
    // The polling interval the device authorization response names, and how long a code lasts.
    'device-interval': { type: 'string', default: '5' },
    'device-code-ttl': { type: 'string', default: '600' },
    // Refresh tokens that live this many seconds, said in each token response as Keycloak
    // does (`refresh_expires_in`, counted again from each refresh). Default: 30 days, unsaid.
    'refresh-expires-in': { type: 'string' },
  },
});

const SIGNING_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA', 'Ed25519'];
const signingAlg = args['signing-alg'];
if (!SIGNING_ALGS.includes(signingAlg)) throw new Error(`--signing-alg must be one of ${SIGNING_ALGS.join(', ')}`);
// JWK members of a private key, left out of the published set.
const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth']);

const accessTokenTtl = Number.parseInt(args['access-token-ttl'], 10);
const refreshExpiresIn = args['refresh-expires-in'] === undefined ? undefined : Number.parseInt(args['refresh-expires-in'], 10);
if (refreshExpiresIn !== undefined && !(refreshExpiresIn > 0)) throw new Error('--refresh-expires-in must be a positive number of seconds');
if (!(accessTokenTtl > 0)) throw new Error('--access-token-ttl must be a positive number of seconds');
const signingKeys = [await newSigningKey()];
const clientKeys = await newClientKeys();
const clientAuthMethods = args['client-auth-methods']?.split(',');
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const deviceFlow = args['device-flow'];
const deviceInterval = Number.parseInt(args['device-interval'], 10);
const deviceCodeTtl = Number.parseInt(args['device-code-ttl'], 10);
if (!(deviceInterval >= 0 && deviceCodeTtl > 0)) throw new Error('--device-interval and --device-code-ttl must be numbers of seconds');
const deviceClients = deviceFlow
  ? [{
    client_id: 'tokendeck-device',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: [DEVICE_GRANT, 'refresh_token'],
    response_types: [],
    redirect_uris: [],
  }]
  : [];
const clients = [...CLIENTS, ...clientKeys.clients, ...deviceClients]
  .filter((c) => !clientAuthMethods || clientAuthMethods.includes(c.token_endpoint_auth_method))
  .map((c) => (deviceFlow && c.token_endpoint_auth_method === 'private_key_jwt'
    ? { ...c, grant_types: [...c.grant_types, DEVICE_GRANT] }
    : c));
// Device-code polling, as RFC 8628 §3.5 has a provider do it: a poll sooner than the
// interval is answered slow_down, and that code's interval grows by 5 s. Test controls can
// force the next N pending polls to slow_down, and read when each poll came.
const devicePolling = { intervals: new Map(), last: new Map(), polls: [], forcedSlowDowns: 0 };
const counters = { token: 0, jwks: 0, revoke: 0 };
// Test controls can make the next N token or JWKS responses misbehave the way proxies, load
// balancers and outages do (HTML error pages, redirects, stalls).
const faults = { token: [], jwks: [] };
// Off: like providers that issue a refresh token only at first consent (test control).
let issueRefreshTokens = true;
let provider;
let issuer;

async function newSigningKey() {
  const options = { extractable: true };
  if (/^(RS|PS)/.test(signingAlg)) options.modulusLength = 2048;
  if (signingAlg === 'EdDSA') options.crv = 'Ed25519';
  const { privateKey } = await generateKeyPair(signingAlg, options);
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: randomUUID(), alg: signingAlg, use: 'sig' };
}

// A private_key_jwt client holding one key of each type Tokendeck signs with, and a
// client_secret_post client. The private keys (PKCS#8 PEM) are handed to tests by
// /__test/client-keys, as a developer would copy theirs.
async function newClientKeys() {
  const kinds = [
    ['rsa', 'RS256', { modulusLength: 2048 }],
    ['p256', 'ES256', {}],
    ['p384', 'ES384', {}],
    ['ed25519', 'EdDSA', { crv: 'Ed25519' }],
  ];
  const pems = {};
  const keys = [];
  for (const [name, alg, options] of kinds) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...options });
    pems[name] = { pem: await exportPKCS8(privateKey), kid: `client-${name}` };
    keys.push({ ...(await exportJWK(publicKey)), kid: `client-${name}`, use: 'sig' });
  }
  const base = {
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    redirect_uris: NATIVE_REDIRECTS,
  };
  return {
    pems,
    clients: [
      { ...base, client_id: 'tokendeck-private-key-jwt', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys } },
      { ...base, client_id: 'tokendeck-secret-post', client_secret: 'post-secret-0123456789abcdef', token_endpoint_auth_method: 'client_secret_post' },
    ],
  };
}

// oidc-provider takes a secret in either place whatever the client registered; Okta and
// others accept only the registered method. So does this provider, for the post client.
function basicAuthForPostClient(req) {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return false;
  const [id] = Buffer.from(header.slice(6), 'base64').toString().split(':');
  return decodeURIComponent(id) === 'tokendeck-secret-post';
}

function publicJwks() {
  return { keys: signingKeys.map((key) => Object.fromEntries(Object.entries(key).filter(([name]) => !PRIVATE_MEMBERS.has(name)))) };
}

function buildProvider() {
  const policy = interactionPolicy.base();
  // Cognito shows no consent screen; native clients would otherwise loop on consent.
  policy.get('consent').checks.remove('native_client_prompt');

  const p = new Provider(issuer, {
    clients,
    ...(clientAuthMethods ? { clientAuthMethods } : {}),
    jwks: { keys: signingKeys },
    cookies: { keys: ['tokendeck-test-cookie-key'] },
    pkce: { required: () => true },
    enabledJWA: {
      idTokenSigningAlgValues: [signingAlg],
      userinfoSigningAlgValues: [signingAlg],
      clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'Ed25519'],
    },
    clientDefaults: {
      grant_types: ['authorization_code'],
      id_token_signed_response_alg: signingAlg,
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    routes: {
      authorization: '/oauth2/authorize',
      token: '/oauth2/token',
      userinfo: '/oauth2/userInfo-opaque',
      revocation: '/oauth2/revoke',
      jwks: '/.well-known/jwks.json',
      end_session: '/oidc/logout',
    },
    claims: {
      openid: ['sub', 'token_use', 'cognito:username', 'cognito:groups'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
    },
    conformIdTokenClaims: false,
    findAccount: async (_ctx, id) => {
      const user = Object.values(USERS).find((u) => u.sub === id);
      if (!user) return undefined;
      return { accountId: id, claims: async (use) => accountClaims(user, use) };
    },
    interactions: { policy, url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
      userinfo: { enabled: true },
      deviceFlow: {
        enabled: deviceFlow,
        userCodeInputSource: deviceInputPage,
        userCodeConfirmSource: deviceConfirmPage,
        successSource: deviceSuccessPage,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: API_SCOPES.join(' '),
          audience: API_RESOURCE,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: signingAlg } },
        }),
      },
    },
    extraTokenClaims: async (_ctx, token) => {
      const claims = { token_use: 'access' };
      const user = Object.values(USERS).find((u) => u.sub === token.accountId);
      if (user) {
        claims.username = user.username;
        claims['cognito:groups'] = user.groups;
      }
      return claims;
    },
    issueRefreshToken: async (_ctx, client) => issueRefreshTokens && client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: (ctx) => Boolean(ctx.oidc.client?.rotateRefreshTokens),
    extraClientMetadata: { properties: ['rotateRefreshTokens'] },
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: accessTokenTtl,
      ClientCredentials: 3600,
      IdToken: accessTokenTtl,
      AuthorizationCode: 300,
      Grant: 30 * 24 * 3600,
      RefreshToken: refreshExpiresIn ?? 30 * 24 * 3600,
      Interaction: 3600,
      Session: 24 * 3600,
      DeviceCode: deviceCodeTtl,
    },
  });
  p.proxy = false;
  if (deviceFlow) p.use(pollingRules);
  if (refreshExpiresIn !== undefined) {
    p.use(async (ctx, next) => {
      await next();
      if (ctx.path === '/oauth2/token' && ctx.body?.refresh_token) ctx.body.refresh_expires_in = refreshExpiresIn;
    });
  }
  p.on('server_error', (_ctx, err) => console.error('server_error', err));
  return p;
}

function accountClaims(user, use) {
  const claims = {
    sub: user.sub,
    'cognito:username': user.username,
    'cognito:groups': user.groups,
    email: user.email,
    email_verified: true,
    name: user.name,
  };
  if (use === 'id_token') claims.token_use = 'id';
  return claims;
}

// ---- the small login page (the library's dev page loads remote fonts) -------------------

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, { error, loginHint }) {
  const demo = args.demo
    ? `<p class="hint">Demo users: ${Object.values(USERS).filter((u) => !u.bulk).map((u) => `<code>${escape(u.username)}</code> / <code>${escape(u.password)}</code>`).join(', ')}</p>`
    : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>Sign in - Tokendeck demo pool</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto;color:#222}
input{display:block;width:100%;margin:.3rem 0 1rem;padding:.5rem;box-sizing:border-box}
button{padding:.6rem 1.2rem}.error{color:#b00020}.hint{color:#555;font-size:.9rem}</style></head>
<body><h1>Sign in</h1>${error ? `<p class="error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>Username<input name="username" autocomplete="username" autofocus value="${escape(loginHint ?? '')}"></label>
<label>Password<input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form>
<form method="post" action="/interaction/${escape(uid)}/abort"><button type="submit" name="cancel">Cancel</button></form>${demo}</body></html>`;
}

async function readBody(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 16384) throw new Error('form too large');
  }
  return Object.fromEntries(new URLSearchParams(body));
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, 'text/plain', 'interaction mismatch');
  const { prompt, params, session } = details;

  if (action === 'abort') {
    return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user cancelled the sign-in.' }, { mergeWithLastSubmission: false });
  }
  if (prompt.name === 'login') {
    if (action !== 'login') {
      return send(res, 200, 'text/html; charset=utf-8', loginPage(uid, { loginHint: params.login_hint }));
    }
    const form = await readForm(req);
    const user = USERS[form.username];
    if (!user || user.password !== form.password) {
      return send(res, 200, 'text/html; charset=utf-8', loginPage(uid, { error: 'Incorrect username or password.', loginHint: form.username }));
    }
    return provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
  }

  // Cognito has no consent screen: grant what was asked.
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const missing = prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
}

// ---- the device flow's pages, and its polling rules -------------------------------------

const page = (title, body) => `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto;color:#222}
input{display:block;width:100%;margin:.3rem 0 1rem;padding:.5rem;box-sizing:border-box}
button{padding:.6rem 1.2rem}.error{color:#b00020}code{font-size:1.6rem}</style></head><body>${body}</body></html>`;

async function deviceInputPage(ctx, form, _out, err) {
  const problem = err ? `<p class="error">${err.userCode || err.name === 'NoCodeError' ? 'That code is not right. Try again.' : 'The sign-in was interrupted.'}</p>` : '';
  ctx.body = page('Enter your code', `<h1>Enter your code</h1>${problem}<p>Enter the code your device shows.</p>${form}<button type="submit" name="continue" form="op.deviceInputForm">Continue</button>`);
}

async function deviceConfirmPage(ctx, form, _client, _deviceInfo, userCode) {
  ctx.body = page('Confirm the device', `<h1>Confirm the device</h1><p>Does your device show this code?</p><p><code data-testid="user-code">${escape(userCode)}</code></p>${form}
<button type="submit" name="confirm-device" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" value="yes" name="abort">Abort</button>`);
}

async function deviceSuccessPage(ctx) {
  ctx.body = page('Signed in', '<h1 data-testid="device-done">Signed in</h1><p>You can return to your device.</p>');
}

async function pollingRules(ctx, next) {
  await next();
  if (ctx.path === '/device/auth' && ctx.status === 200 && ctx.body?.device_code) {
    ctx.body.interval = deviceInterval;
    devicePolling.intervals.set(ctx.body.device_code, deviceInterval);
    return;
  }
  const code = ctx.oidc?.params?.device_code;
  if (ctx.path !== '/oauth2/token' || ctx.oidc?.params?.grant_type !== DEVICE_GRANT || !code) return;
  const now = Date.now();
  const last = devicePolling.last.get(code);
  const interval = devicePolling.intervals.get(code) ?? deviceInterval;
  devicePolling.polls.push({ at: now, answer: ctx.body?.error ?? 'tokens' });
  devicePolling.last.set(code, now);
  if (ctx.body?.error !== 'authorization_pending') return;
  // 100 ms of slack for the network and timers.
  const early = last !== undefined && now - last < interval * 1000 - 100;
  if (early || devicePolling.forcedSlowDowns > 0) {
    if (!early) devicePolling.forcedSlowDowns -= 1;
    devicePolling.intervals.set(code, interval + 5);
    ctx.body = { error: 'slow_down', error_description: `poll at most every ${interval + 5} s` };
    devicePolling.polls.at(-1).answer = 'slow_down';
  }
}

// ---- userInfo that accepts the JWT access tokens (the built-in one only knows opaque ones) ---

async function userInfo(req, res) {
  const header = req.headers.authorization ?? '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : '';
  const deny = () => {
    res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'invalid_token' }));
  };
  if (!token) return deny();
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(publicJwks()), { issuer, algorithms: [signingAlg] });
    if (payload.token_use !== 'access' || !payload.scope?.split(' ').includes('openid')) return deny();
    const user = Object.values(USERS).find((u) => u.sub === payload.sub);
    if (!user) return deny();
    const { token_use: _ignored, ...claims } = accountClaims(user, 'userinfo');
    claims.username = user.username;
    return send(res, 200, 'application/json', JSON.stringify(claims));
  } catch {
    return deny();
  }
}

// ---- Cognito's /logout?client_id=...&logout_uri=... : end the browser session --------------

function hostedLogout(req, res) {
  const params = new URL(req.url, issuer).searchParams;
  const client = clients.find((c) => c.client_id === params.get('client_id'));
  const target = params.get('logout_uri');
  const expired = ['_session', '_session.sig', '_session.legacy', '_session.legacy.sig']
    .map((name) => `${name}=; Path=/; Max-Age=0; HttpOnly`);
  if (!client) return send(res, 400, 'text/plain', 'unknown client_id');
  if (target && client.redirect_uris.includes(target)) {
    res.writeHead(302, { location: target, 'set-cookie': expired });
    return res.end();
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': expired });
  return res.end('<!doctype html><title>Signed out</title><p>You are signed out. You can close this tab.</p>');
}

async function misbehave(res, fault) {
  const html = (status) => send(res, status, 'text/html', `<!doctype html><html><body><h1>${status}</h1></body></html>`);
  switch (fault) {
    case 'html502': return html(502);
    case 'html403': return html(403);
    case 'html200': return html(200);
    case 'text200': return send(res, 200, 'text/plain', 'ok');
    case 'redirect302':
      res.writeHead(302, { location: 'https://login.example.com/' });
      return res.end();
    case 'invalid_client':
      return send(res, 401, 'application/json', JSON.stringify({ error: 'invalid_client', error_description: 'client authentication failed' }));
    case 'stall':
      await new Promise((ok) => setTimeout(ok, 5000));
      return html(504);
    case 'down':
      return send(res, 503, 'text/plain', 'unavailable');
    default:
      return send(res, 500, 'text/plain', `unknown fault ${fault}`);
  }
}

// ---- test controls -------------------------------------------------------------------------

async function testControl(req, res, path) {
  if (path === '/__test/rotate-keys' && req.method === 'POST') {
    signingKeys.unshift(await newSigningKey());
    provider = buildProvider();
    return send(res, 200, 'application/json', JSON.stringify({ kid: signingKeys[0].kid }));
  }
  if (path === '/__test/public-pem') {
    const pem = createPublicKey({ key: publicJwks().keys[0], format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    return send(res, 200, 'application/x-pem-file', pem);
  }
  if (path === '/__test/fault' && req.method === 'POST') {
    const { target, mode, count = 1 } = JSON.parse(await readBody(req));
    for (let i = 0; i < count; i++) faults[target].push(mode);
    return send(res, 200, 'application/json', '{}');
  }
  if (path === '/__test/sign' && req.method === 'POST') {
    // Signs test-chosen claims with the provider's real current key (RP certification cases:
    // tokens a correct provider would never issue, signed so only the claim rules can refuse
    // them). `kid: null` leaves the kid out of the header.
    // `alg` names the algorithm in the header when it differs from the key's own label
    // (EdDSA and Ed25519 are two names for one algorithm).
    const { claims, kid, alg = signingKeys[0].alg } = JSON.parse(await readBody(req));
    const { alg: _label, ...key } = signingKeys[0];
    const header = { alg, typ: 'JWT' };
    if (kid !== null) header.kid = kid ?? key.kid;
    const jwt = await new SignJWT(claims).setProtectedHeader(header).sign(await importJWK(key, alg));
    return send(res, 200, 'application/json', JSON.stringify({ jwt }));
  }
  if (path === '/__test/client-keys') return send(res, 200, 'application/json', JSON.stringify(clientKeys.pems));
  if (path === '/__test/issue-refresh-tokens' && req.method === 'POST') {
    issueRefreshTokens = Boolean(JSON.parse(await readBody(req)).on);
    return send(res, 200, 'application/json', '{}');
  }
  if (path === '/__test/device-slow-down' && req.method === 'POST') {
    devicePolling.forcedSlowDowns += JSON.parse(await readBody(req)).count;
    return send(res, 200, 'application/json', '{}');
  }
  if (path === '/__test/device-polls') return send(res, 200, 'application/json', JSON.stringify(devicePolling.polls));
  if (path === '/__test/counters') return send(res, 200, 'application/json', JSON.stringify(counters));
  return send(res, 404, 'text/plain', 'unknown control');
}

const tls = args['tls-cert'] ? { cert: readFileSync(args['tls-cert']), key: readFileSync(args['tls-key']) } : null;
const handler = async (req, res) => {
  try {
    const path = new URL(req.url, issuer).pathname;
    const fault = path === '/oauth2/token' ? faults.token.shift() : path === '/.well-known/jwks.json' ? faults.jwks.shift() : undefined;
    if (fault) return await misbehave(res, fault);
    if (path === '/oauth2/token') {
      counters.token += 1;
      const delay = Number(args['token-latency-ms']);
      if (delay > 0) await new Promise((ok) => setTimeout(ok, delay));
    }
    if (path === '/.well-known/jwks.json') counters.jwks += 1;
    if (path === '/oauth2/revoke') counters.revoke += 1;
    if (basicAuthForPostClient(req)) {
      return send(res, 401, 'application/json', JSON.stringify({ error: 'invalid_client', error_description: 'this client is registered for client_secret_post' }));
    }
    if (path === '/oauth2/userInfo') return await userInfo(req, res);
    if (path === '/logout') return hostedLogout(req, res);
    const m = path.match(/^\/interaction\/([\w-]+)(?:\/(login|abort))?$/);
    if (m) return await interaction(req, res, m[1], m[2]);
    if (path.startsWith('/__test/') && args['test-controls']) return await testControl(req, res, path);
    return provider.callback()(req, res);
  } catch (err) {
    console.error(err);
    if (!res.headersSent) send(res, 500, 'text/plain', 'internal error');
  }
};

const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
server.listen(Number(args.port), '127.0.0.1', () => {
  const { port } = server.address();
  issuer = tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`;
  provider = buildProvider();
  process.stdout.write(`${JSON.stringify({ issuer, port })}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
