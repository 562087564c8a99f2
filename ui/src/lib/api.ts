// The one place that talks to the Rust side. Components and state use `DeckApi`, so tests can
// substitute their own implementation.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

import type { AccountDetail } from './bindings/AccountDetail';
import type { AppEvent } from './bindings/AppEvent';
import type { AuthFailed } from './bindings/AuthFailed';
import type { Commands } from './bindings/commands';
import type { AccountView } from './bindings/AccountView';
import type { AwsCredentialFormat } from './bindings/AwsCredentialFormat';
import type { AwsCredentialsView } from './bindings/AwsCredentialsView';
import type { CheckReport } from './bindings/CheckReport';
import type { CopyKind } from './bindings/CopyKind';
import type { DeckView } from './bindings/DeckView';
import type { DeviceSignInView } from './bindings/DeviceSignInView';
import type { ImportReport } from './bindings/ImportReport';
import type { ErrorCode } from './bindings/ErrorCode';
import type { InspectRequest } from './bindings/InspectRequest';
import type { PasswordFlow } from './bindings/PasswordFlow';
import type { PasswordSignIn } from './bindings/PasswordSignIn';
import type { ProviderDraft } from './bindings/ProviderDraft';
import type { ProviderView } from './bindings/ProviderView';
import type { RefreshOutcome } from './bindings/RefreshOutcome';
import type { SignInRequest } from './bindings/SignInRequest';
import type { SignInStartedView } from './bindings/SignInStartedView';
import type { SignOutView } from './bindings/SignOutView';
import type { TokenView } from './bindings/TokenView';
import type { UserInfoView } from './bindings/UserInfoView';
import type { WireError } from './bindings/WireError';

/** An error from the Rust side, with its code from the closed set. */
export class AppError extends Error {
  readonly code: ErrorCode;
  constructor(wire: WireError) {
    super(wire.message);
    this.code = wire.code;
  }
}

export type { AuthFailed };

export interface DeckEvents {
  accountsChanged(): void;
  authCompleted(account: AccountView): void;
  authFailed(failure: AuthFailed): void;
  clipboardCleared(): void;
  /** A notification was clicked: show that account. */
  openAccount(accountId: string): void;
}

export interface DeckApi {
  snapshot(): Promise<DeckView>;
  dismissNotices(): Promise<void>;
  saveProvider(draft: ProviderDraft): Promise<ProviderView>;
  removeProvider(providerId: string): Promise<void>;
  checkProvider(draft: ProviderDraft): Promise<CheckReport>;
  beginSignIn(providerId: string, request: SignInRequest): Promise<SignInStartedView>;
  cancelSignIn(state: string): Promise<boolean>;
  refresh(accountId: string): Promise<AccountView>;
  refreshAll(): Promise<RefreshOutcome[]>;
  accountDetail(accountId: string): Promise<AccountDetail>;
  copy(accountId: string, kind: CopyKind): Promise<number>;
  copyPlainText(text: string): Promise<void>;
  signOut(accountId: string, hostedLogout: boolean, force: boolean): Promise<SignOutView>;
  machineToken(providerId: string): Promise<AccountView>;
  inspect(request: InspectRequest): Promise<TokenView>;
  setClipboardClearSeconds(seconds: number): Promise<void>;
  setAppAnswersCommandLine(enabled: boolean): Promise<void>;
  setKeepFresh(enabled: boolean): Promise<void>;
  /** `null` follows the app-wide setting. */
  setAccountKeepFresh(accountId: string, keepFresh: boolean | null): Promise<void>;
  setDeadlineWarningHours(hours: number): Promise<void>;
  setCloseToTray(enabled: boolean): Promise<void>;
  userinfo(accountId: string): Promise<UserInfoView>;
  copySignInUrl(providerId: string, request: SignInRequest): Promise<SignInStartedView>;
  beginDeviceSignIn(providerId: string): Promise<DeviceSignInView>;
  /** Opens the page where the code of device sign-in `id` is entered, in the system browser. */
  openDeviceSignInPage(id: string): Promise<void>;
  signInWithPassword(providerId: string, username: string, password: string, flow: PasswordFlow): Promise<PasswordSignIn>;
  answerChallenge(challengeId: string, answer: string): Promise<PasswordSignIn>;
  awsCredentials(accountId: string, format: AwsCredentialFormat): Promise<AwsCredentialsView>;
  exportProviders(): Promise<string>;
  importProviders(text: string): Promise<ImportReport>;
  subscribe(events: DeckEvents): Promise<() => void>;
}

