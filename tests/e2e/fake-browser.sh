#!/usr/bin/env bash
# Stands in for the system browser in the end-to-end tests: headless Chromium signs the test
# user in on the provider's page, then hands the redirect to the OS (`gio open`), which
# launches the registered io.github.tokendeck handler: the app binary, with the URL.
here=$(cd "$(dirname "$0")" && pwd)
export TOKENDECK_DELIVER="gio open"
# A test can make the next "user" press Cancel on the login page instead of signing in.
user=${E2E_USER:-alice}
if [[ -n "${E2E_BROWSER_ACTION:-}" && "$(cat "$E2E_BROWSER_ACTION" 2>/dev/null)" == cancel ]]; then
  user=--cancel
fi
exec node "$here/../provider/browser-login.mjs" "$1" "$user" "${E2E_PASSWORD:-alice-password}" \
  >>"${E2E_BROWSER_LOG:-/dev/null}" 2>&1
