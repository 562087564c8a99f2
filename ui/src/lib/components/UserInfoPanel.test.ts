import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../api';
import UserInfoPanel from './UserInfoPanel.svelte';

describe('UserInfoPanel', () => {
  afterEach(cleanup);

  it('shows the answer beside the ID token and names the claims that differ', () => {
    render(UserInfoPanel, {
      info: { source: 'https://pool.example.com/oauth2/userInfo', claims: { sub: 's1', email: 'new@example.com' } },
      error: null,
      idClaims: { sub: 's1', email: 'old@example.com', exp: 1 },
      loading: false,
      onretry: vi.fn(),
    });
    expect(screen.getByTestId('userinfo-claims').textContent).toContain('new@example.com');
    expect(screen.getByTestId('userinfo-differs').textContent).toBe('Differs from the ID token: email.');
  });

  it('explains a refusal in place and offers to try again', async () => {
    const onretry = vi.fn();
    render(UserInfoPanel, {
      info: null,
      error: new AppError({ code: 'provider_error', message: 'Cognito’s userInfo endpoint answers only access tokens with the openid scope' }),
      idClaims: null,
      loading: false,
      onretry,
    });
    expect(screen.getByTestId('userinfo-error').textContent).toContain('openid scope');
    screen.getByText('Try again').click();
    expect(onretry).toHaveBeenCalled();
  });
});
