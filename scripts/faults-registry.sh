#!/usr/bin/env bash
# Fault drills of the registry room (issue 18), in the style of scripts/faults.sh and run by
# hand: (a) kill -9 during `biaozhun import products` of a generated list, then the same
# import again. Each row is its own transaction under the product's key (organisation, name,
# model), so the second run completes the list and no product is there twice. (b) kill -9
# of the server while its worker delivers webhooks to a slow subscriber, then a restart:
# every delivery arrives at least once, each copy under its delivery's one id.
#
#   CARGO_TARGET_DIR=/var/tmp/bz-target-registry cargo build -p biaozhun
#   scripts/faults-registry.sh                      # SQLite
#   FAULTS_BACKEND=postgres scripts/faults-registry.sh
#
# Prints PASS or FAIL lines; the exit status is 1 when any check failed.
set -uo pipefail
cd "$(dirname "$0")/.."

BIN="${BIAOZHUN_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/debug/biaozhun}"
WORK="$(mktemp -d /tmp/bz-faults-registry.XXXXXX)"
BACKEND="${FAULTS_BACKEND:-sqlite}"
PG_BASE="${FAULTS_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
ROWS="${FAULTS_ROWS:-5000}"
USCC=91440101MA59ABCD1D
FAILED=0
DB_NAME="bzf_registry_$$"

