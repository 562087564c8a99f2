// The provider page's per-sign-in options, as the authorization parameters Rust sends (over
// the provider's defaults, which Rust applies).
import type { AuthorizeOptions } from './bindings/AuthorizeOptions';

export interface SignInOptionsForm {
  loginHint: string;
  identityProvider: string;
  idpIdentifier: string;
  lang: string;
  prompt: string;
  /** Scopes to request besides the provider's, separated by spaces or commas. */
  extraScopes: string;
}

export function emptySignInOptions(): SignInOptionsForm {
  return { loginHint: '', identityProvider: '', idpIdentifier: '', lang: '', prompt: '', extraScopes: '' };
}

const blankToNull = (s: string) => (s.trim() === '' ? null : s.trim());

export function toAuthorizeOptions(f: SignInOptionsForm, providerScopes: string[]): AuthorizeOptions {
  const extra = f.extraScopes.split(/[\s,]+/).filter((s) => s && !providerScopes.includes(s));
  return {
    loginHint: blankToNull(f.loginHint),
    identityProvider: blankToNull(f.identityProvider),
    idpIdentifier: blankToNull(f.idpIdentifier),
    lang: blankToNull(f.lang),
    prompt: blankToNull(f.prompt),
    scopes: extra.length ? [...providerScopes, ...extra] : null,
  };
}

/** The `prompt` values (OIDC Core §3.1.2.1), as the provider form and the provider page offer them. */
export const PROMPT_CHOICES = [
  { value: 'login', text: 'login: always ask for credentials' },
  { value: 'select_account', text: 'select_account: choose among signed-in users' },
  { value: 'consent', text: 'consent: ask for consent again' },
  { value: 'none', text: 'none: fail unless already signed in' },
] as const;
