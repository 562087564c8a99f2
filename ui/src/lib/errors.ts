// What the user should do about an error, by code (never by matching message text).
import type { ErrorCode } from './bindings/ErrorCode';

export function advice(code: ErrorCode): string {
  return ADVICE[code];
}

const ADVICE: Record<ErrorCode, string> = {
  invalid_config: 'Fix the provider settings.',
  network: 'This is usually temporary: check your connection and try again.',
  discovery: 'Check the issuer URL and the endpoint overrides.',
  sign_in_again: 'Sign this account in again.',
  invalid_client: 'Check the app client id and secret in the provider settings.',
  redirect_mismatch: "Add the redirect URI to the app client's allowed callback URLs.",
  access_denied: 'The sign-in was cancelled. Start it again when ready.',
  provider_error: '',
  bad_callback: 'Nothing was changed. Start the sign-in from Tokendeck.',
  sign_in_expired: 'Start the sign-in again.',
  token_rejected: 'Do not trust this token.',
  unsupported: '',
  keyring_unavailable: 'Install and unlock a Secret Service (gnome-keyring or KWallet).',
  not_found: 'It may have been removed; the list has been reloaded.',
  internal: '',
};

/** True when the same action may succeed if retried later. */
export function isTransient(code: ErrorCode): boolean {
  return code === 'network';
}
