// Test harness: the local provider, the real app window driven by WebKitWebDriver, the X
// clipboard, and the desktop plumbing (a mimeapps.list that makes fake-browser.sh the system
// browser). Run inside scripts/with-keyring under xvfb-run (see tests/e2e/run).
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { By, Capabilities, WebDriver, until } from 'selenium-webdriver';
import { Executor, HttpClient } from 'selenium-webdriver/http/index.js';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../..');
export const appBinary = process.env.TOKENDECK_APP ?? join(root, 'target/debug/tokendeck-app');
export const cliBinary = join(root, 'target/debug/tokendeck');
// Screenshots go under target/ so a test run leaves the tree clean; set
// E2E_SCREENSHOT_DIR=docs/screenshots to refresh the README's pictures.
export const screenshotDir = resolve(root, process.env.E2E_SCREENSHOT_DIR ?? 'target/e2e-screenshots');

function freePort() {
  return new Promise((ok) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

function readyLine(child) {
  return new Promise((ok, fail) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) ok(JSON.parse(buf.slice(0, nl)));
    });
    child.on('exit', (code) => fail(new Error(`exited with ${code}`)));
  });
}

/** The local provider; `extra` are server flags, e.g. `['--access-token-ttl', '20']`. */
export async function startProvider(extra = []) {
  const child = spawn('node', [join(root, 'tests/provider/server.mjs'), '--test-controls', ...extra], { stdio: ['ignore', 'pipe', 'ignore'] });
  const { issuer } = await readyLine(child);
  return {
    issuer,
    /** The next `count` responses of `target` (token, jwks) misbehave as `mode` (e.g. html502). */
    fault: async (target, mode, count = 1) => {
      const res = await fetch(`${issuer}/__test/fault`, { method: 'POST', body: JSON.stringify({ target, mode, count }) });
      if (!res.ok) throw new Error(`fault: ${res.status}`);
    },
    stop: () => child.kill(),
  };
}

/**
 * moto, Cognito's API on loopback, with a pool whose app client has a secret, a user, and an IAM
 * user allowed the admin calls; AWS authentication is then enforced, so moto checks each
 * request's SigV4 signature and IAM policy. Returns what a provider and an AWS profile need.
 */
export async function startMoto() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const child = spawn(join(root, 'tests/.venv/bin/moto_server'), ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}moto-api/`)).ok) break;
    } catch {
      /* not up yet */
    }
    await sleep(100);
  }
  const idp = async (action, body) => {
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'x-amz-target': `AWSCognitoIdentityProviderService.${action}`, 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`${action}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  // IAM's query API; the Authorization header only names the service until auth is enforced.
  const iam = async (params) => {
    const r = await fetch(url, {
      method: 'POST',
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=setup/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0' },
      body: new URLSearchParams({ Version: '2010-05-08', ...params }),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`IAM ${params.Action}: ${r.status} ${text}`);
    return text;
  };
  const pool = (await idp('CreateUserPool', { PoolName: 'e2e' })).UserPool.Id;
  const client = (await idp('CreateUserPoolClient', {
    UserPoolId: pool, ClientName: 'e2e', GenerateSecret: true,
    ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  })).UserPoolClient;
  await idp('AdminCreateUser', { UserPoolId: pool, Username: 'dana', TemporaryPassword: 'Dana-Passw0rd!', MessageAction: 'SUPPRESS' });
  await idp('AdminSetUserPassword', { UserPoolId: pool, Username: 'dana', Password: 'Dana-Passw0rd!', Permanent: true });
  await iam({ Action: 'CreateUser', UserName: 'qa' });
  await iam({
    Action: 'PutUserPolicy', UserName: 'qa', PolicyName: 'admin-sign-in',
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['cognito-idp:AdminInitiateAuth', 'cognito-idp:AdminRespondToAuthChallenge'], Resource: '*' }] }),
  });
  const created = await iam({ Action: 'CreateAccessKey', UserName: 'qa' });
  const tag = (name) => created.match(new RegExp(`<${name}>([^<]+)</${name}>`))[1];
  await fetch(`${url}moto-api/reset-auth`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '0' });
  return {
    url, pool, clientId: client.ClientId, clientSecret: client.ClientSecret,
    accessKey: { id: tag('AccessKeyId'), secret: tag('SecretAccessKey') },
    stop: () => child.kill(),
  };
}