[ -x "$BIN" ] || { echo "no binary at $BIN (cargo build -p biaozhun)" >&2; exit 2; }
pass() { echo "PASS  $*"; }
fail() { echo "FAIL  $*"; FAILED=1; }
check() { if [ "$2" == "$3" ]; then pass "$1 ($3)"; else fail "$1: expected $2, got $3"; fi; }
cleanup() {
  for p in "${SERVER_PID:-}" "${sub_pid:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done
  [ "$BACKEND" = postgres ] && psql "$PG_BASE" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

data="$WORK/data"; mkdir -p "$data"
if [ "$BACKEND" = postgres ]; then
  psql "$PG_BASE" -qc "CREATE DATABASE $DB_NAME" >/dev/null || { echo "cannot create $DB_NAME" >&2; exit 2; }
  URL="${PG_BASE%/*}/$DB_NAME"
else
  URL="sqlite://$data/biaozhun.db"
fi
bz() { env BIAOZHUN_DATA_DIR="$data" BIAOZHUN_DATABASE_URL="$URL" RUST_LOG=warn "$BIN" "$@"; }
sql() { if [ "$BACKEND" = postgres ]; then psql "$URL" -Atqc "$1"; else sqlite3 -cmd ".timeout 10000" "$data/biaozhun.db" "$1"; fi; }
integrity() { if [ "$BACKEND" = postgres ]; then psql "$URL" -Atqc "SELECT CASE WHEN COUNT(*) = 0 THEN 'ok' ELSE 'invalid indexes' END FROM pg_index WHERE NOT indisvalid"; else sql "PRAGMA integrity_check"; fi; }

# A list of ROWS products with valid GTIN-13s (690 prefix, computed check digit).
python3 - "$ROWS" >"$WORK/products.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("产品名称,型号,商品条码,HS编码,执行标准")
for i in range(n):
    body = "690%09d" % i
    s = sum(int(c) * (3 if k % 2 == 0 else 1) for k, c in enumerate(reversed(body)))
    gtin = body + str((10 - s % 10) % 10)
    print(f"电热水壶{i},K-{i % 17},{gtin},8516.79,GB 4706.1-2005；GB 4706.19-2008")
PY

echo "== kill -9 during 'import products' of $ROWS rows ($BACKEND)"
bz migrate >/dev/null 2>&1 || { fail "migrate"; exit 1; }
now=$(date +%s)
sql "INSERT INTO organisations (name, uscc, created_at, updated_at) VALUES ('广州甲电器有限公司', '$USCC', $now, $now)" >/dev/null
# The binary itself in the background (not a shell function, whose subshell a kill would
# leave the import running under).
env BIAOZHUN_DATA_DIR="$data" BIAOZHUN_DATABASE_URL="$URL" RUST_LOG=warn "$BIN" import products "$WORK/products.csv" --org "$USCC" >"$WORK/cut.log" 2>&1 &
pid=$!
waited=0
while [ "$(sql "SELECT COUNT(*) FROM registry_products" 2>/dev/null || echo 0)" = 0 ] && [ "$waited" -lt 1500 ]; do
  sleep 0.1; waited=$((waited + 1))
done
sleep "${FAULTS_KILL_DELAY:-0.5}"
kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
n_cut=$(sql "SELECT COUNT(*) FROM registry_products")
echo "      killed with $n_cut of $ROWS products stored"
if [ "$n_cut" -lt "$ROWS" ]; then pass "kill landed in the middle of the import"; else fail "kill came after the import had stored everything"; fi
check "integrity after kill -9" ok "$(integrity)"
check "every stored product has all its standards" 0 "$(sql "SELECT COUNT(*) FROM registry_products p WHERE (SELECT COUNT(*) FROM registry_product_standards s WHERE s.product_id = p.id) <> 2")"
bz import products "$WORK/products.csv" --org "$USCC" >"$WORK/again.log" 2>&1 || fail "re-import: $(tail -3 "$WORK/again.log")"
grep -q "$((ROWS - n_cut)) created, 0 updated, $n_cut unchanged" "$WORK/again.log" && pass "re-import: $(head -1 "$WORK/again.log")" || fail "re-import said: $(head -1 "$WORK/again.log")"
check "products after re-import" "$ROWS" "$(sql "SELECT COUNT(*) FROM registry_products")"
check "products twice (name, model)" 0 "$(sql "SELECT COUNT(*) FROM (SELECT name, model FROM registry_products GROUP BY name, model HAVING COUNT(*) > 1) d")"
check "GTINs twice" 0 "$(sql "SELECT COUNT(*) FROM (SELECT gtin FROM registry_products GROUP BY gtin HAVING COUNT(*) > 1) d")"
check "links" "$((ROWS * 2))" "$(sql "SELECT COUNT(*) FROM registry_product_standards")"
check "integrity after re-import" ok "$(integrity)"
# ------------------------------------------------------------------------------------------
N_HOOK="${FAULTS_DELIVERIES:-100}"
echo "== kill -9 while the worker delivers $N_HOOK webhooks ($BACKEND)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
hook_port=$(free_port); port=$(free_port)
# A slow subscriber: logs each delivery id it is sent, answers 200.
cat >"$WORK/sub.py" <<'PY'
import http.server, sys, time
log = open(sys.argv[2], "a", buffering=1)
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        time.sleep(0.05)
        log.write(self.headers.get("x-biaozhun-delivery", "") + "\n")
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$WORK/sub.py" "$hook_port" "$WORK/delivered.txt" &
sub_pid=$!
# Deliveries and their jobs as `webhooks::emit` leaves them in the changing transaction.
sql "INSERT INTO users (username, username_key, email, email_key, password_hash, display_name, status, created_at, updated_at) VALUES ('sub','sub','sub@localhost','sub@localhost','!','sub','active',$now,$now)" >/dev/null
sql "INSERT INTO registry_webhooks (user_id, url, secret, created_at) SELECT id, 'http://127.0.0.1:$hook_port/hook', 'drill-secret', $now FROM users WHERE username = 'sub'" >/dev/null
for i in $(seq 1 "$N_HOOK"); do
  id=$(printf 'drill%027d' "$i")
  echo "INSERT INTO registry_webhook_deliveries (id, webhook_id, event, payload, created_at) SELECT '$id', id, 'declaration.declared', '{\"id\":\"$id\"}', $now FROM registry_webhooks;"
  echo "INSERT INTO jobs (kind, payload, dedupe_key, status, run_at, created_at) VALUES ('registry_webhook', '{\"delivery\":\"$id\"}', 'registry_webhook:$id', 'queued', $now, $now);"
done >"$WORK/deliveries.sql"
if [ "$BACKEND" = postgres ]; then psql "$URL" -qf "$WORK/deliveries.sql" >/dev/null; else sqlite3 "$data/biaozhun.db" <"$WORK/deliveries.sql"; fi
serve() {
  env BIAOZHUN_DATA_DIR="$data" BIAOZHUN_DATABASE_URL="$URL" BIAOZHUN_BIND="127.0.0.1:$port" BIAOZHUN_WEBHOOKS_REACH_PRIVATE=true RUST_LOG=warn "$BIN" serve >>"$WORK/serve.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0; sleep 0.2; done
  fail "server did not start: $(tail -3 "$WORK/serve.log")"; return 1
}
serve
for _ in $(seq 1 300); do
  [ "$(wc -l <"$WORK/delivered.txt" 2>/dev/null || echo 0)" -ge $((N_HOOK / 3)) ] && break
  sleep 0.1
done
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
at_kill=$(wc -l <"$WORK/delivered.txt")
echo "      killed after $at_kill deliveries; jobs left running: $(sql "SELECT COUNT(*) FROM jobs WHERE status = 'running'")"
if [ "$at_kill" -lt "$N_HOOK" ]; then pass "kill landed in the middle of the deliveries"; else fail "kill came after every delivery"; fi
# A dead server's job is taken up again when its lease runs out (300 s); let it run out now.
sql "UPDATE jobs SET locked_until = 0 WHERE status = 'running'" >/dev/null
serve
for _ in $(seq 1 600); do
  [ "$(sql "SELECT COUNT(*) FROM registry_webhook_deliveries WHERE status <> 'delivered'")" = 0 ] && break
  sleep 0.2
done
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
kill "$sub_pid" 2>/dev/null; wait "$sub_pid" 2>/dev/null
check "deliveries marked delivered" "$N_HOOK" "$(sql "SELECT COUNT(*) FROM registry_webhook_deliveries WHERE status = 'delivered'")"
check "distinct delivery ids received (every delivery at least once)" "$N_HOOK" "$(sort -u "$WORK/delivered.txt" | wc -l)"
dups=$(( $(wc -l <"$WORK/delivered.txt") - $(sort -u "$WORK/delivered.txt" | wc -l) ))
echo "      received: $(wc -l <"$WORK/delivered.txt"), copies: $dups (at least once: at most the one in flight at the kill, under the same id)"
if [ "$dups" -le 1 ]; then pass "copies bounded by the delivery in flight ($dups)"; else fail "copies: $dups"; fi
check "integrity after the drills" ok "$(integrity)"

[ "$FAILED" = 0 ] && echo "ALL PASS" || echo "SOME CHECKS FAILED"
exit "$FAILED"
