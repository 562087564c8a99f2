// Signs a user in with headless Chromium, the way a person would in the system browser.
//
// Usage: node browser-login.mjs AUTHORIZATION_URL USERNAME PASSWORD [REDIRECT_PREFIX]
// With USERNAME `--cancel`, the user presses Cancel on the login page instead.
// Opens the URL, fills the provider's login form, submits, and prints the redirect URL the
// provider sent back (custom scheme or loopback) on stdout. The custom-scheme navigation is
// seen as a request, which Chromium then aborts (a headless browser has no app to hand it to). With
// TOKENDECK_DELIVER set (e.g. "gio open"), the URL is also passed as the last argument to that
// command: the OS then launches the registered handler, as a desktop browser would.
// With BROWSER_IGNORE_HTTPS_ERRORS=1 the browser accepts any certificate (a provider with a
// test CA: the browser's own trust store is not what those tests are about).
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const [url, username, password, prefix = 'io.github.tokendeck://'] = process.argv.slice(2);
if (!url || !username || !password) {
  console.error('usage: browser-login.mjs AUTHORIZATION_URL USERNAME PASSWORD [REDIRECT_PREFIX]');
  process.exit(2);
}

const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-dev-shm-usage', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ ignoreHTTPSErrors: process.env.BROWSER_IGNORE_HTTPS_ERRORS === '1' });
  const redirect = new Promise((resolve) => {
    page.on('request', (request) => {
      if (request.url().startsWith(prefix)) resolve(request.url());
    });
  });
  await page.goto(url);
  if (username === '--cancel') {
    await page.click('button[name=cancel]');
  } else {
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
  }
  let timer;
  const callback = await Promise.race([
    redirect,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('no redirect within 30 s')), 30000);
    }),
  ]).finally(() => clearTimeout(timer));
  process.stdout.write(`${callback}\n`);
  if (process.env.TOKENDECK_DELIVER) {
    const [command, ...args] = process.env.TOKENDECK_DELIVER.split(' ');
    const result = spawnSync(command, [...args, callback], { stdio: 'inherit' });
    process.exitCode = result.status ?? 1;
  }
} finally {
  await browser.close();
}
