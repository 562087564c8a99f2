// Test doubles shared by the unit and component tests.
import { vi } from 'vitest';
import type { DeckApi, DeckEvents } from './api';
import type { DeckView } from './bindings/DeckView';
import type { ProviderView } from './bindings/ProviderView';

export function view(providers: ProviderView[] = []): DeckView {
  return {
    providers,
    accounts: [],
    settings: { clipboardClearSeconds: 30, appAnswersCommandLine: true, keepFresh: true, deadlineWarningHours: 24, closeToTray: false },
    notices: [],
  };
}

/** An in-memory DeckApi standing in for the Rust side (the e2e suite drives the real one). */
export function fakeApi(overrides: Partial<DeckApi> = {}): DeckApi & { events: () => DeckEvents } {
  let events: DeckEvents | undefined;
  const api: DeckApi = {
    snapshot: vi.fn(async () => view()),
    dismissNotices: vi.fn(async () => {}),
    saveProvider: vi.fn(),
    removeProvider: vi.fn(async () => {}),
    checkProvider: vi.fn(),
    beginSignIn: vi.fn(async (providerId) => ({ state: 's-1', providerId, expiresIn: 600, viaLoopback: false })),
    cancelSignIn: vi.fn(async () => true),
    refresh: vi.fn(),
    refreshAll: vi.fn(async () => []),
    accountDetail: vi.fn(),
    copy: vi.fn(async () => 30),
    copyPlainText: vi.fn(async () => {}),
    signOut: vi.fn(),
    machineToken: vi.fn(),
    inspect: vi.fn(),
    setClipboardClearSeconds: vi.fn(async () => {}),
    setAppAnswersCommandLine: vi.fn(async () => {}),
    setKeepFresh: vi.fn(async () => {}),
    setAccountKeepFresh: vi.fn(async () => {}),
    setDeadlineWarningHours: vi.fn(async () => {}),
    setCloseToTray: vi.fn(async () => {}),
    userinfo: vi.fn(),
    copySignInUrl: vi.fn(async (providerId) => ({ state: 's-2', providerId, expiresIn: 600, viaLoopback: false })),
    beginDeviceSignIn: vi.fn(async (providerId) => ({
      id: 'd-1', providerId, userCode: 'WDJB-MJHT', verificationUri: 'https://id.example.com/device',
      verificationUriComplete: 'https://id.example.com/device?user_code=WDJB-MJHT', expiresIn: 600,
    })),
    openDeviceSignInPage: vi.fn(async () => {}),
    signInWithPassword: vi.fn(async () => ({ outcome: 'challenge' as const, id: 'c1', name: 'NEW_PASSWORD_REQUIRED', prompt: 'Choose a new password', details: [], choices: [], refused: null })),
    answerChallenge: vi.fn(),
    awsCredentials: vi.fn(),
    exportProviders: vi.fn(async () => '{"format":"tokendeck-providers","version":1,"providers":[]}'),
    importProviders: vi.fn(async () => ({ added: [], skipped: [], notes: [] })),
    subscribe: vi.fn(async (e: DeckEvents) => {
      events = e;
      return () => {};
    }),
    ...overrides,
  };
  return Object.assign(api, { events: () => events! });
}

export function provider(id: string, name = id): ProviderView {
  return {
    config: {
      id,
      name,
      source: { kind: 'oidc', issuer: 'https://id.example.com' },
      clientId: 'c',
      confidential: false,
      scopes: ['openid'],
      redirectUri: null,
      overrides: { issuer: null, authorization: null, token: null, userinfo: null, revocation: null, logout: null, jwksUri: null, cognitoIdp: null, cognitoIdentity: null },
      identityPoolId: null,
      refreshTokenLifetime: null,
      signInOptions: { prompt: null, loginHint: null, identityProvider: null, idpIdentifier: null, lang: null, scopes: null },
      browserCommand: null,
      clientAuth: 'auto',
      clientKeyId: null,
    },
    hasClientSecret: false,
    redirect: { uri: `io.github.tokendeck://callback/${id}`, loopbackUri: `http://127.0.0.1/callback/${id}`, mixUpProtected: true, advice: null },
    passwordSignIn: false,
    deviceSignIn: true,
  };
}

/** `count` signed-in accounts (user0, user1…) spread over five providers (Pool 0…4). */
export function accountsView(count: number): DeckView {
  const now = Math.floor(Date.now() / 1000);
  return {
    providers: [0, 1, 2, 3, 4].map((i) => provider(`p${i}`, `Pool ${i}`)),
    accounts: Array.from({ length: count }, (_, i) => ({
      record: {
        id: `a${i}`,
        providerId: `p${i % 5}`,
        label: `user${i}`,
        kind: 'user' as const,
        subject: `s${i}`,
        username: `user${i}`,
        email: null,
        createdAt: now,
        status: { state: 'active' as const },
        signIn: 'browser' as const,
      },
      session: {
        origin: 'refresh' as const,
        accessExpiresAt: now + 3600,
        idExpiresAt: now + 3600,
        refreshedAt: now,
        hasRefreshToken: true,
        grantedScopes: ['openid'],
        requestedScopes: ['openid'],
        verification: { status: 'verified' as const, issuer: 'https://id.example.com' },
      },
      refreshFailure: null,
    })),
    settings: { clipboardClearSeconds: 30, appAnswersCommandLine: true, keepFresh: true, deadlineWarningHours: 24, closeToTray: false },
    notices: [],
  };
}
