// A person finishing a device sign-in (RFC 8628) in headless Chromium: opens the verification
// URL, types the user code the device shows, confirms it, signs in.
//
// Usage: node device-login.mjs VERIFICATION_URI USER_CODE USERNAME PASSWORD
//        node device-login.mjs VERIFICATION_URI USER_CODE --deny
// With --deny the person presses Abort on the confirmation page instead. Prints "done" (or
// "denied") once the provider's final page shows.
import { chromium } from 'playwright-core';

const [url, userCode, username, password] = process.argv.slice(2);
if (!url || !userCode || !username || (username !== '--deny' && !password)) {
  console.error('usage: device-login.mjs VERIFICATION_URI USER_CODE (USERNAME PASSWORD | --deny)');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-dev-shm-usage', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ ignoreHTTPSErrors: process.env.BROWSER_IGNORE_HTTPS_ERRORS === '1' });
  page.setDefaultTimeout(20000);
  await page.goto(url);
  await page.fill('input[name=user_code]', userCode);
  await page.click('button[name=continue]');
  const shown = await page.textContent('[data-testid=user-code]');
  if (shown.replace(/\W/g, '').toUpperCase() !== userCode.replace(/\W/g, '').toUpperCase()) {
    throw new Error(`the confirmation page shows ${shown}, not ${userCode}`);
  }
  if (username === '--deny') {
    await page.click('button[name=abort]');
    await page.waitForSelector('text=interrupted');
    process.stdout.write('denied\n');
  } else {
    await page.click('button[name=confirm-device]');
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=device-done]');
    process.stdout.write('done\n');
  }
} finally {
  await browser.close();
}
