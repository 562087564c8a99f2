// Rendering the sidebar with 50 accounts (jsdom): `npx vitest bench --run` in ui/.
import { cleanup, render } from '@testing-library/svelte';
import { bench, describe, expect } from 'vitest';
import type { DeckApi } from '../api';
import type { DeckView } from '../bindings/DeckView';
import { DeckState } from '../deck.svelte';
import { provider } from '../testing';
import Sidebar from './Sidebar.svelte';

function fiftyAccounts(): DeckView {
  const now = Math.floor(Date.now() / 1000);
  return {
    providers: [0, 1, 2, 3, 4].map((i) => provider(`p${i}`, `Pool ${i}`)),
    accounts: Array.from({ length: 50 }, (_, i) => ({
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
    settings: { clipboardClearSeconds: 30, appAnswersCommandLine: true },
    notices: [],
  };
}

describe('sidebar', () => {
  const deck = new DeckState({} as DeckApi);
  deck.view = fiftyAccounts();
  bench('render 50 accounts in 5 providers', () => {
    const { getAllByTestId } = render(Sidebar, { deck });
    expect(getAllByTestId('account-item')).toHaveLength(50);
    cleanup();
  }, { time: 1000, iterations: 20 });
});
