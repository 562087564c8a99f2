import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import ClaimsTable from './ClaimsTable.svelte';
import { timestamp } from '../time';

describe('ClaimsTable', () => {
  it('shows times human-readable, groups as badges and other values as text', () => {
    const exp = 1_800_000_000;
    render(ClaimsTable, {
      claims: { sub: 'abc', exp, 'cognito:groups': ['admins', 'qa'], address: { country: 'FR' }, scope: 'openid email' },
    });
    expect(screen.getByText(timestamp(exp))).toBeTruthy();
    expect(screen.getAllByTestId('group').map((g) => g.textContent)).toEqual(['admins', 'qa']);
    expect(screen.getByText('{"country":"FR"}')).toBeTruthy();
    expect(screen.getByText('email')).toBeTruthy();
    expect(screen.getByText('abc')).toBeTruthy();
  });

  it('says plainly when an email or phone number is not verified', () => {
    // Cognito sends email_verified as a string in some tokens; both forms count.
    render(ClaimsTable, { claims: { email: 'a@example.com', email_verified: false, phone_number_verified: 'false' } });
    expect(screen.getAllByTestId('not-verified')).toHaveLength(2);
    expect(screen.queryByTestId('verified')).toBeNull();
  });

  it('says how long ago a token expired, next to exp', () => {
    const exp = Math.floor(Date.now() / 1000) - 3700;
    render(ClaimsTable, { claims: { exp } });
    expect(screen.getAllByTestId('exp-relative').at(-1)?.textContent).toMatch(/^expired 1h \d+m ago$/);
  });
});
