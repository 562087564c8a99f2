import { describe, expect, it, vi } from 'vitest';
import { AppError } from './api';
import { busy, DeckState } from './deck.svelte';
import { fakeApi, provider, view } from './testing';

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

  it('says what an import added, what was already here and which need a secret', async () => {
    const api = fakeApi({
      importProviders: vi.fn(async () => ({
        added: [{ name: 'Staging', id: 'p2', needsClientSecret: true }],
        skipped: [{ name: 'Local', id: 'p1', needsClientSecret: false }],
        notes: ['Staging: its redirect URIs are the app\'s own'],
      })),
    });
    const deck = new DeckState(api);
    expect(await deck.importProviders('{}')).toBe(true);
    expect(api.importProviders).toHaveBeenCalledWith('{}');
    expect(api.snapshot).toHaveBeenCalled();
    expect(deck.toasts[0]?.text).toBe('Added Staging (Local already here).');
    expect(deck.toasts[0]?.detail).toContain('client secret of Staging');
    expect(deck.toasts[0]?.detail).toContain('Not used: Staging: its redirect URIs');
  });

  it('a refused provider file is reported and imports nothing', async () => {
    const api = fakeApi({
      importProviders: vi.fn(async () => {
        throw new AppError({ code: 'invalid_config', message: 'provider file: it has version 99' });
      }),
    });
    const deck = new DeckState(api);
    expect(await deck.importProviders('{}')).toBe(false);
    expect(deck.toasts[0]?.kind).toBe('error');
    expect(deck.toasts[0]?.text).toContain('version 99');
    expect(deck.isBusy(busy.importProviders)).toBe(false);
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
    expect(api.signInWithPassword).toHaveBeenCalledWith('p1', 'newbie', 'Temp-Passw0rd!', 'srp');
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
    expect(deck.isBusy(busy.refresh('a1'))).toBe(false);
  });

  it('selects the provider it saved, wherever it is in the list', async () => {
    const saved = provider('staging');
    const api = fakeApi({
      saveProvider: vi.fn(async () => saved),
      snapshot: vi.fn(async () => view([saved, provider('zeta')])),
    });
    const deck = new DeckState(api);
    await expect(deck.saveProvider({ config: saved.config })).resolves.toBe(saved);
    expect(deck.selection).toEqual({ kind: 'provider', id: 'staging' });
    expect(deck.isBusy(busy.saveProvider)).toBe(false);
  });

  it('leaves a failed save to the form to show, without a toast', async () => {
    const deck = new DeckState(fakeApi({
      saveProvider: vi.fn(async () => {
        throw new AppError({ code: 'invalid_config', message: 'a provider named Staging exists' });
      }),
    }));
    await expect(deck.saveProvider({ config: provider('staging').config })).rejects.toThrow('a provider named Staging exists');
    expect(deck.toasts).toHaveLength(0);
    expect(deck.isBusy(busy.saveProvider)).toBe(false);
  });

  it('accepts only busy keys made by `busy`', () => {
    const deck = new DeckState(fakeApi());
    // @ts-expect-error a hand-built string is not a BusyKey (svelte-check fails if it were)
    expect(deck.isBusy('refresh:a1')).toBe(false);
    expect(busy.refresh('a1')).toBe('refresh:a1');
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
