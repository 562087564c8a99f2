import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../api';
import { busy, DeckState } from '../deck.svelte';
import type { PasswordSignIn } from '../bindings/PasswordSignIn';
import { fakeApi, provider, view } from '../testing';
import SignInOverlay from './SignInOverlay.svelte';

describe('SignInOverlay, sign-in with a code', () => {
  afterEach(cleanup);

  async function started() {
    const api = fakeApi({ snapshot: vi.fn(async () => view([provider('p1', 'Keycloak')])) });
    const deck = new DeckState(api);
    await deck.start();
    await deck.signInWithCode('p1');
    render(SignInOverlay, { deck });
    return { api, deck };
  }

  it('shows the code large, the page to open, and what copying gives', async () => {
    const { api } = await started();
    expect(screen.getByTestId('device-code').textContent).toBe('WDJB-MJHT');
    expect(screen.getByTestId('device-page').textContent).toBe('https://id.example.com/device');
    expect(screen.getByTestId('device-signin').textContent).toContain('Keycloak');
    expect(screen.getByTestId('device-expiry').textContent).toMatch(/expires in (9|10) ?m/);
    await fireEvent.click(screen.getByTestId('copy-device-page'));
    // The page with the code in it: one paste on the other device.
    expect(api.copyPlainText).toHaveBeenCalledWith('https://id.example.com/device?user_code=WDJB-MJHT');
    await fireEvent.click(screen.getByTestId('open-device-page'));
    expect(api.openDeviceSignInPage).toHaveBeenCalledWith('d-1');
  });

  it('cancels by the sign-in\'s id', async () => {
    const { api, deck } = await started();
    await fireEvent.click(screen.getByTestId('cancel-signin'));
    expect(api.cancelSignIn).toHaveBeenCalledWith('d-1');
    expect(deck.pending).toBeNull();
  });

  it('a refused or expired code says why, and Try again asks for a new code', async () => {
    const { api, deck } = await started();
    api.events().authFailed({ state: 'd-1', error: { code: 'sign_in_expired', message: 'this sign-in expired after 10 minutes. Start it again.' } });
    await vi.waitFor(() => expect(screen.getByTestId('signin-failed-reason').textContent).toContain('expired'));
    await fireEvent.click(screen.getByTestId('retry-signin'));
    expect(api.beginDeviceSignIn).toHaveBeenCalledTimes(2);
    expect(api.beginSignIn).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(deck.pending?.device?.userCode).toBe('WDJB-MJHT'));
  });
});

describe('SignInOverlay, a pool\'s own challenge', () => {
  afterEach(cleanup);

  it('shows the challenge parameters beside the prompt, and asks a chosen password hidden', async () => {
    const deck = new DeckState(fakeApi());
    deck.challenge = {
      id: 'c1', name: 'CUSTOM_CHALLENGE', prompt: "Answer the user pool's challenge",
      details: [{ name: 'question', value: 'What is 6 x 7?' }], choices: [], refused: null,
    };
    render(SignInOverlay, { deck });
    expect(screen.getByTestId('challenge-details').textContent).toContain('What is 6 x 7?');
    expect((screen.getByTestId('challenge-answer') as HTMLInputElement).type).toBe('text');
    cleanup();
    deck.challenge = { id: 'c2', name: 'PASSWORD', prompt: 'Password', details: [], choices: [], refused: null };
    render(SignInOverlay, { deck });
    expect((screen.getByTestId('challenge-answer') as HTMLInputElement).type).toBe('password');
    expect(screen.queryByTestId('challenge-details')).toBeNull();
  });
});

