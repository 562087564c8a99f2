// The first five minutes: the app started the way scripts/demo starts it (TOKENDECK_DEMO_ISSUER
// pointing at the bundled local provider), a newcomer who has read only the README, and the
// first click. Its own settings directory; the same private desktop as app.e2e.mjs.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { openApp, prepareDesktop, startDriver, startProvider } from './harness.mjs';

let provider;
let driver;
let app;

before(async () => {
  provider = await startProvider();
  const desktop = prepareDesktop();
  driver = await startDriver({
    HOME: desktop.home,
    E2E_USER: 'alice',
    E2E_PASSWORD: 'alice-password',
    TOKENDECK_DEMO_ISSUER: provider.issuer,
    TOKENDECK_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'tokendeck-demo-')),
  });
  app = await openApp(driver.url);
});

after(async () => {
  await app?.quit().catch(() => {});
  driver?.stop();
  provider?.stop();
});

test('the welcome page offers one action: sign in to the demo pool', async () => {
  const intro = await app.find('demo-intro');
  assert.match(await intro.getText(), /alice/);
  await app.screenshot('welcome-demo');
  await app.click('demo-sign-in');
  await app.find('account-page');
  const idPanel = await app.find('token-panel-id');
  await app.waitFor(async () => (await idPanel.getText()).includes('alice'), 'alice signed in');
  assert.equal((await app.all('demo-intro')).length, 0, 'the demo intro is done once signed in');
});

test("the demo pool's page offers no password sign-in (Cognito's API does not know it)", async () => {
  await app.click('provider-item');
  await app.find('provider-page');
  assert.equal((await app.all('password-form')).length, 0);
  assert.equal(await app.text('redirect-uri'), 'io.github.tokendeck://callback/local-demo');
});
