# Sourced by the scripts that drive a release server on loopback (soak.sh, conformance.sh).
# Sets BIN, WORK, DATA and BASE; `bz ARGS…` runs the binary on this run's data directory with
# rate limits off (all the load comes from one address); `start_server` starts `serve` on
# $PORT and waits for /healthz; the server and WORK are removed on exit.
# Needs: PORT, and NAME (the prefix of the work directory).
# BACKEND=postgres runs on a new PostgreSQL database (on $PGURL, default the local server),
# dropped on exit; the default is SQLite under $DATA.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/biaozhun-target}"
BIN="${BIAOZHUN_BIN:-$CARGO_TARGET_DIR/release/biaozhun}"
[ -x "$BIN" ] || cargo build --release -p biaozhun --locked
WORK=$(mktemp -d "/var/tmp/bz-$NAME.XXXXXX")
DATA="$WORK/data"
BASE="http://127.0.0.1:$PORT"
PGURL="${PGURL:-postgres://postgres@127.0.0.1:5432/postgres}"
PGDB=""
if [ "${BACKEND:-sqlite}" = postgres ]; then
  PGDB="bz_${NAME}_$$"
  psql "$PGURL" -qc "CREATE DATABASE $PGDB" >/dev/null
  export BIAOZHUN_DATABASE_URL="${PGURL%/*}/$PGDB"
fi
cleanup() {
  [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"
  [ -n "$PGDB" ] && psql "$PGURL" -qc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
printf '[rate_limit]\nenabled = false\n' > "$WORK/biaozhun.toml"
bz() { "$BIN" --config "$WORK/biaozhun.toml" "$@" --data "$DATA"; }

start_server() {
  # Started directly (not through `bz`), so that $SERVER is the server itself.
  "$BIN" --config "$WORK/biaozhun.toml" serve --bind "127.0.0.1:$PORT" --data "$DATA" >"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 120); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.5; done
  curl -sf "$BASE/healthz" >/dev/null || { cat "$WORK/server.log"; exit 1; }
}
