import { describe, expect, it } from 'vitest';
import { emptySignInOptions, toAuthorizeOptions } from './signInOptions';

describe('sign-in options', () => {
  it('sends only what was filled in, and adds extra scopes to the provider’s', () => {
    const form = { ...emptySignInOptions(), identityProvider: ' Google ', extraScopes: 'phone, openid aws.cognito.signin.user.admin' };
    expect(toAuthorizeOptions(form, ['openid', 'email'])).toEqual({
      loginHint: null,
      identityProvider: 'Google',
      idpIdentifier: null,
      lang: null,
      prompt: null,
      scopes: ['openid', 'email', 'phone', 'aws.cognito.signin.user.admin'],
    });
    expect(toAuthorizeOptions(emptySignInOptions(), ['openid']).scopes).toBeNull();
  });
});
