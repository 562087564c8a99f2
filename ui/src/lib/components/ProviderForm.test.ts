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
});
