// Clients and users of the local Cognito-shaped pool. Shared by the tests and the demo.
export const API_RESOURCE = 'urn:tokendeck:demo-api';
export const API_SCOPES = ['openid', 'email', 'profile', 'demo-api/read', 'demo-api/write'];

// Each provider in Tokendeck gets its own redirect URI, io.github.tokendeck://callback/<slug>
// (and http://127.0.0.1/callback/<slug> for the CLI), made from its name; a user registers
// exactly these with the app client. Registered here: the slugs of the names the tests and the
// demo use, plus the shared URI that providers saved before per-provider redirects use.
const REDIRECT_SLUGS = [
  'local-demo', 'local-pool', 'local-pool-2', 'local-pool-3', 'local', 'pool', 'rotating',
  'provider-a', 'provider-b', 'bench-pool',
];
export const NATIVE_REDIRECTS = [
  'io.github.tokendeck://callback',
  'http://127.0.0.1/callback',
  ...REDIRECT_SLUGS.flatMap((slug) => [`io.github.tokendeck://callback/${slug}`, `http://127.0.0.1/callback/${slug}`]),
];

export const CLIENTS = [
  {
    // A public app client, like a Cognito app client without a secret.
    client_id: 'tokendeck-native',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: NATIVE_REDIRECTS,
  },
  {
    // The same, with refresh-token rotation (Cognito can enable rotation per client).
    client_id: 'tokendeck-rotating',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: NATIVE_REDIRECTS,
    rotateRefreshTokens: true,
  },
  {
    // An app client with a secret doing the code flow.
    client_id: 'tokendeck-confidential',
    client_secret: 'confidential-secret-0123456789',
    application_type: 'native',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: NATIVE_REDIRECTS,
  },
  {
    // oidc-agent, the reference token agent, for benches/oidc-agent. It always authenticates
    // with HTTP Basic, a public client's with an empty secret, which oidc-provider refuses: so
    // a secret. Redirect URIs: http://localhost:<port>, no path, on oidc-gen's default ports.
    client_id: 'oidc-agent-bench',
    client_secret: 'oidc-agent-secret-0123456789',
    application_type: 'native',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [4242, 8080, 43985].map((port) => `http://localhost:${port}`),
  },
  {
    // Machine to machine: client credentials only.
    client_id: 'tokendeck-m2m',
    client_secret: 'm2m-secret-0123456789abcdef',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  },
];

// Bulk users for benchmarks with many accounts: user01 … user60, password "bench-password".
const bulkUsers = Object.fromEntries(
  Array.from({ length: 60 }, (_, i) => {
    const n = String(i + 1).padStart(2, '0');
    const username = `user${n}`;
    return [username, {
      sub: `00000000-0000-4000-8000-0000000000${n}`,
      username,
      password: 'bench-password',
      email: `${username}@example.com`,
      name: `Bench User ${n}`,
      groups: ['bench'],
      bulk: true,
    }];
  }),
);

export const USERS = {
  ...bulkUsers,
  alice: {
    sub: '6f1c9a2e-8d44-4b4e-9c1a-0a11ce000001',
    username: 'alice',
    password: 'alice-password',
    email: 'alice@example.com',
    name: 'Alice Admin',
    groups: ['admins', 'qa'],
  },
  bob: {
    sub: '6f1c9a2e-8d44-4b4e-9c1a-0b0b00000002',
    username: 'bob',
    password: 'bob-password',
    email: 'bob@example.com',
    name: 'Bob Tester',
    groups: ['qa'],
  },
};
