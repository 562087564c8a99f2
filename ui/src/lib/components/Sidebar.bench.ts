// Rendering the sidebar with 50 accounts (jsdom): `npx vitest bench --run` in ui/.
import { cleanup, render } from '@testing-library/svelte';
import { bench, describe, expect } from 'vitest';
import type { DeckApi } from '../api';
import { DeckState } from '../deck.svelte';
import { accountsView } from '../testing';
import Sidebar from './Sidebar.svelte';

describe('sidebar', () => {
  const deck = new DeckState({} as DeckApi);
  deck.view = accountsView(50);
  bench('render 50 accounts in 5 providers', () => {
    const { getAllByTestId } = render(Sidebar, { deck });
    expect(getAllByTestId('account-item')).toHaveLength(50);
    cleanup();
  }, { time: 1000, iterations: 20 });
});
