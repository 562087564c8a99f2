// The real Tokendeck window under Xvfb, driven through WebKitWebDriver, against the local
// Cognito-shaped provider, with a real Secret Service and headless Chromium as the system
// browser. One scenario, step by step, as a user would go.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { By, Key } from 'selenium-webdriver';

import {
  cliBinary, clipboard, deliverDeepLink, keyringSecret, openApp, prepareDesktop, root, startDriver,
  startMoto, startNotificationServer, startProvider, startTray, trayMenu, xWindow,
} from './harness.mjs';

let provider;
let notifications;
let tray;
let driver;
let app;
let env;
let desktopHome;

before(async () => {
  provider = await startProvider();
  notifications = await startNotificationServer();
  tray = await startTray();
  const desktop = prepareDesktop();
  desktopHome = desktop.home;
  // The session's runtime directory, where the app listens as the command line's agent.
  const runtime = join(desktop.home, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  env = { HOME: desktop.home, XDG_RUNTIME_DIR: runtime, E2E_USER: 'alice', E2E_PASSWORD: 'alice-password' };
  driver = await startDriver(env);
  app = await openApp(driver.url);
});

after(async () => {
  await app?.quit().catch(() => {});
  // Closing the window may leave the app running in the tray (step 11 turned that on): it must
  // be gone before the next file starts its own, or that one hands over to this one.
  await waitForAppExit();
  driver?.stop();
  provider?.stop();
  notifications?.stop();
  tray?.stop();
});

function appRunning() {
  try {
    return execFileSync('pgrep', ['-x', 'tokendeck-app'], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false;
  }
}

async function waitForAppExit() {
  for (let i = 0; i < 25 && appRunning(); i++) await sleep(200);
  if (appRunning()) {
    execFileSync('pkill', ['-x', 'tokendeck-app']);
    for (let i = 0; i < 25 && appRunning(); i++) await sleep(200);
  }
}

function savedSettings() {
  return JSON.parse(readFileSync(join(process.env.XDG_CONFIG_HOME, 'io.github.tokendeck/config.json'), 'utf8')).settings;
}

/**
 * Closes the window as a title bar's button does and waits for it to hide. On two cold CI
 * machines one close went unanswered (the window stayed mapped, the app alive); a second
 * close is sent then, and the app's log of both is printed so the cause can be found.
 */
async function closeToTray() {
  const hidden = async () => xWindow('state', 'Tokendeck') === 'unmapped';
  xWindow('close', 'Tokendeck');
  try {
    await app.waitFor(hidden, 'the window hidden', 10000);
    return;
  } catch {
    console.log(`the first close was not answered; the app logged: ${closeLog()}`);
  }
  xWindow('close', 'Tokendeck');
  await app.waitFor(hidden, 'the window hidden').catch((e) => {
    throw new Error(`${e.message}; the app logged: ${closeLog()}`);
  });
}

function closeLog() {
  try {
    const lines = readFileSync(join(root, 'target/e2e-app.log'), 'utf8').split('\n');
    return JSON.stringify(lines.filter((l) => /window|tray/.test(l)).slice(-10));
  } catch (e) {
    return `(no log: ${e.message})`;
  }
}

function accountsInConfig() {
  const path = join(process.env.XDG_CONFIG_HOME, 'io.github.tokendeck/config.json');
  return JSON.parse(readFileSync(path, 'utf8')).accounts;
}

async function rawAccessToken() {
  await app.click('tab-access');
  if ((await app.all('raw-access')).length === 0) await app.click('toggle-raw-access');
  return app.text('raw-access');
}

test('set the clipboard to clear after 3 s', async () => {
  await app.find('welcome');
  assert.equal(await (await app.find('refresh-all')).isEnabled(), false, 'nothing to refresh yet');
  await app.click('open-settings');
  await app.type('clipboard-seconds', '3');
  await (await app.find('clipboard-seconds')).sendKeys('\t');
  await app.waitFor(() => savedSettings().clipboardClearSeconds === 3, 'the setting to be saved');
});

test('add the local pool through the form, and check it', async () => {
  await app.click('add-provider');
  await app.type('f-name', 'Local pool');
  await app.click('f-domain-custom');
  await app.type('f-custom-domain', provider.issuer);
  await app.type('f-pool', 'us-east-1_LocalPool');
  assert.equal(await (await app.find('f-region')).getAttribute('value'), 'us-east-1', 'the region comes from the pool id');
  await app.type('f-client-id', 'tokendeck-native');
  await (await app.session.findElement(By.css('details summary'))).click();
  await app.type('f-override-issuer', provider.issuer);
  await app.type('f-override-jwksUri', `${provider.issuer}/.well-known/jwks.json`);
  await app.click('check-provider');
  const report = await app.find('check-report');
  await app.waitFor(async () => (await report.getText()).includes('the sign-in page opens'), 'the check report');
  assert.ok(!(await report.getText()).includes('✗'), await report.getText());
  await app.screenshot('provider-check');
  // Changing a field after the check marks its report stale; changing it back does not.
  await app.type('f-scopes', 'openid email');
  await app.find('check-stale');
  await app.type('f-scopes', 'openid email profile');
  await app.waitFor(async () => (await app.all('check-stale')).length === 0, 'the report to be current again');
  await app.click('save-provider');
  await app.find('provider-page');
  // Its own redirect URI (mix-up defence), shown to be registered, and no warning.
  assert.equal(await app.text('redirect-uri'), 'io.github.tokendeck://callback/local-pool');
  assert.equal(await app.text('loopback-redirect-uri'), 'http://127.0.0.1/callback/local-pool');
  assert.equal((await app.all('mix-up-warning')).length, 0);
  assert.equal(await (await app.find('provider-name')).getAttribute('title'), 'Local pool', 'a long name can be read in full');
  await app.screenshot('provider-page');
});

test('sign in through the system browser; the OS delivers the redirect', async () => {
  await app.click('sign-in');
  await app.find('signin-progress');
  await app.find('account-page');
  const idPanel = await app.find('token-panel-id');
  await app.waitFor(async () => (await idPanel.getText()).includes('alice'), 'the ID token claims');
  const text = await idPanel.getText();
  assert.match(text, /signature and claims verified/);
  assert.match(text, /cognito:username/);
  const groups = await Promise.all((await app.all('group')).map((g) => g.getText()));
  assert.deepEqual(groups, ['admins', 'qa']);
  assert.match(await app.text('granted-scopes'), /openid/);
  assert.match(await app.text('access-countdown'), /in (59m|1h)/);
  assert.equal((await app.all('signin-progress')).length, 0, 'the progress dialog closed');
  assert.equal(await app.text('session-origin'), 'Signed in');
  assert.match(await app.text('exp-relative'), /^in (59m|1h)/);
  assert.match(text, /\d{2}:\d{2}:\d{2} \S+ \d+/, 'times carry their zone');
  await app.screenshot('account');
  // The provider's userInfo answer, beside the ID token's claims.
  await app.click('tab-userinfo');
  await app.waitFor(async () => (await app.text('userinfo-claims')).includes('alice@example.com'), 'the userInfo answer');
  await app.screenshot('userinfo');
  await app.click('tab-id');
});

test('refresh changes the access token', async () => {
  const before = await rawAccessToken();
  await sleep(1100); // a new iat, so a different token
  await app.click('refresh');
  await app.waitFor(async () => (await rawAccessToken()) !== before, 'a new access token');
  await app.waitFor(async () => (await app.text('session-origin')) === 'Refreshed', 'the summary to say Refreshed');
  await app.screenshot('access-token');
});

test('a refresh that fails stays visible on the account until a retry works', async () => {
  // The provider answers the next token request with an HTML error page (a proxy, an outage).
  await fetch(`${provider.issuer}/__test/fault`, { method: 'POST', body: JSON.stringify({ target: 'token', mode: 'html502', count: 1 }) });
  await app.click('refresh');
  const line = await app.find('refresh-failure');
  assert.match(await line.getText(), /The last refresh failed at .*HTML page/);
  assert.equal(await app.text('account-state'), 'refresh failed');
  // The error toast: one sentence, and it stays clear of the action bar and the claims.
  const toast = await app.find('toast-error');
  const rect = await toast.getRect();
  const main = await (await app.session.findElement(By.css('main'))).getRect();
  assert.ok(rect.x + rect.width <= main.x, `toast ${JSON.stringify(rect)} overlaps main ${JSON.stringify(main)}`);
  assert.doesNotMatch(await toast.getText(), /If it persists/, 'details are folded');
  await app.screenshot('refresh-failed');
  await app.click('retry-refresh');
  await app.waitFor(async () => (await app.all('refresh-failure')).length === 0, 'the failure to clear');
  // A working session shows its access token's time left.
  assert.match(await app.text('account-state'), /^(59m|1h)$/);
  // One at a time: dismissing a toast re-renders the rest, so a list found before goes stale.
  await app.waitFor(async () => {
    const [button] = await app.all('dismiss-toast');
    if (button) await button.click().catch(() => {});
    return (await app.all('dismiss-toast')).length === 0;
  }, 'every toast to be dismissed');
});

test('copy puts the token on the X clipboard and clears it later', async () => {
  const token = await rawAccessToken();
  await app.click('copy-accessToken');
  await app.waitFor(() => clipboard() === token, 'the token on the clipboard', 5000);
  assert.equal(await app.text('copy-accessToken'), 'Copied ✓', 'the button confirms the copy');
  // Marked for clipboard managers not to keep it in their history (the KDE/X11 convention).
  assert.match(clipboard('TARGETS'), /x-kde-passwordManagerHint/);
  await app.waitFor(() => clipboard() === '', 'the clipboard to be cleared', 10000);
});

test('the inspector takes a pasted Authorization header and decodes as it is pasted', async () => {
  const token = await rawAccessToken();
  await app.session.actions().keyDown(Key.CONTROL).keyDown(Key.SHIFT).sendKeys('i').keyUp(Key.SHIFT).keyUp(Key.CONTROL).perform();
  await app.find('inspect-page');
  await app.waitFor(async () => (await (await app.session.switchTo().activeElement()).getAttribute('data-testid')) === 'inspect-input', 'Ctrl+Shift+I to put the cursor in the box');
  // Pasted the way it comes out of a log or a curl line; no button pressed.
  await app.session.executeScript(
    (el, text) => { el.value = text; el.dispatchEvent(new Event('input', { bubbles: true })); },
    await app.find('inspect-input'),
    `  "Authorization: Bearer ${token}"\n`,
  );
  await app.waitFor(async () => (await app.all('token-panel-inspected')).length === 1, 'the decoded token');
  assert.match(await app.text('token-panel-inspected'), /token_use/);
  assert.equal((await app.all('inspect-error')).length, 0);
  await app.click('account-item');
});

test('a deep link with an unknown state is refused visibly and changes nothing', async () => {
  const before = accountsInConfig();
  const started = Date.now();
  deliverDeepLink('io.github.tokendeck://callback?code=forged-code&state=not-ours', env);
  // The second launch hands the link to the running app over D-Bus and exits.
  assert.ok(Date.now() - started < 10000, 'the second instance exited promptly');
  assert.equal(execFileSync('pgrep', ['-xc', 'tokendeck-app'], { encoding: 'utf8' }).trim(), '1', 'no second app process');
  const toast = await app.find('toast-error');
  assert.match(await toast.getText(), /does not belong to a sign-in started here/);
  // A burst of them is one toast with a count, not a wall of toasts.
  deliverDeepLink('io.github.tokendeck://callback?code=forged-2&state=not-ours-2', env);
  deliverDeepLink('io.github.tokendeck://callback?code=forged-3&state=not-ours-3', env);
  await app.waitFor(async () => (await app.all('toast-count')).length === 1 && (await app.text('toast-count')) === '×3', 'one toast counting three');
  assert.equal((await app.all('toast-error')).length, 1);
  // The browser coming back from the provider's sign-out page (the redirect URI, no query) is
  // not a refused sign-in.
  deliverDeepLink('io.github.tokendeck://callback/local-pool', env);
  await new Promise((ok) => setTimeout(ok, 1500));
  assert.equal(await app.text('toast-count'), '×3');
  assert.equal((await app.all('toast-error')).length, 1);
  await app.screenshot('refused-deep-link');
  assert.deepEqual(accountsInConfig(), before);
  assert.equal((await app.all('account-item')).length, 1);
});

test('after a restart the session comes back from the keyring', async () => {
  await app.quit();
  // The provider's keys cannot be fetched right after the restart: "could not verify" (amber),
  // not "invalid", on the page and in the sidebar alike.
  await fetch(`${provider.issuer}/__test/fault`, { method: 'POST', body: JSON.stringify({ target: 'jwks', mode: 'down', count: 1 }) });
  app = await openApp(driver.url);
  await app.click('account-item');
  const idPanel = await app.find('token-panel-id');
  await app.waitFor(async () => (await idPanel.getText()).includes('alice'), 'the restored claims');
  await app.find('verify-unverifiable');
  assert.equal(await app.text('account-state'), 'unverified');
  await app.screenshot('could-not-verify');
});

test('the command line gets its token from the running app, with no keyring of its own', async () => {
  const shown = await rawAccessToken();
  // No D-Bus for the command: only the app (its agent) can answer.
  const noKeyring = { ...process.env, ...env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' };
  const printed = execFileSync(cliBinary, ['token', 'alice'], { env: noKeyring, encoding: 'utf8' });
  assert.equal(printed.trim(), shown);

  // Turned off in Settings: the command is on its own (and, with no keyring, says so: exit 7).
  await app.click('open-settings');
  await app.click('app-answers-command-line');
  await app.waitFor(async () => !(await (await app.find('app-answers-command-line')).isSelected()), 'the box to clear');
  await app.waitFor(async () => {
    try {
      execFileSync(cliBinary, ['token', 'alice'], { env: noKeyring, stdio: 'ignore' });
      return false;
    } catch (e) {
      return e.status === 7;
    }
  }, 'the agent to stop');
  await app.click('app-answers-command-line');
  await app.waitFor(async () => {
    try {
      return execFileSync(cliBinary, ['token', 'alice'], { env: noKeyring, encoding: 'utf8' }).trim() === shown;
    } catch {
      return false;
    }
  }, 'the agent to answer again');
  await app.click('account-item');
});

test('the tray lists the account; its menu copies, refreshes and brings a closed window back', async () => {
  // The icon docked in a real system tray.
  await app.waitFor(async () => tray.icons().some((name) => name.startsWith('tokendeck')), 'the icon in the tray');
  const menu = trayMenu();
  await app.waitFor(async () => menu.labels().some((l) => /^alice: (59m|1h) left$/.test(l)), 'the account in the menu');
  // Accounts under their provider's name; the fixed items last.
  const labels = menu.labels();
  assert.equal(labels[labels.findIndex((l) => l.startsWith('alice: ')) - 1], 'Local pool');
  assert.deepEqual(labels.slice(-3), ['Refresh all', 'Open Tokendeck', 'Quit']);

  const shown = await rawAccessToken();
  menu.click('Copy access token', 'alice: ');
  await app.waitFor(() => clipboard() === shown, 'the token copied from the tray', 5000);
  // Cleared after the same delay as a copy in the window (3 s, set above).
  await app.waitFor(() => clipboard() === '', 'the tray copy to be cleared', 10000);
  await sleep(1100); // a new iat, so a different token
  menu.click('Refresh', 'alice: ');
  await app.waitFor(async () => (await rawAccessToken()) !== shown, 'a refresh from the tray')
    .catch((e) => { throw new Error(`${e.message}; notifications: ${JSON.stringify(notifications.history())}, on screen: ${notifications.displayed()}`); });
  const refreshed = await rawAccessToken();
  menu.click('Copy Authorization header', 'alice: ');
  await app.waitFor(() => clipboard() === `Authorization: Bearer ${refreshed}`, 'the header copied from the tray', 5000);
  await app.waitFor(() => clipboard() === '', 'the header to be cleared', 10000);
  await sleep(1100);
  menu.click('Refresh all');
  await app.waitFor(async () => (await rawAccessToken()) !== refreshed, 'Refresh all from the tray');

  // Closing the window keeps Tokendeck in the tray when the setting says so.
  await app.click('open-settings');
  await app.click('close-to-tray');
  // The box ticks at the click; the app acts on the setting once it has saved it.
  await app.waitFor(() => savedSettings().closeToTray === true, 'the setting saved');
  await closeToTray();
  // Still running: the command line gets its token from it.
  const printed = execFileSync(cliBinary, ['token', 'alice'], { env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.ok(printed.trim().length > 20);
  trayMenu().click('Open Tokendeck');
  await app.waitFor(async () => xWindow('state', 'Tokendeck') === 'viewable', 'the window back');
  await app.click('account-item');
});

test('sign out revokes: the provider rejects the old refresh token', async () => {
  const [account] = accountsInConfig();
  const refreshToken = keyringSecret(`refresh-token:${account.id}`);
  assert.ok(refreshToken.length > 10, 'the refresh token is in the Secret Service');
  await app.click('sign-out');
  assert.match(await app.text('sign-out-dialog'), /stays valid at the provider until it expires/);
  await app.click('confirm-sign-out');
  await app.waitFor(async () => (await app.all('account-item')).length === 0, 'the account to go');
  await app.find('provider-page');
  assert.equal(keyringSecret(`refresh-token:${account.id}`), '');
  const response = await fetch(`${provider.issuer}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'tokendeck-native' }),
  });
  assert.equal(response.status, 400);
  assert.equal((await response.json()).error, 'invalid_grant');
});

test('a sign-in the user cancels at the provider closes the wait and says why', async () => {
  writeFileSync(process.env.E2E_BROWSER_ACTION, 'cancel');
  try {
    await app.click('provider-item');
    await app.click('sign-in');
    await app.find('signin-failed');
    assert.match(await app.text('signin-failed-reason'), /cancel/i);
    assert.equal((await app.all('signin-progress')).length, 0, 'the countdown is gone');
    await app.screenshot('sign-in-cancelled');
    await app.session.actions().sendKeys(Key.ESCAPE).perform();
    await app.waitFor(async () => (await app.all('signin-failed')).length === 0, 'Escape to close the dialog');
  } finally {
    rmSync(process.env.E2E_BROWSER_ACTION, { force: true });
  }
});

test('a sign-in URL copied with options finishes in another browser', async () => {
  await (await app.all('provider-item'))[0].click();
  await app.find('provider-page');
  await (await app.session.findElement(By.css('[data-testid="sign-in-options"] summary'))).click();
  await app.type('o-login-hint', 'alice');
  await app.type('o-lang', 'fr');
  await app.click('copy-sign-in-url');
  await app.find('signin-url-copied');
  const url = new URL(clipboard());
  assert.equal(`${url.origin}${url.pathname}`, `${provider.issuer}/oauth2/authorize`);
  assert.equal(url.searchParams.get('login_hint'), 'alice');
  assert.equal(url.searchParams.get('lang'), 'fr');
  // Pasted into another browser (headless Chromium signs alice in there).
  execFileSync(new URL('./fake-browser.sh', import.meta.url).pathname, [url.href], { env: { ...process.env, ...env } });
  await app.waitFor(async () => (await app.all('account-page')).length === 1, 'the account from the other browser');
  assert.equal((await app.all('signin-progress')).length, 0, 'the wait closed');
});

test('a machine client leads with its token, and its account shows no ID token', async () => {
  await app.click('add-provider');
  await app.type('f-name', 'Machine client');
  await app.click('f-domain-custom');
  await app.type('f-custom-domain', provider.issuer);
  await app.type('f-region', 'us-east-1');
  await app.type('f-pool', 'us-east-1_LocalPool');
  await app.type('f-client-id', 'tokendeck-m2m');
  await app.type('f-client-secret', 'm2m-secret-0123456789abcdef');
  await app.type('f-scopes', 'demo-api/read');
  await (await app.session.findElement(By.css('details summary'))).click();
  await app.type('f-override-issuer', provider.issuer);
  await app.type('f-override-jwksUri', `${provider.issuer}/.well-known/jwks.json`);
  await app.click('check-provider');
  const report = await app.find('check-report');
  await app.waitFor(async () => (await report.getText()).includes('accepted the client id and secret'), 'the secret to be tested');
  assert.ok(!(await report.getText()).includes('✗'), await report.getText());
  assert.match(await report.getText(), /machine client/);
  await app.click('save-provider');
  await app.find('provider-page');
  const machine = await app.find('machine-token');
  assert.match(await machine.getAttribute('class'), /primary/, 'Get machine token comes first');
  await machine.click();
  await app.find('account-page');
  await app.find('token-panel-access');
  assert.equal((await app.all('tab-id')).length, 0);
  assert.equal((await app.all('copy-idToken')).length, 0);
  assert.equal((await app.all('id-countdown')).length, 0);
});

test('providers are shared as a file: exported with no secret, imported once', async () => {
  await app.click('open-settings');
  await app.click('export-providers');
  const exported = await (await app.find('exported-providers')).getAttribute('value');
  const file = JSON.parse(exported);
  assert.equal(file.format, 'tokendeck-providers');
  assert.ok(file.providers.some((p) => p.name === 'Machine client' && p.needsClientSecret));
  assert.ok(!exported.includes('m2m-secret'), 'no secret in the file');

  const team = JSON.stringify({
    format: 'tokendeck-providers',
    version: 1,
    providers: [{ name: 'Team issuer', source: { kind: 'oidc', issuer: provider.issuer }, clientId: 'tokendeck-rotating' }],
  });
  const providerNames = () =>
    JSON.parse(readFileSync(join(process.env.XDG_CONFIG_HOME, 'io.github.tokendeck/config.json'), 'utf8')).providers.map((p) => p.name);
  await app.type('import-text', team);
  await app.click('import-providers');
  await app.waitFor(async () => providerNames().includes('Team issuer'), 'the imported provider');
  await app.waitFor(async () => (await app.text('toast-info')).includes('Added Team issuer'), 'what was added');
  const count = providerNames().length;
  await app.type('import-text', team);
  await app.click('import-providers');
  await app.waitFor(async () => (await app.all('toast-info')).length > 0 && (await Promise.all((await app.all('toast-info')).map((t) => t.getText()))).some((t) => t.includes('No new providers (Team issuer already here)')), 'the second import to add nothing');
  assert.equal(providerNames().length, count);
  await app.screenshot('settings-share-providers');
});

test('an idle window keeps tokens fresh, shows the sign-in deadline and notifies before it', async () => {
  // A pool issuing 20-second access tokens, whose app client's refresh tokens last 2 hours.
  const short = await startProvider(['--access-token-ttl', '20']);
  // Whatever an earlier step left on screen goes, so the newest notification is this step's.
  notifications.closeAll();
  try {
    await app.click('add-provider');
    await app.type('f-name', 'Pool');
    await app.click('f-domain-custom');
    await app.type('f-custom-domain', short.issuer);
    await app.type('f-pool', 'us-east-1_ShortPool');
    await app.type('f-client-id', 'tokendeck-native');
    await app.type('f-refresh-lifetime', '0.0833');
    await (await app.session.findElement(By.css('details summary'))).click();
    await app.type('f-override-issuer', short.issuer);
    await app.type('f-override-jwksUri', `${short.issuer}/.well-known/jwks.json`);
    await app.click('save-provider');
    await app.find('provider-page');
    await app.click('sign-in');
    await app.waitFor(async () => (await app.all('refresh-deadline')).length === 1, 'the new account page');

    // The deadline: a date, a countdown, and the sidebar's flag (inside the 24 h window).
    assert.match(await app.text('refresh-deadline'), /Sign in again by\s+in 1h 59m\s+\d{4}-\d{2}-\d{2} /);
    assert.match(await app.text('deadline-countdown'), /^in 1h 59m/);
    assert.equal((await app.all('deadline-flag')).length, 1);

    // With no click, the token changes before it expires.
    const before = await rawAccessToken();
    await app.waitFor(async () => (await rawAccessToken()) !== before, 'a background refresh', 45000);
    assert.equal(await app.text('session-origin'), 'Refreshed');
    assert.match(await app.text('access-countdown'), /^Access token expires\s+in \d+s$/);
    await app.screenshot('deadline');

    // The notification server got the warning; clicking it brings that account up.
    await app.waitFor(async () => notifications.displayed() > 0, 'the deadline notification', 30000);
    await app.click('open-settings');
    await app.find('settings-page');
    assert.equal(notifications.displayed(), 1, 'only the deadline on screen: the click is its');
    notifications.clickNewest();
    await app.waitFor(async () => (await app.all('account-provider')).length === 1 && (await app.text('account-provider')) === 'Pool', 'the Pool account after the click');
    notifications.closeAll();
    const [warning] = notifications.history().filter((n) => n.summary === 'alice: sign in again soon');
    assert.ok(warning, JSON.stringify(notifications.history()));
    assert.match(warning.body, /expires in (1|2) hours/);

    // A background refresh that fails (a load balancer's error page): the server is told
    // once, and its click opens the account, which says the keeper is trying again.
    await short.fault('token', 'html502', 1);
    await app.click('open-settings');
    await app.find('settings-page');
    await app.waitFor(async () => notifications.displayed() > 0, 'the failed-refresh notification', 45000);
    assert.equal(notifications.displayed(), 1, 'only the failure on screen: the click is its');
    notifications.clickNewest();
    await app.waitFor(async () => (await app.all('refresh-failure')).length === 1, 'the failed account after the click');
    assert.equal(await app.text('account-provider'), 'Pool');
    assert.match(await app.text('refresh-failure-next'), /keeps trying in the background/);
    notifications.closeAll();
    const [failed] = notifications.history().filter((n) => n.summary === 'alice: background refresh failed');
    assert.ok(failed, JSON.stringify(notifications.history()));
    assert.match(failed.body, /could not be reached.*tries again in \d+ s/);
    // The retry works by itself: the failure goes from the page.
    await app.waitFor(async () => (await app.all('refresh-failure')).length === 0, 'the retry to succeed', 45000);
  } finally {
    short.stop();
  }
});

test('a sign-in with a code: the window shows it large, a browser elsewhere enters it', async () => {
  const device = await startProvider(['--device-flow', '--device-interval', '1']);
  try {
    await app.click('add-provider');
    await app.type('f-name', 'Device issuer');
    await app.click('f-kind-oidc');
    await app.type('f-issuer', device.issuer);
    await app.type('f-client-id', 'tokendeck-device');
    await app.click('save-provider');
    await app.find('provider-page');
    await app.click('sign-in-with-code');
    const code = await app.text('device-code');
    assert.match(code, /^[A-Z]{4}-[A-Z]{4}$/);
    assert.equal(await app.text('device-page'), `${device.issuer}/device`);
    assert.match(await app.text('device-expiry'), /expires in (9m|10m)/);
    await app.screenshot('device-sign-in');
    // Someone on another device: the page, the code, the provider's login.
    const entered = execFileSync('node', [join(root, 'tests/provider/device-login.mjs'), `${device.issuer}/device`, code, 'bob', 'bob-password'], { encoding: 'utf8' });
    assert.equal(entered.trim(), 'done');
    await app.waitFor(async () => (await app.all('device-signin')).length === 0, 'the code dialog to close');
    await app.find('account-page');
    await app.waitFor(async () => (await app.text('account-page')).includes('bob'), 'bob signed in with the code');
    // Verified like a browser sign-in's.
    await app.waitFor(async () => /verified/i.test(await app.text('token-panel-id')), 'the ID token verified');
  } finally {
    device.stop();
  }
});

test('admin sign-in: signed with the AWS profile the provider names, as moto checks it', async () => {
  const moto = await startMoto();
  try {
    // The user's own AWS files, where the AWS CLI keeps them.
    mkdirSync(join(desktopHome, '.aws'), { recursive: true });
    writeFileSync(join(desktopHome, '.aws/credentials'), `[qa]\naws_access_key_id = ${moto.accessKey.id}\naws_secret_access_key = ${moto.accessKey.secret}\n`);
    writeFileSync(join(desktopHome, '.aws/config'), '[profile qa]\nregion = us-east-1\n');
    await app.click('add-provider');
    await app.type('f-name', 'Admin pool');
    await app.click('f-domain-none');
    await app.type('f-region', 'us-east-1');
    await app.type('f-pool', moto.pool);
    await app.type('f-client-id', moto.clientId);
    await app.type('f-client-secret', moto.clientSecret);
    await app.type('f-aws-profile', 'qa');
    await (await app.session.findElement(By.css('details summary'))).click();
    await app.type('f-override-cognitoIdp', moto.url);
    await app.type('f-override-jwksUri', `${moto.url}${moto.pool}/.well-known/jwks.json`);
    await app.click('save-provider');
    await app.find('password-form');
    assert.match(await app.text('aws-profile'), /AWS profile qa/);
    await (await app.session.findElement(By.css('[data-testid="p-flow"] option[value="admin"]'))).click();
    await app.type('p-username', 'dana');
    await app.type('p-password', 'Dana-Passw0rd!');
    await app.click('p-submit');
    await app.waitFor(async () => (await app.all('admin-sign-in')).length === 1, 'the account signed in through the admin flow');
    assert.equal(await app.text('admin-sign-in'), 'admin sign-in (AWS profile qa)');
    await app.waitFor(async () => /verified/i.test(await app.text('token-panel-id')), 'the ID token verified');
    await app.screenshot('admin-sign-in');
  } finally {
    moto.stop();
  }
});

test('Quit in the tray ends Tokendeck', async () => {
  assert.ok(appRunning());
  trayMenu().click('Quit');
  await app.waitFor(async () => !appRunning(), 'the app to exit', 20000);
});
