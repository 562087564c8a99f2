// What the window's state is made of, besides the Rust types (bindings/).
import type { CopyKind } from './bindings/CopyKind';

export type Selection =
  | { kind: 'welcome' }
  | { kind: 'provider'; id: string }
  | { kind: 'account'; id: string }
  | { kind: 'addProvider' }
  | { kind: 'editProvider'; id: string }
  | { kind: 'inspect' }
  | { kind: 'settings' };

/** A sign-in the provider ended with an error (the user cancelled, access denied…). */
export interface FailedSignIn {
  providerId: string;
  message: string;
  detail?: string;
  /** It was a sign-in with a code: trying again starts another. */
  withCode?: boolean;
}

/** A sign-in with a code (RFC 8628): what to show the user. */
export interface DeviceCodeShown {
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string | null;
}

export interface PendingSignIn {
  state: string;
  providerId: string;
  startedAt: number;
  expiresIn: number;
  /** The sign-in URL went to the clipboard instead of a browser. */
  urlCopied: boolean;
  /** A sign-in with a code, entered in a browser anywhere. */
  device?: DeviceCodeShown;
}

/** The bundled local demo pool's id (Rust: `deck::DEMO_PROVIDER_ID`). */
export const DEMO_PROVIDER_ID = 'local-demo';

export const COPY_LABELS: Record<CopyKind, string> = {
  accessToken: 'Access token',
  idToken: 'ID token',
  authorizationHeader: 'Authorization header',
  curl: 'curl command',
};
