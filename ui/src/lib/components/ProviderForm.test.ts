import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../api';
import { DeckState } from '../deck.svelte';
import { fakeApi, provider, view } from '../testing';
import ProviderForm from './ProviderForm.svelte';

async function fillNewOidc() {
  await fireEvent.input(screen.getByTestId('f-name'), { target: { value: 'Staging' } });
  await fireEvent.click(screen.getByTestId('f-kind-oidc'));
  await fireEvent.input(await screen.findByTestId('f-issuer'), { target: { value: 'https://id.example.com' } });
  await fireEvent.input(screen.getByTestId('f-client-id'), { target: { value: 'c' } });
}

describe('ProviderForm', () => {
  afterEach(cleanup);

  it('selects the saved provider, not the last one listed', async () => {
    const saved = provider('staging', 'Staging');
    const api = fakeApi({
      saveProvider: vi.fn(async () => saved),
      snapshot: vi.fn(async () => view([saved, provider('zeta')])),
    });
    const deck = new DeckState(api);
    render(ProviderForm, { deck });
    await fillNewOidc();
    await fireEvent.click(screen.getByTestId('save-provider'));
    await vi.waitFor(() => expect(deck.selection).toEqual({ kind: 'provider', id: 'staging' }));
    expect(api.saveProvider).toHaveBeenCalledWith(expect.objectContaining({ config: expect.objectContaining({ name: 'Staging' }) }));
  });

  it('shows a refused save in the form, not as a toast', async () => {
    const deck = new DeckState(fakeApi({
      saveProvider: vi.fn(async () => {
        throw new AppError({ code: 'invalid_config', message: 'a provider named Staging exists' });
      }),
    }));
    render(ProviderForm, { deck });
    await fillNewOidc();
    await fireEvent.click(screen.getByTestId('save-provider'));
    expect((await screen.findByTestId('form-error')).textContent).toBe('a provider named Staging exists');
    expect(deck.toasts).toHaveLength(0);
    expect(deck.selection).toEqual({ kind: 'welcome' });
  });

  it('saves a pasted private key for private_key_jwt, and keeps a typed secret out of its field', async () => {
    const saved = provider('staging', 'Staging');
    const api = fakeApi({
      saveProvider: vi.fn(async () => saved),
      snapshot: vi.fn(async () => view([saved])),
    });
    render(ProviderForm, { deck: new DeckState(api) });
    await fillNewOidc();
    await fireEvent.input(screen.getByTestId('f-client-secret'), { target: { value: 'typed-secret' } });
    await fireEvent.change(screen.getByTestId('f-client-auth'), { target: { value: 'private_key_jwt' } });
    const keyField = (await screen.findByTestId('f-client-key')) as HTMLTextAreaElement;
    expect(keyField.value).toBe('');
    const pem = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----';
    await fireEvent.input(keyField, { target: { value: pem } });
    await fireEvent.input(screen.getByTestId('f-client-key-id'), { target: { value: 'cli-2026' } });
    await fireEvent.click(screen.getByTestId('save-provider'));
    await vi.waitFor(() => expect(api.saveProvider).toHaveBeenCalled());
    expect(api.saveProvider).toHaveBeenCalledWith(expect.objectContaining({
      clientSecret: pem,
      config: expect.objectContaining({ clientAuth: 'private_key_jwt', clientKeyId: 'cli-2026', confidential: true }),
    }));
  });

  it('does not save private_key_jwt without a key, and says what to paste', async () => {
    const api = fakeApi({ saveProvider: vi.fn() });
    render(ProviderForm, { deck: new DeckState(api) });
    await fillNewOidc();
    await fireEvent.change(screen.getByTestId('f-client-auth'), { target: { value: 'private_key_jwt' } });
    await fireEvent.click(screen.getByTestId('save-provider'));
    expect((await screen.findByTestId('f-client-key-error')).textContent).toMatch(/paste the private key/);
    expect(screen.getByTestId('f-client-key').getAttribute('aria-describedby')).toContain('err-client-key');
    expect(api.saveProvider).not.toHaveBeenCalled();
  });
});
