#!/usr/bin/env bash
# Two real `biaozhun serve` processes on one PostgreSQL database behind nginx (round robin).
# Checks that a login cookie from one backend works through the proxy on both, that an
# article published on one backend is searchable on the other within 5 s, and that an
# address's check budget is one budget across both backends.
# Needs: nginx, psql, curl, python3, a debug build ($CARGO_TARGET_DIR/debug/biaozhun).
#   PG=postgres://postgres@127.0.0.1:5432 scripts/scaleout.sh
set -euo pipefail
BZ=${CARGO_TARGET_DIR:-target}/debug/biaozhun
PG=${PG:-postgres://postgres@127.0.0.1:5432}
DB=bz_scaleout_$$
W=$(mktemp -d)
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PA=$(port); PB=$(port); PX=$(port)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
psql "$PG/postgres" -qc "CREATE DATABASE $DB"
export BIAOZHUN_DATABASE_URL=$PG/$DB BIAOZHUN_BASE_URL=http://127.0.0.1:$PX BIAOZHUN_TRUST_PROXY=true
LIMIT=20
export BIAOZHUN_RATE_LIMIT__CHECK_PER_MINUTE=$LIMIT
wait_up() { for _ in $(seq 100); do curl -fs "http://127.0.0.1:$1/healthz" >/dev/null && return 0; sleep 0.2; done; fail "backend on $1 did not start"; }
BIAOZHUN_DATA_DIR=$W/a "$BZ" serve --bind 127.0.0.1:$PA >"$W/a.log" 2>&1 & PIDS+=($!)
wait_up "$PA"
BIAOZHUN_DATA_DIR=$W/b "$BZ" serve --bind 127.0.0.1:$PB >"$W/b.log" 2>&1 & PIDS+=($!)
wait_up "$PB"
cat >"$W/nginx.conf" <<NGINX
daemon off; pid $W/nginx.pid; error_log $W/nginx-error.log;
events {}
http {
  access_log off; client_body_temp_path $W; proxy_temp_path $W; fastcgi_temp_path $W; uwsgi_temp_path $W; scgi_temp_path $W;
  upstream bz { server 127.0.0.1:$PA; server 127.0.0.1:$PB; }
  server {
    listen 127.0.0.1:$PX;
    location / { proxy_pass http://bz; proxy_set_header Host \$host:\$server_port; proxy_set_header X-Forwarded-For \$remote_addr; add_header X-Upstream \$upstream_addr always; }
  }
}
NGINX
nginx -c "$W/nginx.conf" -p "$W" & PIDS+=($!)
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PX/healthz" >/dev/null && break; sleep 0.1; done

# An administrator, logged in on backend A (captcha answered with the site secret, as the tests do).
PASS='Scale-out check 2026!'
printf '%s\n' "$PASS" | BIAOZHUN_DATA_DIR=$W/a "$BZ" user create --admin scale_admin >/dev/null 2>&1
SECRET=$(psql "$PG/$DB" -Atc "SELECT value FROM settings WHERE key = 'secret_key'")
A=http://127.0.0.1:$PA; J=$W/jar
curl -fs -c "$J" -b "$J" "$A/login" >/dev/null
CID=$(curl -fs -c "$J" -b "$J" "$A/api/v1/captcha" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
ANS=$(python3 -c 'import hmac,hashlib,sys; d=hmac.new(bytes.fromhex(sys.argv[1]),("captcha-answer:"+sys.argv[2]).encode(),hashlib.sha256).digest(); a=b"2345679ACDEFGHJKLMNPQRTUVWXY"; print("".join(chr(a[b%len(a)]) for b in d[:5]))' "$SECRET" "$CID")
CSRF=$(awk '$6=="bz_csrf"{print $7}' "$J" | tail -1)
code=$(curl -s -o /dev/null -w '%{http_code}' -c "$J" -b "$J" --data-urlencode account=scale_admin --data-urlencode "password=$PASS" \
  --data-urlencode "captcha_id=$CID" --data-urlencode "captcha_answer=$ANS" --data-urlencode "_csrf=$CSRF" "$A/login")
[ "$code" = 303 ] || fail "login on backend A answered $code"

# The cookie works through the proxy, on both backends.
seen=""
for _ in 1 2 3 4; do
  out=$(curl -s -D - -o "$W/page" -b "$J" "http://127.0.0.1:$PX/account")
  grep -q '^HTTP/1.1 200' <<<"$out" || fail "proxy /account: $(head -1 <<<"$out")"
  grep -q scale_admin "$W/page" || fail "proxy /account does not show the user"
  seen="$seen $(grep -i '^x-upstream' <<<"$out" | awk '{print $2}' | tr -d '\r')"
done
grep -q ":$PA" <<<"$seen" && grep -q ":$PB" <<<"$seen" || fail "the proxy did not reach both backends:$seen"
echo "ok: the login cookie from backend A works through the proxy on both backends"

# Publish on A (with the CSRF token as it stands after login); searchable on B within 5 s.
CSRF=$(awk '$6=="bz_csrf"{print $7}' "$J" | tail -1)
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$J" --data-urlencode kind=news --data-urlencode title=横向扩展脚本公告 \
  --data-urlencode body_md=正文 --data-urlencode status=published --data-urlencode "_csrf=$CSRF" "$A/staff/articles")
[ "$code" = 303 ] || fail "publishing on A answered $code"
ID=$(psql "$PG/$DB" -Atc "SELECT id FROM articles WHERE title = '横向扩展脚本公告'")
Q=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("横向扩展脚本公告"))')
start=$(date +%s.%N)
until curl -fs "http://127.0.0.1:$PB/search?q=$Q" | grep -q "href=\"/articles/$ID\""; do
  python3 -c "import sys; sys.exit(0 if $(date +%s.%N) - $start < 5 else 1)" || fail "not searchable on B within 5 s"
  sleep 0.1
done
echo "ok: published on A, searchable on B after $(python3 -c "print(round($(date +%s.%N) - $start, 2))") s"

# Validity checks through the proxy, alternating backends, one every 0.25 s from one address:
# each backend alone would allow $LIMIT, the shared budget allows $LIMIT in all (plus what the
# other backend served within the last second, before the counts were exchanged).
ok=0; first=""
for i in $(seq 1 $((2 * LIMIT))); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data '{"text":"GB 1"}' "http://127.0.0.1:$PX/api/v1/standards/check")
  case "$code" in
    200) ok=$((ok + 1)) ;;
    429) first=${first:-$i} ;;
    *) fail "check through the proxy answered $code" ;;
  esac
  sleep 0.25
done
[ -n "$first" ] || fail "no check refused: the budget is not shared"
[ "$ok" -ge "$LIMIT" ] && [ "$ok" -le $((LIMIT + 4)) ] || fail "$ok checks allowed through two backends for a budget of $LIMIT"
echo "ok: $ok of $((2 * LIMIT)) checks allowed through both backends for one address (budget $LIMIT a minute, first 429 at request $first)"
