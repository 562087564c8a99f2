#!/usr/bin/env bash
# Stands in for the system browser in the end-to-end tests: headless Chromium signs the test
# user in on the provider's page, then hands the redirect to the OS (`gio open`), which
# launches the registered io.github.tokendeck handler: the app binary, with the URL.
here=$(cd "$(dirname "$0")" && pwd)
export TOKENDECK_DELIVER="gio open"
exec node "$here/../provider/browser-login.mjs" "$1" "${E2E_USER:-alice}" "${E2E_PASSWORD:-alice-password}" \
  >>"${E2E_BROWSER_LOG:-/dev/null}" 2>&1