function isWireError(e: unknown): e is WireError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

/** A command by name, with the arguments and reply its Rust signature has (bindings/commands.ts). */
async function call<C extends keyof Commands>(command: C, args: Commands[C]['args']): Promise<Commands[C]['reply']> {
  try {
    return await invoke<Commands[C]['reply']>(command, args);
  } catch (e) {
    if (isWireError(e)) throw new AppError(e);
    throw new AppError({ code: 'internal', message: String(e) });
  }
}

type EventName = AppEvent['name'];
type PayloadOf<N extends EventName> = Extract<AppEvent, { name: N }> extends { payload: infer P } ? P : null;

/** Listens for an app event by name, with the payload Rust sends with it (bindings/AppEvent.ts). */
function on<N extends EventName>(name: N, handler: (payload: PayloadOf<N>) => void): Promise<UnlistenFn> {
  return listen<PayloadOf<N>>(name, (e) => handler(e.payload));
}

export const tauriApi: DeckApi = {
  snapshot: () => call('snapshot', {}),
  dismissNotices: () => call('dismiss_notices', {}),
  saveProvider: (draft) => call('save_provider', { draft }),
  removeProvider: (providerId) => call('remove_provider', { providerId }),
  checkProvider: (draft) => call('check_provider', { draft }),
  beginSignIn: (providerId, request) => call('begin_sign_in', { providerId, request }),
  cancelSignIn: (state) => call('cancel_sign_in', { signInState: state }),
  refresh: (accountId) => call('refresh', { accountId }),
  refreshAll: () => call('refresh_all', {}),
  accountDetail: (accountId) => call('account_detail', { accountId }),
  copy: (accountId, kind) => call('copy', { accountId, kind }),
  copyPlainText: (text) => call('copy_plain_text', { text }),
  signOut: (accountId, hostedLogout, force) => call('sign_out', { accountId, hostedLogout, force }),
  machineToken: (providerId) => call('machine_token', { providerId }),
  inspect: (request) => call('inspect', { request }),
  setClipboardClearSeconds: (seconds) => call('set_clipboard_clear_seconds', { seconds }),
  setAppAnswersCommandLine: (enabled) => call('set_app_answers_command_line', { enabled }),
  setKeepFresh: (enabled) => call('set_keep_fresh', { enabled }),
  setAccountKeepFresh: (accountId, keepFresh) => call('set_account_keep_fresh', { accountId, keepFresh }),
  setDeadlineWarningHours: (hours) => call('set_deadline_warning_hours', { hours }),
  setCloseToTray: (enabled) => call('set_close_to_tray', { enabled }),
  userinfo: (accountId) => call('userinfo', { accountId }),
  copySignInUrl: (providerId, request) => call('copy_sign_in_url', { providerId, request }),
  beginDeviceSignIn: (providerId) => call('begin_device_sign_in', { providerId }),
  openDeviceSignInPage: (id) => call('open_device_sign_in_page', { id }),
  signInWithPassword: (providerId, username, password, flow) =>
    call('sign_in_with_password', { providerId, username, password, flow }),
  answerChallenge: (challengeId, answer) => call('answer_challenge', { challengeId, answer }),
  awsCredentials: (accountId, format) => call('aws_credentials', { accountId, format }),
  exportProviders: () => call('export_providers', {}),
  importProviders: (text) => call('import_providers', { text }),
  async subscribe(events) {
    const unlisten: UnlistenFn[] = await Promise.all([
      on('accounts:changed', () => events.accountsChanged()),
      on('auth:completed', (account) => events.authCompleted(account)),
      on('auth:failed', (failure) => events.authFailed(failure)),
      on('clipboard:cleared', () => events.clipboardCleared()),
      on('account:open', (accountId) => events.openAccount(accountId)),
    ]);
    return () => unlisten.forEach((u) => u());
  },
};