describe('SignInOverlay, choosing how to sign in', () => {
  afterEach(cleanup);

  it('offers USER_AUTH\'s ways as buttons in words; a passkey is shown but not offered', async () => {
    const api = fakeApi();
    const deck = new DeckState(api);
    deck.challenge = {
      id: 'c3', name: 'SELECT_CHALLENGE', prompt: 'Choose how to sign in (EMAIL_OTP, PASSWORD, WEB_AUTHN)', details: [],
      choices: ['EMAIL_OTP', 'PASSWORD', 'WEB_AUTHN'], refused: null,
    };
    render(SignInOverlay, { deck });
    expect(screen.queryByTestId('challenge-answer')).toBeNull();
    expect(screen.getByTestId('choice-EMAIL_OTP').textContent).toBe('Email me a code');
    expect((screen.getByTestId('choice-WEB_AUTHN') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('choice-EMAIL_OTP'));
    expect(api.answerChallenge).toHaveBeenCalledWith('c3', 'EMAIL_OTP');
  });
});

describe('SignInOverlay, a wrong code', () => {
  afterEach(cleanup);

  const code = { id: 'c4', name: 'EMAIL_OTP', prompt: 'Enter the code sent by email', details: [], choices: [], refused: null };

  it('keeps the dialog open with the reason, and the next answer goes to the same challenge', async () => {
    const refused = 'that answer was not accepted (CodeMismatchException: Invalid code received for user). Check it and try again.';
    const api = fakeApi({ answerChallenge: vi.fn(async () => ({ outcome: 'challenge' as const, ...code, refused })) });
    const deck = new DeckState(api);
    deck.challenge = { ...code };
    render(SignInOverlay, { deck });
    await fireEvent.input(screen.getByTestId('challenge-answer'), { target: { value: '000000' } });
    await fireEvent.submit(screen.getByTestId('challenge'));
    await vi.waitFor(() => expect(screen.getByTestId('challenge-refused').textContent).toContain('not accepted'));
    expect(screen.getByTestId('challenge-refused').getAttribute('role')).toBe('alert');
    expect((screen.getByTestId('challenge-answer') as HTMLInputElement).value).toBe('');
    await fireEvent.input(screen.getByTestId('challenge-answer'), { target: { value: '123456' } });
    await fireEvent.submit(screen.getByTestId('challenge'));
    expect(api.answerChallenge).toHaveBeenLastCalledWith('c4', '123456');
  });

  it('a refusal that ends the sign-in closes the dialog and says why', async () => {
    const api = fakeApi({ answerChallenge: vi.fn(async () => { throw new AppError({ code: 'access_denied', message: 'sign-in was cancelled or refused at the provider (NotAuthorizedException: Invalid session for the user.).' }); }) });
    const deck = new DeckState(api);
    deck.challenge = { ...code };
    render(SignInOverlay, { deck });
    await fireEvent.input(screen.getByTestId('challenge-answer'), { target: { value: '000000' } });
    await fireEvent.submit(screen.getByTestId('challenge'));
    await vi.waitFor(() => expect(screen.queryByTestId('challenge')).toBeNull());
    expect(deck.toasts.at(-1)?.text).toContain('Invalid session');
  });

  it('a challenge cancelled while its answer is checked stays closed, whatever comes back', async () => {
    let answered: (step: PasswordSignIn) => void = () => {};
    const api = fakeApi({ answerChallenge: vi.fn(() => new Promise<PasswordSignIn>((ok) => { answered = ok; })) });
    const deck = new DeckState(api);
    deck.challenge = { ...code };
    render(SignInOverlay, { deck });
    await fireEvent.input(screen.getByTestId('challenge-answer'), { target: { value: '000000' } });
    await fireEvent.submit(screen.getByTestId('challenge'));
    await fireEvent.click(screen.getByTestId('cancel-challenge'));
    answered({ outcome: 'challenge', ...code, refused: 'that answer was not accepted' });
    await vi.waitFor(() => expect(deck.isBusy(busy.challenge)).toBe(false));
    expect(deck.challenge).toBeNull();
    expect(screen.queryByTestId('challenge')).toBeNull();
  });

  it('Cancel tells the core, which forgets the challenge', async () => {
    const api = fakeApi();
    const deck = new DeckState(api);
    deck.challenge = { ...code };
    render(SignInOverlay, { deck });
    await fireEvent.click(screen.getByTestId('cancel-challenge'));
    expect(api.cancelSignIn).toHaveBeenCalledWith('c4');
    expect(deck.challenge).toBeNull();
  });
});
