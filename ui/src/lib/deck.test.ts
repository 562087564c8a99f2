import { describe, expect, it, vi } from 'vitest';
import { AppError, type DeckApi, type DeckEvents } from './api';
import { DeckState } from './deck.svelte';
import type { DeckView } from './bindings/DeckView';

function view(): DeckView {
  return {
    providers: [],
    accounts: [],
    settings: { clipboardClearSeconds: 30 },
    notices: [],
  };
}

/** An in-memory DeckApi standing in for the Rust side (the e2e suite drives the real one). */
function fakeApi(overrides: Partial<DeckApi> = {}): DeckApi & { events: () => DeckEvents } {
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
    signInWithPassword: vi.fn(async () => ({ outcome: 'challenge' as const, id: 'c1', name: 'NEW_PASSWORD_REQUIRED', prompt: 'Choose a new password' })),
    answerChallenge: vi.fn(),
    awsCredentials: vi.fn(),
    subscribe: vi.fn(async (e: DeckEvents) => {
      events = e;
      return () => {};
    }),
    ...overrides,
  };
  return Object.assign(api, { events: () => events! });
}

describe('DeckState', () => {
  it('reloads when the window regains focus, and stops after stop()', async () => {
    const api = fakeApi();
    const deck = new DeckState(api);
    await deck.start();
    expect(api.snapshot).toHaveBeenCalledTimes(1);
    window.dispatchEvent(new Event('focus'));
    await vi.waitFor(() => expect(api.snapshot).toHaveBeenCalledTimes(2));
    deck.stop();
    window.dispatchEvent(new Event('focus'));
    await new Promise((r) => setTimeout(r, 10));
    expect(api.snapshot).toHaveBeenCalledTimes(2);
  });

  it('signs in again with the account\'s username as login_hint', async () => {
    const api = fakeApi();
    const deck = new DeckState(api);
    await deck.signIn('p1', true, 'alice');
    expect(api.beginSignIn).toHaveBeenCalledWith('p1', { forceLogin: true, loginHint: 'alice' });
  });

  it('tracks a pending sign-in and cancels it', async () => {
    const api = fakeApi();
    const deck = new DeckState(api);
    await deck.start();
    await deck.signIn('p1');
    expect(deck.pending?.state).toBe('s-1');
    await deck.cancelSignIn();
    expect(api.cancelSignIn).toHaveBeenCalledWith('s-1');
    expect(deck.pending).toBeNull();
  });

  it('a refused deep link for another sign-in leaves the pending one alone', async () => {
    const api = fakeApi();
    const deck = new DeckState(api);
    await deck.start();
    await deck.signIn('p1');
    api.events().authFailed({ state: null, error: { code: 'bad_callback', message: 'this sign-in link does not belong…' } });
    expect(deck.pending?.state).toBe('s-1');
    expect(deck.toasts.at(-1)?.kind).toBe('error');
    expect(deck.toasts.at(-1)?.detail).toBe('Nothing was changed. Start the sign-in from Tokendeck.');
    api.events().authFailed({ state: 's-1', error: { code: 'access_denied', message: 'cancelled' } });
    expect(deck.pending).toBeNull();
    // The provider's error ends that sign-in: the dialog shows why, instead of counting down.
    expect(deck.failedSignIn).toMatchObject({ providerId: 'p1', message: 'cancelled' });
    deck.closeFailedSignIn();
    expect(deck.failedSignIn).toBeNull();
  });

  it('keeps a Cognito challenge until it is answered', async () => {
    const api = fakeApi();
    const deck = new DeckState(api);
    await deck.signInWithPassword('p1', 'newbie', 'Temp-Passw0rd!');
    expect(api.signInWithPassword).toHaveBeenCalledWith('p1', 'newbie', 'Temp-Passw0rd!', true);
    expect(deck.challenge?.prompt).toBe('Choose a new password');
    api.answerChallenge = vi.fn(async () => {
      throw new AppError({ code: 'provider_error', message: 'InvalidPasswordException: too short' });
    });
    await deck.answerChallenge('short');
    expect(api.answerChallenge).toHaveBeenCalledWith('c1', 'short');
    expect(deck.challenge).toBeNull();
    expect(deck.toasts.at(-1)?.text).toMatch(/too short/);
  });

  it('reports keyboard copies with the clear delay; a button copy confirms on the button', async () => {
    const deck = new DeckState(fakeApi());
    await deck.copy('a1', 'authorizationHeader');
    expect(deck.toasts.at(-1)?.text).toBe('Authorization header copied. It will be cleared in 30 s.');
    await deck.copy('a1', 'accessToken', 'button');
    expect(deck.toasts).toHaveLength(1);
    expect(deck.lastCopy).toMatchObject({ accountId: 'a1', kind: 'accessToken', clearAfter: 30 });
  });

  it('turns errors into toasts with advice chosen by code, and reloads when something is gone', async () => {
    const api = fakeApi({
      refresh: vi.fn(async () => {
        throw new AppError({ code: 'not_found', message: 'no account with id a1' });
      }),
    });
    const deck = new DeckState(api);
    await deck.refresh('a1');
    expect(deck.toasts.at(-1)).toMatchObject({ kind: 'error', text: 'no account with id a1' });
    expect(api.snapshot).toHaveBeenCalled();
    expect(deck.isBusy('refresh:a1')).toBe(false);
  });

  it('a burst of refused deep links shows one toast with a count', async () => {
    const api = fakeApi();
    const deck = new DeckState(api);
    await deck.start();
    for (let i = 0; i < 5; i++) {
      api.events().authFailed({ state: null, error: { code: 'bad_callback', message: 'this sign-in link does not belong…' } });
    }
    const errors = deck.toasts.filter((t) => t.kind === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.count).toBe(5);
    deck.toast('error', 'something else');
    expect(deck.toasts.filter((t) => t.kind === 'error')).toHaveLength(2);
  });
});
