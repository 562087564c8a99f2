// Application state (Svelte 5 runes). All calls go through a `DeckApi`, which components reach
// only through `DeckState`.
import { AppError, type AuthFailed, type DeckApi } from './api';
import type { AccountDetail } from './bindings/AccountDetail';
import type { AccountView } from './bindings/AccountView';
import type { CopyKind } from './bindings/CopyKind';
import type { DeckView } from './bindings/DeckView';
import type { ProviderDraft } from './bindings/ProviderDraft';
import type { PasswordFlow } from './bindings/PasswordFlow';
import type { PasswordSignIn } from './bindings/PasswordSignIn';
import type { ChallengeView } from './bindings/ChallengeView';
import type { AwsCredentialFormat } from './bindings/AwsCredentialFormat';
import type { AwsCredentialsView } from './bindings/AwsCredentialsView';
import type { ProviderView } from './bindings/ProviderView';
import type { CheckReport } from './bindings/CheckReport';
import type { InspectRequest } from './bindings/InspectRequest';
import type { TokenView } from './bindings/TokenView';
import type { UserInfoView } from './bindings/UserInfoView';
import type { AuthorizeOptions } from './bindings/AuthorizeOptions';
import type { SignInStartedView } from './bindings/SignInStartedView';
import { advice } from './errors';
import { busy, type BusyKey } from './busy';
import { ToastList, type Toast } from './toasts.svelte';
import { importSummary } from './importSummary';

import { COPY_LABELS, type FailedSignIn, type PendingSignIn, type Selection } from './deckTypes';

export { busy, type BusyKey, type Toast };
export { DEMO_PROVIDER_ID, type FailedSignIn, type PendingSignIn, type Selection } from './deckTypes';

export class DeckState {
  view = $state<DeckView | null>(null);
  selection = $state<Selection>({ kind: 'welcome' });
  detail = $state<AccountDetail | null>(null);
  pending = $state<PendingSignIn | null>(null);
  /** Shown in the sign-in dialog in place of the wait, until closed or retried. */
  failedSignIn = $state<FailedSignIn | null>(null);
  /** The last copy, for the button that made it to confirm it. */
  lastCopy = $state<{ accountId: string; kind: CopyKind; at: number; clearAfter: number } | null>(null);
  /** Bumped to put the cursor in the inspector's box (Ctrl+Shift+I). */
  inspectorFocus = $state(0);
  /** A Cognito challenge (new password, MFA code) awaiting the user's answer. */
  challenge = $state<ChallengeView | null>(null);
  awsCredentials = $state<AwsCredentialsView | null>(null);
  /** The last userInfo answer (or refusal) for the account shown. */
  userInfo = $state<{ accountId: string; view: UserInfoView | null; error: AppError | null } | null>(null);
  #busy = $state<Record<string, boolean>>({});
  readonly #toasts = new ToastList();
  #api: DeckApi;
  #unsubscribe: (() => void) | undefined;

  constructor(api: DeckApi) {
    this.#api = api;
  }

