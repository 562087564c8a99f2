import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeckApi } from '../api';
import { DeckState } from '../deck.svelte';
import { accountsView } from '../testing';
import Sidebar from './Sidebar.svelte';

function deckWith(count: number): DeckState {
  const deck = new DeckState({} as DeckApi);
  deck.view = accountsView(count);
  return deck;
}

describe('Sidebar', () => {
  afterEach(cleanup);

  it('shows each account’s access token time left', () => {
    render(Sidebar, { deck: deckWith(1) });
    // Issued for an hour a moment ago.
    expect(screen.getByTestId('account-state').textContent).toMatch(/^(59m|1h)$/);
    expect(screen.getByTestId('account-item').getAttribute('aria-label')).toMatch(/^user0, access token (59m|1h) left$/);
  });

  it('flags only the accounts whose refresh deadline is inside the warning window', () => {
    const deck = deckWith(3);
    const now = Math.floor(Date.now() / 1000);
    const [soon, later] = deck.view!.accounts;
    soon!.record.refreshExpiresAt = now + 2 * 3600;
    later!.record.refreshExpiresAt = now + 30 * 86400;
    render(Sidebar, { deck });
    const flags = screen.getAllByTestId('deadline-flag');
    expect(flags).toHaveLength(1);
    expect(flags[0]!.textContent).toMatch(/^sign in ≤(1h|2h)$/);
    expect(flags[0]!.getAttribute('title')).toMatch(/^Sign in again by \d{4}-\d{2}-\d{2} /);
  });

  it('offers a filter past ten accounts, matching labels and provider names', async () => {
    render(Sidebar, { deck: deckWith(10) });
    expect(screen.queryByTestId('account-filter')).toBeNull();
    cleanup();

    render(Sidebar, { deck: deckWith(12) });
    const filter = screen.getByTestId('account-filter');
    await fireEvent.input(filter, { target: { value: 'user1' } });
    // user1, user10, user11
    expect(screen.getAllByTestId('account-item')).toHaveLength(3);
    await fireEvent.input(filter, { target: { value: 'pool 2' } });
    // Accounts 2, 7 of Pool 2; the other providers are hidden.
    expect(screen.getAllByTestId('account-item')).toHaveLength(2);
    expect(screen.getAllByTestId('provider-item')).toHaveLength(1);
    await fireEvent.input(filter, { target: { value: 'nobody' } });
    expect(screen.queryAllByTestId('account-item')).toHaveLength(0);
    expect(screen.getByTestId('filter-empty').textContent).toBe('No account matches “nobody”.');
    await fireEvent.input(filter, { target: { value: '' } });
    expect(screen.getAllByTestId('account-item')).toHaveLength(12);
  });
});
