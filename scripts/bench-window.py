#!/usr/bin/env python3
"""Start time (spawn to the page-load-finished line) and idle memory (PSS of the whole process
tree, WebKit helpers included, 3 s after load) of Tokendeck's release binary beside a minimal
Tauri window built the same way. Run under xvfb-run and scripts/with-keyring.

usage: bench-window.py TOKENDECK_BINARY MINIMAL_BINARY [RUNS]
"""
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time


def children(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                kids.append(int(entry))
        except OSError:
            pass
    return kids


def tree(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children(p))
    return out


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_once(binary):
    home = tempfile.mkdtemp(prefix="tokendeck-bench-home-")
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=f"{home}/.config", TOKENDECK_LOG="info")
    started = time.monotonic()
    proc = subprocess.Popen([binary], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    loaded = None
    buf = b""
    deadline = started + 30
    while loaded is None and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.05)
        if ready:
            chunk = os.read(proc.stderr.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            if b"page loaded" in buf:
                loaded = time.monotonic() - started
    time.sleep(3)
    memory = sum(pss_kib(p) for p in tree(proc.pid))
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
    for p in tree(proc.pid)[1:]:
        try:
            os.kill(p, 9)
        except OSError:
            pass
    if loaded is None:
        raise SystemExit(f"{binary}: no 'page loaded' line within 30 s")
    return loaded * 1000, memory / 1024


def main():
    tokendeck, minimal = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    results = {tokendeck: [], minimal: []}
    for _ in range(runs):
        for binary in (minimal, tokendeck):  # alternate so drift hits both
            results[binary].append(run_once(binary))
    med = {b: (statistics.median(t for t, _ in r), statistics.median(m for _, m in r)) for b, r in results.items()}
    (ts, tm), (ms, mm) = med[tokendeck], med[minimal]
    print(f"minimal Tauri window: start {ms:.0f} ms, idle memory {mm:.1f} MiB (median of {runs})")
    print(f"Tokendeck:            start {ts:.0f} ms, idle memory {tm:.1f} MiB (median of {runs})")
    print(f"ratio:                start {ts / ms:.2f}x (target <= 1.3), memory {tm / mm:.2f}x (target <= 1.2)")


if __name__ == "__main__":
    main()
