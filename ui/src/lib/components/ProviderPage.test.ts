import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { DeckState } from '../deck.svelte';
import { fakeApi, provider } from '../testing';
import ProviderPage from './ProviderPage.svelte';
import type { ProviderView } from '../bindings/ProviderView';

function cognitoPool(awsProfile: string | null): ProviderView {
  const base = provider('p1', 'Staging pool');
  return {
    ...base,
    config: {
      ...base.config,
      source: { kind: 'cognito', domain: { type: 'none' }, region: 'eu-west-1', userPoolId: 'eu-west-1_AbC123' },
      awsProfile,
    },
    passwordSignIn: true,
    deviceSignIn: false,
  };
}

describe('ProviderPage, password sign-in', () => {
  afterEach(cleanup);

  it('offers the admin flow with the provider\'s AWS profile, and sends that choice', async () => {
    const api = fakeApi();
    const deck = new DeckState(api);
    render(ProviderPage, { deck, provider: cognitoPool('qa') });
    expect(screen.getByTestId('aws-profile').textContent).toContain('qa');
    const flow = screen.getByTestId('p-flow') as HTMLSelectElement;
    expect([...flow.options].map((o) => o.textContent)).toContain('Password, as admin with AWS profile qa (ADMIN_USER_PASSWORD_AUTH)');
    await fireEvent.change(flow, { target: { value: 'admin' } });
    await fireEvent.input(screen.getByTestId('p-username'), { target: { value: ' alice ' } });
    await fireEvent.input(screen.getByTestId('p-password'), { target: { value: 'Alice-Passw0rd!' } });
    await fireEvent.click(screen.getByTestId('p-submit'));
    expect(api.signInWithPassword).toHaveBeenCalledWith('p1', 'alice', 'Alice-Passw0rd!', 'admin');
    // The password is not kept in the form.
    expect((screen.getByTestId('p-password') as HTMLInputElement).value).toBe('');
  });

  it('names the default AWS credentials when the provider has no profile, and SRP stays the default', async () => {
    const api = fakeApi();
    render(ProviderPage, { deck: new DeckState(api), provider: cognitoPool(null) });
    const flow = screen.getByTestId('p-flow') as HTMLSelectElement;
    expect(flow.value).toBe('srp');
    expect([...flow.options].map((o) => o.textContent)).toContain('Password, as admin with the default AWS credentials (ADMIN_USER_PASSWORD_AUTH)');
    expect(screen.queryByTestId('aws-profile')).toBeNull();
    expect(screen.queryByTestId('sign-in-with-code')).toBeNull();
  });
});

describe('ProviderPage, flows that ask as they go', () => {
  afterEach(cleanup);

  it('starts CUSTOM_AUTH and USER_AUTH with the username alone', async () => {
    const api = fakeApi();
    const deck = new DeckState(api);
    render(ProviderPage, { deck, provider: cognitoPool(null) });
    await fireEvent.change(screen.getByTestId('p-flow'), { target: { value: 'custom' } });
    expect(screen.queryByTestId('p-password')).toBeNull();
    await fireEvent.input(screen.getByTestId('p-username'), { target: { value: 'carol' } });
    expect((screen.getByTestId('p-submit') as HTMLButtonElement).disabled).toBe(false);
    await fireEvent.click(screen.getByTestId('p-submit'));
    expect(api.signInWithPassword).toHaveBeenCalledWith('p1', 'carol', '', 'custom');
  });
});
