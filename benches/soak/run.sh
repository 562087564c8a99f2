#!/usr/bin/env bash
# Soak: the release app left running with ACCOUNTS signed-in accounts (default 50) whose access
# tokens live 60 seconds, keeping them fresh in the background, for MINUTES (default 30).
#
# Usage: scripts/with-keyring xvfb-run -a benches/soak/run.sh [MINUTES] [ACCOUNTS]
# Needs the release binaries (cargo build --release -p tokendeck-app -p tokendeck-cli), node
# and Chromium (scripts/setup). Not part of scripts/bench: it takes half an hour.
#
# Prints one JSON line on stdout; progress goes to stderr:
#   refreshes     token requests the provider answered while the app ran (all background)
#   failed        background refreshes the app logged as failed (goal: 0)
#   valid_at_end  accounts whose access token still had 5 s or more left at the end, asked
#                 through the app's agent with no refresh on the way (goal: all)
#   pss_kb_2min, pss_kb_end, growth_pct   proportional set size of the app's whole process
#                 tree (app, WebKit web and network processes) 2 minutes in and at the end
#                 (goal: growth <= 10 %)
#   cpu_pct       the tree's CPU use from minute 2 to the end, in % of one core
#   cpu_ms_per_refresh   that CPU time divided by the refreshes in the same span
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
minutes=${1:-30}
accounts=${2:-50}
app=$root/target/release/tokendeck-app
cli=$root/target/release/tokendeck-direct
log() { echo "soak: $*" >&2; }
[[ -x $app && -x $cli ]] || { log "build first: cargo build --release -p tokendeck-app -p tokendeck-cli"; exit 2; }
[[ -n ${XDG_CONFIG_HOME:-} && -n ${DISPLAY:-} ]] || { log "run under scripts/with-keyring and xvfb-run"; exit 2; }
(( accounts >= 1 && accounts <= 60 )) || { log "ACCOUNTS must be 1..60 (the provider's bulk users)"; exit 2; }

work=$(mktemp -d -t tokendeck-soak.XXXXXX)
provider_pid=
app_pid=
cleanup() {
  [[ -n $app_pid ]] && kill "$app_pid" 2>/dev/null || true
  [[ -n $provider_pid ]] && kill "$provider_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

node "$root/tests/provider/server.mjs" --test-controls --access-token-ttl 60 >"$work/provider.out" 2>/dev/null &
provider_pid=$!
for _ in $(seq 100); do [[ -s $work/provider.out ]] && break; sleep 0.1; done
issuer=$(python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["issuer"])' <"$work/provider.out")
token_requests() { curl -sf "$issuer/__test/counters" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }

export HOME=$work/home XDG_RUNTIME_DIR=$work/run
mkdir -p "$HOME"
mkdir -m 700 "$XDG_RUNTIME_DIR"
"$cli" provider add "Bench pool" --region us-east-1 --pool-id us-east-1_BenchPool --custom-domain "$issuer" \
  --client-id tokendeck-native --override "issuer=$issuer" --override "jwks-uri=$issuer/.well-known/jwks.json" >/dev/null
log "signing in $accounts accounts"
for n in $(seq -f %02g 1 "$accounts"); do
  printf '#!/bin/sh\nexec node %q "$1" user%s bench-password http://127.0.0.1: >/dev/null 2>&1\n' \
    "$root/tests/provider/browser-login.mjs" "$n" >"$work/browser.sh"
  chmod +x "$work/browser.sh"
  TOKENDECK_BROWSER=$work/browser.sh "$cli" login "Bench pool" >/dev/null 2>&1 || { log "sign-in of user$n failed"; exit 1; }
done

# The app's process tree: it, and what it started (WebKit's web and network processes).
tree() {
  local pids=("$app_pid") i=0
  while (( i < ${#pids[@]} )); do
    mapfile -t kids < <(pgrep -P "${pids[i]}" || true)
    pids+=("${kids[@]}")
    i=$((i + 1))
  done
  echo "${pids[@]}"
}
# Sums what AWK_PROGRAM prints for FILE (under /proc/PID/) over the app's process tree.
sum_over_tree() {
  local file=$1 program=$2 total=0 pid
  for pid in $(tree); do
    total=$((total + $(awk "$program" "/proc/$pid/$file" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
pss_kb() { sum_over_tree smaps_rollup '/^Pss:/ {print $2}'; }
cpu_ticks() { sum_over_tree stat '{print $14 + $15}'; }

before=$(token_requests)
log "starting the app; background refresh on (the default)"
TOKENDECK_LOG=info "$app" 2>"$work/app.log" &
app_pid=$!
sleep 120
pss_start=$(pss_kb)
cpu_start=$(cpu_ticks)
requests_start=$(token_requests)
log "2 minutes in: PSS ${pss_start} kB; running until minute $minutes"
sleep $(( minutes * 60 - 120 ))
pss_end=$(pss_kb)
cpu_end=$(cpu_ticks)
requests_end=$(token_requests)

# Every account's token, through the app's agent, must still be valid with no refresh.
valid=0
for n in $(seq -f %02g 1 "$accounts"); do
  if "$root/target/release/tokendeck" token "user$n" --min-ttl 5s >/dev/null 2>&1; then valid=$((valid + 1)); fi
done
after_check=$(token_requests)
(( after_check == requests_end )) || log "note: the final check caused $((after_check - requests_end)) refreshes"
failed=$(grep -c "background refresh failed" "$work/app.log" || true)
hz=$(getconf CLK_TCK)
python3 - "$((requests_end - before))" "$failed" "$valid" "$accounts" "$pss_start" "$pss_end" \
  "$((cpu_end - cpu_start))" "$hz" "$(( minutes * 60 - 120 ))" "$((requests_end - requests_start))" <<'PY'
import json, sys
refreshes, failed, valid, accounts, pss0, pss1, ticks, hz, span, span_refreshes = map(int, sys.argv[1:])
cpu_s = ticks / hz
print(json.dumps({
    "refreshes": refreshes, "failed": failed, "valid_at_end": f"{valid}/{accounts}",
    "pss_kb_2min": pss0, "pss_kb_end": pss1, "growth_pct": round((pss1 - pss0) * 100 / pss0, 1),
    "cpu_pct": round(cpu_s * 100 / span, 2),
    "cpu_ms_per_refresh": round(cpu_s * 1000 / max(span_refreshes, 1), 2),
}))
PY
