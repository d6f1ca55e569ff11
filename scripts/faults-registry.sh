#!/usr/bin/env bash
# Fault drill of the registry room (issue 18), in the style of scripts/faults.sh and run by
# hand: kill -9 during `biaozhun import products` of a generated list, then the same import
# again. Each row is its own transaction under the product's key (organisation, name,
# model), so the second run completes the list and no product is there twice.
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
[ "$FAILED" = 0 ] && echo "ALL PASS" || echo "SOME CHECKS FAILED"
exit "$FAILED"