/** A desktop whose default browser is fake-browser.sh (XDG dirs from scripts/with-keyring). */
export function prepareDesktop() {
  const home = mkdtempSync(join(tmpdir(), 'tokendeck-e2e-home-'));
  const config = process.env.XDG_CONFIG_HOME;
  const data = process.env.XDG_DATA_HOME;
  if (!config || !data) throw new Error('run under scripts/with-keyring (XDG dirs not set)');
  mkdirSync(join(data, 'applications'), { recursive: true });
  writeFileSync(
    join(data, 'applications/e2e-browser.desktop'),
    `[Desktop Entry]\nType=Application\nName=E2E browser\nExec=${join(here, 'fake-browser.sh')} %u\nMimeType=x-scheme-handler/http;x-scheme-handler/https;\nNoDisplay=true\n`,
  );
  writeFileSync(
    join(config, 'mimeapps.list'),
    '[Default Applications]\nx-scheme-handler/http=e2e-browser.desktop\nx-scheme-handler/https=e2e-browser.desktop\n',
  );
  return { home };
}

export async function startDriver(env) {
  const port = await freePort();
  // The app's log (it inherits the driver's output) goes to a file tests/e2e/run prints
  // when a step fails.
  const log = openSync(join(root, 'target', 'e2e-app.log'), 'a');
  const driver = spawn('WebKitWebDriver', [`--port=${port}`], {
    env: { ...process.env, ...env, TAURI_WEBVIEW_AUTOMATION: 'true', TOKENDECK_LOG: 'info,tokendeck_core=debug,tokendeck_app=debug' },
    stdio: ['ignore', log, log],
  });
  for (let i = 0; i < 50; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/status`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    await sleep(100);
  }
  return { url: `http://127.0.0.1:${port}`, stop: () => driver.kill() };
}

export async function openApp(driverUrl) {
  // No browserName: WebKitWebDriver matches on the webkitgtk options alone.
  const caps = new Capabilities({ 'webkitgtk:browserOptions': { binary: appBinary, args: [] } });
  const session = await WebDriver.createSession(new Executor(new HttpClient(driverUrl)), caps);
  return new App(session);
}

export class App {
  constructor(session) {
    this.session = session;
  }

  find(testid) {
    return this.session.wait(until.elementLocated(By.css(`[data-testid="${testid}"]`)), 20000, `no ${testid}`);
  }

  async all(testid) {
    return this.session.findElements(By.css(`[data-testid="${testid}"]`));
  }

  async click(testid) {
    const el = await this.find(testid);
    await this.session.wait(until.elementIsEnabled(el), 20000);
    await el.click();
  }

  async type(testid, text) {
    const el = await this.find(testid);
    await el.clear();
    await el.sendKeys(text);
  }

  async text(testid) {
    return (await this.find(testid)).getText();
  }

  async waitFor(predicate, what, timeout = 30000) {
    const started = Date.now();
    let last;
    while (Date.now() - started < timeout) {
      try {
        last = await predicate();
        if (last) return last;
      } catch (e) {
        last = e;
      }
      await sleep(200);
    }
    throw new Error(`timed out waiting for ${what} (last: ${last})`);
  }

  async screenshot(name) {
    await sleep(500);
    mkdirSync(screenshotDir, { recursive: true });
    writeFileSync(join(screenshotDir, `${name}.png`), await this.session.takeScreenshot(), 'base64');
  }

  async quit() {
    await this.session.quit();
  }
}

/** The X clipboard's text, or with `target` (e.g. TARGETS) that target's content. */
export function clipboard(target) {
  const args = ['-o', '-selection', 'clipboard', ...(target ? ['-t', target] : [])];
  try {
    return execFileSync('xclip', args, { encoding: 'utf8', timeout: 5000 });
  } catch {
    return '';
  }
}

export function keyringSecret(user) {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', 'io.github.tokendeck', 'username', user], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

/** Launches the app binary with a URL, the way the OS delivers a deep link. */
export function deliverDeepLink(url, env) {
  try {
    execFileSync(appBinary, [url], { env: { ...process.env, ...env }, timeout: 20000, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    // What the second launch said (the URL is a forged one: nothing secret).
    throw new Error(`the second launch exited with ${e.status ?? e.signal}: ${String(e.stderr ?? '').slice(-2000)}`);
  }
}

/**
 * A real notification server (dunst) on the private session bus and the virtual display,
 * read and clicked through `dunstctl`.
 */
export async function startNotificationServer() {
  // Notifications stay up until clicked or closed, so a slow step still finds them.
  const config = join(mkdtempSync(join(tmpdir(), 'tokendeck-dunst-')), 'dunstrc');
  writeFileSync(config, ['low', 'normal', 'critical'].map((u) => `[urgency_${u}]\ntimeout = 0\n`).join(''));
  const child = spawn('dunst', ['-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  const ctl = (...args) => execFileSync('dunstctl', args, { encoding: 'utf8' }).trim();
  // Asked without starting anything: a call to the name itself would make the bus start
  // another dunst (its service file), one with no display.
  const owned = () =>
    execFileSync('dbus-send', ['--session', '--print-reply=literal', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus',
      'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.Notifications'], { encoding: 'utf8' }).includes('true');
  for (let i = 0; !owned(); i++) {
    if (i > 100 || child.exitCode !== null) throw new Error('dunst did not come up on the session bus');
    await sleep(100);
  }
  return {
    displayed: () => Number(ctl('count', 'displayed')),
    /** Clicks the newest notification on screen (its default action). */
    clickNewest: () => ctl('action', '0'),
    /** Summaries and bodies of the notifications closed so far, newest first. */
    history: () =>
      JSON.parse(ctl('history')).data.flat().map((n) => ({ summary: n.summary.data, body: n.body.data })),
    closeAll: () => ctl('close-all'),
    stop: () => child.kill(),
  };
}

/** A real system tray (trayer: the XEmbed tray of the freedesktop spec) on the virtual display. */
export async function startTray() {
  const child = spawn('trayer', ['--edge', 'top', '--align', 'right', '--widthtype', 'pixel', '--width', '120', '--height', '24'], { stdio: 'ignore' });
  const panel = () => execFileSync('xwininfo', ['-root', '-tree'], { encoding: 'utf8' }).match(/^\s*(0x[0-9a-f]+) "panel": \("panel" "trayer"\)/m)?.[1];
  for (let i = 0; !panel(); i++) {
    if (i > 100 || child.exitCode !== null) throw new Error('trayer did not come up');
    await sleep(100);
  }
  return {
    /** The window names docked in the tray. */
    icons: () => [...execFileSync('xwininfo', ['-tree', '-id', panel()], { encoding: 'utf8' }).matchAll(/^\s+0x[0-9a-f]+ "([^"]*)"/gm)].map((m) => m[1]),
    stop: () => child.kill(),
  };
}

const dbus = (...args) => execFileSync('dbus-send', ['--session', '--print-reply=literal', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', ...args], { encoding: 'utf8' });
const gdbus = (...args) => execFileSync('gdbus', ['call', '--session', ...args], { encoding: 'utf8' });

/**
 * The tray icon's menu as a tray host sees it: the com.canonical.dbusmenu object the app's
 * StatusNotifierItem exports, read with GetLayout and clicked with Event (what a host sends
 * when the user picks an item).
 */
export function trayMenu() {
  const names = dbus('org.freedesktop.DBus.ListNames').match(/:\d+\.\d+/g) ?? [];
  for (const name of names) {
    let tree;
    try {
      tree = execFileSync('gdbus', ['introspect', '--session', '--dest', name, '--object-path', '/org/ayatana/NotificationItem', '--recurse'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      continue;
    }
    const path = tree.match(/node (\/org\/ayatana\/NotificationItem\/[^/\s]+\/Menu)/)?.[1];
    if (!path) continue;
    // `--`: the arguments (such as -1) are not options.
    const call = (method, ...args) => gdbus('--dest', name, '--object-path', path, '--method', `com.canonical.dbusmenu.${method}`, '--', ...args);
    /** Every item in order (depth first): its id and label. */
    const items = () =>
      [...call('GetLayout', '0', '-1', '[]').matchAll(/\((\d+), \{([^{}]*)\}/g)].map((m) => ({
        id: m[1],
        label: m[2].match(/'label': <'((?:[^'\\]|\\.)*)'>/)?.[1] ?? null,
      }));
    return {
      labels: () => items().map((i) => i.label).filter(Boolean),
      /** Clicks the item `label`, the first after the submenu whose label starts with `under`. */
      click(label, under) {
        const all = items();
        const from = under ? all.findIndex((i) => i.label?.startsWith(under)) : 0;
        const item = all.slice(Math.max(from, 0)).find((i) => i.label === label);
        if (from < 0 || !item) throw new Error(`no tray item ${label} under ${under}: ${JSON.stringify(all)}`);
        call('Event', item.id, 'clicked', '<int32 0>', '0');
      },
    };
  }
  throw new Error('no StatusNotifierItem menu on the session bus');
}

/** What a window manager does (the system python3, where python3-xlib is): close a top-level window (WM_DELETE_WINDOW), or read its state. */
export const xWindow = (action, title) => execFileSync('/usr/bin/python3', [join(here, 'x-window.py'), action, title], { encoding: 'utf8' }).trim();
