// The keys of running actions, for `DeckState.isBusy` (buttons disable themselves while their
// action runs).
import type { CopyKind } from './bindings/CopyKind';

declare const busyKey: unique symbol;
/** A key of a running action; only `busy` makes one, so a misspelt key does not compile. */
export type BusyKey = string & { readonly [busyKey]: true };
const key = (k: string) => k as BusyKey;

/** The busy keys, for `DeckState.isBusy`. */
export const busy = {
  reload: key('reload'),
  detail: key('detail'),
  cancelSignIn: key('cancel'),
  refreshAll: key('refreshAll'),
  saveProvider: key('saveProvider'),
  checkProvider: key('checkProvider'),
  removeProvider: key('removeProvider'),
  challenge: key('challenge'),
  settings: key('settings'),
  exportProviders: key('exportProviders'),
  importProviders: key('importProviders'),
  notices: key('notices'),
  copyPlain: key('copyPlain'),
  openDevicePage: key('openDevicePage'),
  signIn: (providerId: string) => key(`signin:${providerId}`),
  password: (providerId: string) => key(`password:${providerId}`),
  machineToken: (providerId: string) => key(`machine:${providerId}`),
  refresh: (accountId: string) => key(`refresh:${accountId}`),
  signOut: (accountId: string) => key(`signout:${accountId}`),
  aws: (accountId: string) => key(`aws:${accountId}`),
  userInfo: (accountId: string) => key(`userinfo:${accountId}`),
  copy: (kind: CopyKind) => key(`copy:${kind}`),
} as const;
