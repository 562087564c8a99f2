#!/usr/bin/env bash
# Measures oidc-agent (Debian's oidc-agent-cli), the reference token agent, against the local
# provider, so the benchmark can put `oidc-token` beside `tokendeck token`.
#
# Usage: benches/oidc-agent/measure.sh ISSUER RUNS
#   ISSUER  the local provider, e.g. http://127.0.0.1:PORT from
#           `node tests/provider/server.mjs --port 0 --test-controls`
#   RUNS    timed runs of each case (after a warm-up)
#
# Needs: oidc-agent-cli, time (GNU time), curl, python3. Uses the provider's `oidc-agent-bench`
# client (tests/provider/config.mjs) and signs in as alice. With --test-controls the provider's
# token counter also proves that every refresh run reached the token endpoint and no warm run did.
#
# Prints one JSON line on stdout:
#   {"warm_ms_median": .., "refresh_ms_median": .., "oidc_token_peak_rss_kb": .., "runs": ..,
#    "oidc_agent_version": ".."}
# Everything else goes to stderr.
set -euo pipefail

if [[ $# -ne 2 || ! $2 =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 ISSUER RUNS" >&2
  exit 2
fi
ISSUER=${1%/}
RUNS=$2

CLIENT_ID=oidc-agent-bench
CLIENT_SECRET=oidc-agent-secret-0123456789
USERNAME=alice
PASSWORD=alice-password
SHORT=bench
WARMUP=3
# oidc-gen's default loopback ports; the agent listens on the first free one and puts it in the
# authorization URL.
REDIRECT_URIS="http://localhost:4242 http://localhost:8080 http://localhost:43985"

log() { echo "oidc-agent bench: $*" >&2; }
die() { log "$*"; exit 1; }

for tool in oidc-agent oidc-gen oidc-token curl python3; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install -y oidc-agent-cli time curl python3)"
done
[[ -x /usr/bin/time ]] || die "GNU time is missing (apt-get install -y time)"

# A private home, config dir and TMPDIR (where oidc-agent puts its socket): nothing touches the
# user's own oidc-agent set-up, and the real agent's OIDC_SOCK is not used.
work=$(mktemp -d -t oidc-agent-bench.XXXXXX)
gen_pid=
agent_pgid=
cleanup() {
  if [[ -n $gen_pid ]]; then kill "$gen_pid" 2>/dev/null || true; fi
  if [[ -n ${OIDCD_PID:-} ]]; then
    oidc-agent -k >/dev/null 2>&1 || kill "$OIDCD_PID" 2>/dev/null || true
  fi
  # The agent's redirect listener (a forked child, in the agent's own process group) sleeps 5 s
  # in its SIGTERM handler, holding port 4242; end it now rather than leave it behind.
  if [[ -n $agent_pgid ]] && pgrep -g "$agent_pgid" >/dev/null; then
    kill -KILL -- "-$agent_pgid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export HOME=$work OIDC_CONFIG_DIR=$work/config TMPDIR=$work
mkdir -p "$OIDC_CONFIG_DIR"
unset OIDC_SOCK OIDCD_PID

version=$(oidc-agent --version | awk '{print $NF}')
log "oidc-agent $version, issuer $ISSUER"

# Its output is shell code that exports OIDC_SOCK and OIDCD_PID and echoes the pid.
eval "$(oidc-agent)" >&2
[[ -n ${OIDC_SOCK:-} && -n ${OIDCD_PID:-} ]] || die "oidc-agent did not start"
# It prints these before its daemon has made the socket.
for _ in $(seq 50); do [[ -S $OIDC_SOCK ]] && break; sleep 0.1; done
[[ -S $OIDC_SOCK ]] || die "oidc-agent made no socket at $OIDC_SOCK"
# It daemonizes with setsid: its processes share a group of their own.
agent_pgid=$(ps -o pgid= -p "$OIDCD_PID" | tr -d ' ')
[[ $agent_pgid != "$(ps -o pgid= -p $$ | tr -d ' ')" ]] || agent_pgid=  # never our own group

# ---- register the account with the code flow -----------------------------------------------
# oidc-gen asks the agent for an authorization URL, prints it (not opened: --no-url-call) and
# polls the agent; the agent's loopback web server receives the redirect and exchanges the code
# (with PKCE, client_secret_basic). We play the browser with curl.
gen_log=$work/oidc-gen.log
OIDC_ENCRYPTION_PW=bench-password oidc-gen "$SHORT" \
  --iss="$ISSUER" --client-id="$CLIENT_ID" --client-secret="$CLIENT_SECRET" \
  --redirect-uri="$REDIRECT_URIS" --scope="openid profile email" \
  --flow=code --no-url-call --no-scheme --pw-env --confirm-default \
  </dev/null >"$gen_log" 2>&1 &
gen_pid=$!

auth_url=
for _ in $(seq 100); do
  auth_url=$(grep -o "${ISSUER}/[^ ]*authorize?[^ ]*" "$gen_log" | head -n1 || true)
  [[ -n $auth_url ]] && break
  kill -0 "$gen_pid" 2>/dev/null || break
  sleep 0.1
done
[[ -n $auth_url ]] || { cat "$gen_log" >&2; die "oidc-gen printed no authorization URL"; }

# Follow the redirects by hand: the provider's login page is the one 200 on the way; the
# consent step passes by itself (the provider grants what is asked, like Cognito). The last hop
# goes to the agent's http://localhost:<port>.
jar=$work/cookies
url=$auth_url
for _ in $(seq 10); do
  if [[ $url == http://localhost:* ]]; then
    curl -fsS -o /dev/null "$url" || die "the agent's redirect listener refused $url"
    url=
    break
  fi
  next=$(curl -sS -b "$jar" -c "$jar" -o /dev/null -w '%{redirect_url}' "$url")
  if [[ -z $next && $url == "$ISSUER/interaction/"* ]]; then
    next=$(curl -sS -b "$jar" -c "$jar" -o /dev/null -w '%{redirect_url}' \
      --data-urlencode "username=$USERNAME" --data-urlencode "password=$PASSWORD" "$url/login")
  fi
  [[ -n $next ]] || die "sign-in stopped at $url"
  url=$next
done
[[ -z $url ]] || die "sign-in did not reach the agent's redirect listener"

gen_rc=0
wait "$gen_pid" || gen_rc=$?
gen_pid=
cat "$gen_log" >&2
[[ $gen_rc -eq 0 ]] || die "oidc-gen failed ($gen_rc)"

# ---- measure --------------------------------------------------------------------------------
rss_file=$work/rss
/usr/bin/time -f %M -o "$rss_file" oidc-token "$SHORT" >/dev/null
peak_rss=$(tail -n1 "$rss_file")

python3 - "$ISSUER" "$SHORT" "$RUNS" "$WARMUP" "$version" "$peak_rss" <<'EOF'
import base64, json, statistics, subprocess, sys, time, urllib.request

issuer, short, runs, warmup, version, peak_rss = sys.argv[1:]
runs, warmup = int(runs), int(warmup)

def log(*a):
    print('oidc-agent bench:', *a, file=sys.stderr)

def token(*args):
    """One oidc-token process, timed whole (fork, exec, socket round trip, exit)."""
    t0 = time.perf_counter()
    p = subprocess.run(['oidc-token', *args, short], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ms = (time.perf_counter() - t0) * 1000
    if p.returncode != 0 or not p.stdout.strip():
        sys.exit(f'oidc-token {" ".join(args)} failed: {p.stderr.decode().strip()}')
    return ms, p.stdout.strip()

def counters():
    """The provider's request counters, or None without --test-controls."""
    try:
        with urllib.request.urlopen(f'{issuer}/__test/counters', timeout=5) as r:
            return json.load(r)['token']
    except Exception:
        return None

# Forcing a refresh: ask for a token valid longer than the provider's access-token lifetime,
# which the cached one never is, so the agent refreshes every time (and returns the fresh token
# even though it cannot meet the ask either).
_, cached = token()
try:
    claims = json.loads(base64.urlsafe_b64decode(cached.split(b'.')[1] + b'=='))
    lifetime = int(claims['exp']) - int(claims['iat'])
except Exception:
    lifetime = 365 * 86400  # not a JWT: a year is beyond any access-token lifetime
force = ['-t', str(lifetime + 60)]
log(f'access-token lifetime {lifetime} s; forcing refreshes with {" ".join(force)}')

before = counters()
if before is None:
    log('no /__test/counters (provider without --test-controls): checking refreshes by the tokens only')
previous = cached
refresh = []
for i in range(warmup + runs):
    ms, tok = token(*force)
    if tok == previous:
        sys.exit('a forced refresh returned the previous token: the agent did not refresh')
    previous = tok
    if i >= warmup:
        refresh.append(ms)
after = counters()
if before is not None:
    if after - before != warmup + runs:
        sys.exit(f'expected {warmup + runs} token requests for the refreshes, the provider saw {after - before}')
    log(f'provider token requests during refreshes: {after - before} (one per run)')

# Warm: the agent answers from its cache, the token is the last refreshed one.
before = counters()
warm = []
for i in range(warmup + runs):
    ms, tok = token()
    if tok != previous:
        sys.exit('a warm oidc-token returned a new token: the agent refreshed')
    if i >= warmup:
        warm.append(ms)
after = counters()
if before is not None:
    if after != before:
        sys.exit(f'warm runs reached the token endpoint {after - before} times')
    log('provider token requests during warm runs: 0')

fmt = lambda xs: ' '.join(f'{x:.2f}' for x in sorted(xs))
log(f'warm ms (sorted): {fmt(warm)}')
log(f'refresh ms (sorted): {fmt(refresh)}')
print(json.dumps({
    'warm_ms_median': round(statistics.median(warm), 3),
    'refresh_ms_median': round(statistics.median(refresh), 3),
    'oidc_token_peak_rss_kb': int(peak_rss),
    'runs': runs,
    'oidc_agent_version': version,
}))
EOF