  async start(): Promise<void> {
    // The CLI (or another window) may have changed the settings while we were in the background.
    const onFocus = () => void this.reload();
    window.addEventListener('focus', onFocus);
    const unsubscribe = await this.#api.subscribe({
      accountsChanged: () => void this.reload(),
      authCompleted: (account) => this.#signedIn(account),
      authFailed: (failure) => this.#signInFailed(failure),
      clipboardCleared: () => this.toast('info', 'Clipboard cleared.'),
      openAccount: (accountId) => this.select({ kind: 'account', id: accountId }),
    });
    this.#unsubscribe = () => {
      window.removeEventListener('focus', onFocus);
      unsubscribe();
    };
    await this.reload();
  }

  stop(): void {
    this.#unsubscribe?.();
  }

  provider(id: string): ProviderView | undefined {
    return this.view?.providers.find((p) => p.config.id === id);
  }

  account(id: string): AccountView | undefined {
    return this.view?.accounts.find((a) => a.record.id === id);
  }

  accountsOf(providerId: string): AccountView[] {
    return this.view?.accounts.filter((a) => a.record.providerId === providerId) ?? [];
  }

  async reload(): Promise<void> {
    await this.#run(busy.reload, async () => {
      this.view = await this.#api.snapshot();
      const sel = this.selection;
      if (sel.kind === 'account') {
        if (this.account(sel.id)) await this.#loadDetail(sel.id);
        else this.select({ kind: 'welcome' });
      }
      if ((sel.kind === 'provider' || sel.kind === 'editProvider') && !this.provider(sel.id)) {
        this.select({ kind: 'welcome' });
      }
    });
  }

  openInspector(): void {
    this.select({ kind: 'inspect' });
    this.inspectorFocus += 1;
  }

  select(selection: Selection): void {
    this.selection = selection;
    this.detail = null;
    this.userInfo = null;
    if (selection.kind === 'account') void this.#run(busy.detail, () => this.#loadDetail(selection.id));
  }

  async #loadDetail(accountId: string): Promise<void> {
    const detail = await this.#api.accountDetail(accountId);
    if (this.selection.kind === 'account' && this.selection.id === accountId) this.detail = detail;
  }

  /** Starts a browser sign-in; `options` are this sign-in's (over the provider's defaults). */
  async signIn(providerId: string, forceLogin?: boolean, loginHint?: string, options?: AuthorizeOptions): Promise<void> {
    this.failedSignIn = null;
    await this.#run(busy.signIn(providerId), async () => {
      const started = await this.#api.beginSignIn(providerId, { forceLogin, loginHint, options });
      this.#waitFor(started, providerId, false);
    });
  }

  /** Starts a sign-in and copies its URL, to finish it in another browser or profile. */
  async copySignInUrl(providerId: string, options?: AuthorizeOptions): Promise<void> {
    this.failedSignIn = null;
    await this.#run(busy.signIn(providerId), async () => {
      const started = await this.#api.copySignInUrl(providerId, { options });
      this.#waitFor(started, providerId, true);
    });
  }

  /** Starts a sign-in with a code (RFC 8628) that the user enters in a browser anywhere. */
  async signInWithCode(providerId: string): Promise<void> {
    this.failedSignIn = null;
    await this.#run(busy.signIn(providerId), async () => {
      const started = await this.#api.beginDeviceSignIn(providerId);
      this.pending = {
        state: started.id,
        providerId,
        startedAt: Date.now() / 1000,
        expiresIn: Number(started.expiresIn),
        urlCopied: false,
        device: {
          userCode: started.userCode,
          verificationUri: started.verificationUri,
          verificationUriComplete: started.verificationUriComplete,
        },
      };
    });
  }

  async openDeviceSignInPage(): Promise<void> {
    const pending = this.pending;
    if (!pending?.device) return;
    await this.#run(busy.openDevicePage, () => this.#api.openDeviceSignInPage(pending.state));
  }

  #waitFor(started: SignInStartedView, providerId: string, urlCopied: boolean): void {
    this.pending = {
      state: started.state,
      providerId,
      startedAt: Date.now() / 1000,
      expiresIn: Number(started.expiresIn),
      urlCopied,
    };
  }

  async cancelSignIn(): Promise<void> {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    await this.#run(busy.cancelSignIn, () => this.#api.cancelSignIn(pending.state));
    this.toast('info', 'Sign-in cancelled.');
  }

  #signedIn(account: AccountView): void {
    this.pending = null;
    this.toast('info', `Signed in as ${account.record.label}.`);
    void this.reload().then(() => this.select({ kind: 'account', id: account.record.id }));
  }

  #signInFailed(failure: AuthFailed): void {
    // A refused deep link (unknown state) must not end a real sign-in that is still pending;
    // an error that names the pending sign-in ends it, and the dialog says why.
    const pending = this.pending;
    if (failure.state !== null && pending && failure.state === pending.state) {
      this.pending = null;
      const error = new AppError(failure.error);
      this.failedSignIn = {
        providerId: pending.providerId,
        message: error.message,
        detail: advice(error.code) || undefined,
        withCode: pending.device !== undefined,
      };
      return;
    }
    this.#report(new AppError(failure.error));
  }

  closeFailedSignIn(): void {
    this.failedSignIn = null;
  }

  async refresh(accountId: string): Promise<void> {
    await this.#run(busy.refresh(accountId), async () => {
      try {
        await this.#api.refresh(accountId);
        this.toast('info', 'Tokens refreshed.');
      } finally {
        // A failure is kept on the account: show it (and, after a success, that it is gone).
        await this.reload();
      }
    });
  }

  async refreshAll(): Promise<void> {
    await this.#run(busy.refreshAll, async () => {
      const outcomes = await this.#api.refreshAll();
      const failed = outcomes.filter((o) => o.error);
      await this.reload();
      const which = failed
        .map((o) => `${this.account(o.accountId)?.record.label ?? o.accountId}: ${o.error?.message}`)
        .join('\n');
      this.toast(
        failed.length ? 'error' : 'info',
        `Refreshed ${outcomes.length - failed.length} of ${outcomes.length} ${outcomes.length === 1 ? 'account' : 'accounts'}.`,
        failed.length ? `Failed: ${which}` : undefined,
      );
    });
  }

  /** Copies; the button that did it says so (see `lastCopy`), keyboard copies get a toast. */
  async copy(accountId: string, kind: CopyKind, from: 'button' | 'keyboard' = 'keyboard'): Promise<void> {
    await this.#run(busy.copy(kind), async () => {
      const clearAfter = await this.#api.copy(accountId, kind);
      this.lastCopy = { accountId, kind, at: Date.now() / 1000, clearAfter };
      // A token about to expire is refreshed before it is copied: show the new one.
      void this.reload();
      if (from === 'keyboard') {
        const tail = clearAfter > 0 ? ` It will be cleared in ${clearAfter} s.` : '';
        this.toast('info', `${COPY_LABELS[kind]} copied.${tail}`);
      }
    });
  }

  async signOut(accountId: string, hostedLogout: boolean, force = false): Promise<boolean> {
    return this.#run(busy.signOut(accountId), async () => {
      const providerId = this.account(accountId)?.record.providerId;
      const out = await this.#api.signOut(accountId, hostedLogout, force);
      this.select(providerId ? { kind: 'provider', id: providerId } : { kind: 'welcome' });
      await this.reload();
      this.toast('info', out.revoked ? 'Signed out; the refresh token was revoked.' : 'Signed out.');
      return true;
    }).then((ok) => ok ?? false);
  }

  /** Saves and selects the saved provider. Throws: the form shows the error next to its fields. */
  async saveProvider(draft: ProviderDraft): Promise<ProviderView> {
    return this.#whileBusy(busy.saveProvider, async () => {
      const saved = await this.#api.saveProvider(draft);
      await this.reload();
      this.select({ kind: 'provider', id: saved.config.id });
      return saved;
    });
  }

  async checkProvider(draft: ProviderDraft): Promise<CheckReport | undefined> {
    return this.#run(busy.checkProvider, () => this.#api.checkProvider(draft));
  }

  /** Decodes (and verifies) a pasted token. Throws: the inspector shows the error in place. */
  async inspect(request: InspectRequest): Promise<TokenView> {
    return this.#api.inspect(request);
  }

  async removeProvider(providerId: string): Promise<void> {
    await this.#run(busy.removeProvider, async () => {
      await this.#api.removeProvider(providerId);
      this.select({ kind: 'welcome' });
      await this.reload();
    });
  }

  async machineToken(providerId: string): Promise<void> {
    await this.#run(busy.machineToken(providerId), async () => {
      const account = await this.#api.machineToken(providerId);
      await this.reload();
      this.select({ kind: 'account', id: account.record.id });
    });
  }

  async signInWithPassword(providerId: string, username: string, password: string, flow: PasswordFlow = 'srp'): Promise<void> {
    await this.#run(busy.password(providerId), async () => {
      this.#afterPasswordStep(await this.#api.signInWithPassword(providerId, username, password, flow));
    });
  }

  async answerChallenge(answer: string): Promise<void> {
    const challenge = this.challenge;
    if (!challenge) return;
    // The dialog stays open while Cognito checks the answer: a wrong code comes back as the
    // same challenge with the reason, any other refusal ends the sign-in. A challenge
    // cancelled meanwhile stays closed, whatever the answer.
    const cancelled = () => this.challenge?.id !== challenge.id;
    await this.#run(busy.challenge, async () => {
      let step: PasswordSignIn;
      try {
        step = await this.#api.answerChallenge(challenge.id, answer);
      } catch (e) {
        if (cancelled()) return;
        this.challenge = null;
        throw e;
      }
      if (!cancelled()) this.#afterPasswordStep(step);
    });
  }

  /** Walks away from a challenge; the core forgets it (and its Cognito session). */
  cancelChallenge(): void {
    const challenge = this.challenge;
    if (!challenge) return;
    this.challenge = null;
    void this.#run(busy.cancelSignIn, () => this.#api.cancelSignIn(challenge.id));
  }

  #afterPasswordStep(step: PasswordSignIn): void {
    if (step.outcome === 'challenge') {
      this.challenge = {
        id: step.id, name: step.name, prompt: step.prompt, details: step.details, choices: step.choices, refused: step.refused,
      };
      return;
    }
    this.#signedIn(step);
  }

  async copyAwsCredentials(accountId: string, format: AwsCredentialFormat): Promise<void> {
    await this.#run(busy.aws(accountId), async () => {
      this.awsCredentials = await this.#api.awsCredentials(accountId, format);
      this.toast('info', format === 'env' ? 'AWS credentials copied as environment variables.' : 'AWS credentials copied as credential_process JSON.');
    });
  }

  // Settings: each saved, then the snapshot reloaded to show what the Rust side kept.
  setClipboardClearSeconds = (seconds: number) => this.#saveSetting(() => this.#api.setClipboardClearSeconds(seconds));
  setAppAnswersCommandLine = (enabled: boolean) => this.#saveSetting(() => this.#api.setAppAnswersCommandLine(enabled));
  setKeepFresh = (enabled: boolean) => this.#saveSetting(() => this.#api.setKeepFresh(enabled));
  /** `null` follows the app-wide setting. */
  setAccountKeepFresh = (accountId: string, keepFresh: boolean | null) =>
    this.#saveSetting(() => this.#api.setAccountKeepFresh(accountId, keepFresh));
  setDeadlineWarningHours = (hours: number) => this.#saveSetting(() => this.#api.setDeadlineWarningHours(hours));
  setCloseToTray = (enabled: boolean) => this.#saveSetting(() => this.#api.setCloseToTray(enabled));

  async #saveSetting(save: () => Promise<void>): Promise<void> {
    await this.#run(busy.settings, async () => {
      await save();
      await this.reload();
    });
  }

  /** Asks the provider about the account's user; a refusal is shown in place of the claims. */
  async loadUserInfo(accountId: string): Promise<void> {
    this.userInfo = { accountId, view: null, error: null };
    try {
      const view = await this.#whileBusy(busy.userInfo(accountId), () => this.#api.userinfo(accountId));
      if (this.userInfo?.accountId === accountId) this.userInfo = { accountId, view, error: null };
    } catch (e) {
      const error = e instanceof AppError ? e : new AppError({ code: 'internal', message: String(e) });
      if (this.userInfo?.accountId === accountId) this.userInfo = { accountId, view: null, error };
    }
  }

  /** The providers as a shareable file (no secrets), or undefined after a reported error. */
  async exportProviders(): Promise<string | undefined> {
    return this.#run(busy.exportProviders, () => this.#api.exportProviders());
  }

  /** Adds a provider file's new providers; says what was added and what was already here. */
  async importProviders(text: string): Promise<boolean> {
    const report = await this.#run(busy.importProviders, async () => {
      const report = await this.#api.importProviders(text);
      await this.reload();
      return report;
    });
    if (!report) return false;
    const summary = importSummary(report);
    this.toast('info', summary.text, summary.detail);
    return true;
  }

  async dismissNotices(): Promise<void> {
    await this.#run(busy.notices, async () => {
      await this.#api.dismissNotices();
      await this.reload();
    });
  }

  get toasts(): Toast[] {
    return this.#toasts.items;
  }

  /** Shows a message; the same message again while it shows raises its count instead. */
  toast(kind: Toast['kind'], text: string, detail?: string): void {
    this.#toasts.show(kind, text, detail);
  }

  dismissToast(id: number): void {
    this.#toasts.dismiss(id);
  }

  /** Copies text that is not a secret (a redirect URI to register). */
  async copyPlainText(text: string, label: string): Promise<void> {
    await this.#run(busy.copyPlain, async () => {
      await this.#api.copyPlainText(text);
      this.toast('info', `${label} copied.`);
    });
  }

  isBusy(key: BusyKey): boolean {
    return this.#busy[key] === true;
  }

  /** Runs an action with a busy flag; errors become toasts with what to do. */
  async #run<T>(key: BusyKey, action: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.#whileBusy(key, action);
    } catch (e) {
      this.#report(e);
      return undefined;
    }
  }

  /** Runs an action with a busy flag; errors go to the caller. */
  async #whileBusy<T>(key: BusyKey, action: () => Promise<T>): Promise<T> {
    this.#busy = { ...this.#busy, [key]: true };
    try {
      return await action();
    } finally {
      const rest = { ...this.#busy };
      delete rest[key];
      this.#busy = rest;
    }
  }

  #report(e: unknown): void {
    if (e instanceof AppError) {
      this.toast('error', e.message, advice(e.code) || undefined);
      if (e.code === 'not_found' || e.code === 'sign_in_again') void this.reload();
    } else {
      this.toast('error', String(e));
    }
  }
}
