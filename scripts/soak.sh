#!/usr/bin/env bash
# Load and soak: mixed anonymous traffic (home, site search, standards search and detail,
# validity check, TBT search, the JSON API) against a release server on loopback with wrk.
#
# Logins themselves need a solved captcha, which a load generator cannot have: the login
# page and a fresh captcha are in the mix; `biaozhun bench` measures argon2id logins.
#
# 1. Finds the highest rate that keeps p99 <= 100 ms by stepping the number of connections
#    (20 s per step).
# 2. Runs that load for SOAK_SECONDS (default 600), sampling the server's RSS every 30 s.
# 3. Prints the rate, the error count (socket errors + non-2xx/3xx answers) and the RSS growth.
#
# Usage: scripts/soak.sh            (needs wrk: apt-get install wrk)
#        SOAK_SECONDS=60 scripts/soak.sh
#        CORPUS=/path/to/data scripts/soak.sh   (folder with catalogues/iso.jsonl.gz and iec.jsonl.gz;
#                                                default ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
SOAK_SECONDS="${SOAK_SECONDS:-600}"
CORPUS="${CORPUS:-../shared/data}"
[ -f "$CORPUS/catalogues/iso.jsonl.gz" ] || { echo "no full catalogues in $CORPUS (set CORPUS)" >&2; exit 1; }
STEP_SECONDS="${STEP_SECONDS:-20}"
THREADS="${THREADS:-2}"
PORT="${PORT:-18089}"
NAME=soak
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
. scripts/lib/release-server.sh

echo "== loading data (ISO + IEC catalogues, TBT examples) into $DATA"
bz migrate >/dev/null
bz import standards "$CORPUS/catalogues/iso.jsonl.gz" >/dev/null
bz import standards "$CORPUS/catalogues/iec.jsonl.gz" >/dev/null
bz import tbt crates/biaozhun/seed/tbt_notifications_examples.jsonl >/dev/null
start_server
# Let the index follower take in the imported records before measuring.
for _ in $(seq 1 120); do
  n=$(curl -s "http://127.0.0.1:$PORT/api/v1/standards?q=9001" | grep -o '"number"' | wc -l)
  [ "$n" -gt 0 ] && break; sleep 1
done

cat > "$WORK/mixed.lua" <<'EOF'
-- Each kind of request in turn, by each connection.
local reqs = {
  {"GET", "/"},
  {"GET", "/search?q=%E8%B4%A8%E9%87%8F%E7%AE%A1%E7%90%86"},
  {"GET", "/standards?q=quality+management"},
  {"GET", "/standards/ISO%209001%3A2015"},
  {"GET", "/api/v1/standards?q=19001"},
  {"POST", "/api/v1/standards/check", '{"text":"ISO 9001:2008\\nIEC 60335-1:2010\\nISO/IEC 27001:2013\\nISO 14001"}'},
  {"GET", "/tbt?q=toys"},
  {"GET", "/api/v1/tbt/notifications?q=food"},
  {"GET", "/news"},
  {"GET", "/login"},
  {"GET", "/api/v1/captcha"},
  {"GET", "/tbt/stats"},
}
local i = 0
request = function()
  i = i % #reqs + 1
  local r = reqs[i]
  if r[1] == "POST" then
    return wrk.format("POST", r[2], {["Content-Type"] = "application/json"}, r[3])
  end
  return wrk.format("GET", r[2])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rate=%.1f p50_ms=%.2f p99_ms=%.2f requests=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout))
end
EOF

run() { wrk -t"$THREADS" -c"$1" -d"$2"s --latency -s "$WORK/mixed.lua" "http://127.0.0.1:$PORT" | grep '^RESULT'; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$SERVER/status"; }

echo "== stepping connections for p99 <= 100 ms ($STEP_SECONDS s each)"
best_c=0; best_rate=0
for c in 4 8 16 32 64 128; do
  line=$(run "$c" "$STEP_SECONDS"); echo "c=$c $line"
  p99=$(echo "$line" | sed 's/.*p99_ms=\([0-9.]*\).*/\1/')
  rate=$(echo "$line" | sed 's/.*rate=\([0-9.]*\).*/\1/')
  if awk "BEGIN{exit !($p99 <= 100)}"; then
    if awk "BEGIN{exit !($rate > $best_rate)}"; then best_c=$c; best_rate=$rate; fi
  else
    break
  fi
done
[ "$best_c" -gt 0 ] || { echo "no step kept p99 <= 100 ms"; exit 1; }

echo "== soak: $best_c connections for $SOAK_SECONDS s"
rss0=$(rss); echo "rss_kb start=$rss0"
t0=$(date +%s)
( while sleep 30; do echo "rss_kb t+$(( $(date +%s) - t0 ))s $(rss)"; done ) & SAMPLER=$!
line=$(run "$best_c" "$SOAK_SECONDS")
kill $SAMPLER 2>/dev/null || true
rss1=$(rss)
echo "soak $line"
echo "rss_kb start=$rss0 end=$rss1 growth=$((rss1 - rss0))"
errors=$(echo "$line" | sed 's/.*errors=\([0-9]*\).*/\1/')
[ "$errors" -eq 0 ] || { echo "FAIL: $errors errors"; exit 1; }
