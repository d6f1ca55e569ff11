#!/usr/bin/env bash
# API conformance: schemathesis against /api/v1/openapi.json on a running release server, once
# anonymously and once per role (user, expert, staff, admin) with a personal API token.
# Fails on any 5xx or any answer that does not match the document.
#
# Usage: scripts/conformance.sh          (pip install schemathesis; ~5 min)
#        CONFORMANCE_EXAMPLES=20 scripts/conformance.sh
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES="${CONFORMANCE_EXAMPLES:-25}"
SEED="${CONFORMANCE_SEED:-20261128}"
PORT="${PORT:-18091}"
NAME=conf
command -v schemathesis >/dev/null || { echo "schemathesis is not installed (pip install schemathesis)" >&2; exit 1; }
. scripts/lib/release-server.sh

bz migrate >/dev/null
bz import standards ../shared/data/samples/cn_standards_examples.jsonl >/dev/null
bz import tbt ../shared/data/samples/tbt_notifications_examples.jsonl >/dev/null
PASSWORD="Conformance-$(date +%s)-pw"
# The CLI makes administrators only; the roles are then set to what each account is for.
for role in user expert staff admin; do
  echo "$PASSWORD" | bz user create --admin "conf_$role" --email "conf_$role@example.org" >/dev/null
done
bz user roles conf_user --set "" --reason "conformance run" >/dev/null
bz user roles conf_expert --set expert --reason "conformance run" >/dev/null
bz user roles conf_staff --set staff --reason "conformance run" >/dev/null
bz user roles conf_admin --set staff,admin --reason "conformance run" >/dev/null

start_server

# A token per role: log in through the API (the captcha answer is derived from the
# instance's secret, which only someone holding the database has), then create a token.
token() {
  python3 - "$DATA/biaozhun.db" "$BASE" "conf_$1" "$PASSWORD" <<'PY'
import hashlib, hmac, http.cookiejar, json, sqlite3, sys, urllib.error, urllib.request
db, base, account, password = sys.argv[1:]
secret = bytes.fromhex(sqlite3.connect(db).execute("SELECT value FROM settings WHERE key = 'secret_key'").fetchone()[0])
jar = http.cookiejar.CookieJar()
web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
def call(method, path, body, headers={}):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method,
                                 headers={"Content-Type": "application/json", **headers})
    try:
        return json.load(web.open(req))
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {path}: {e.code} {e.read().decode()[:300]}")
cid = json.load(web.open(base + "/api/v1/captcha"))["id"]
mac = hmac.new(secret, f"captcha-answer:{cid}".encode(), hashlib.sha256).digest()
alphabet = "2345679ACDEFGHJKLMNPQRTUVWXY"
answer = "".join(alphabet[b % len(alphabet)] for b in mac[:5])
login = call("POST", "/api/v1/session", {"account": account, "password": password, "captcha_id": cid, "captcha_answer": answer})
print(call("POST", "/api/v1/me/tokens", {"name": "conformance"}, {"X-CSRF-Token": login["csrf_token"]})["token"])
PY
}

status=0
run() {
  local who="$1"; shift
  echo "== $who"
  # Left out, each for a reason that is not the application's:
  # - the session and token-revocation operations: a role's own logout or revocation would
  #   end the run's credentials midway;
  # - positive_data_acceptance: it expects every schema-valid body to be accepted, but the
  #   API checks what JSON Schema cannot say (a standard number must parse, a credit code's
  #   check character, a district from GB/T 2260, real dates) and answers 422 naming the
  #   field, as documented;
  # - the stateful phase: schemathesis infers links between operations by parameter names
  #   and rejects its own inference (`key` from the audit log into a TBT symbol);
  # - the filter_too_much health check: path parameters such as TBT symbols contain '/'
  #   (sent encoded), and the generator discards most candidates.
  if ! schemathesis run "$BASE/api/v1/openapi.json" --checks all --exclude-checks positive_data_acceptance \
      --phases examples,coverage,fuzzing --suppress-health-check filter_too_much \
      --max-examples "$EXAMPLES" --seed "$SEED" \
      --exclude-path /api/v1/session --exclude-path-regex '^/api/v1/me/tokens/' "$@" >"$WORK/$who.log" 2>&1; then
    status=1
  fi
  grep -E "passed|failed|errored|Operations|Test cases|FAILURES|^_+ " "$WORK/$who.log" | tail -8 || true
  cp "$WORK/$who.log" "/var/tmp/conformance-$who.log"
}
# Tokens first: the anonymous run's password-reset and registration attempts count against
# this address's login throttle, as they should.
declare -A TOKENS
for role in user expert staff admin; do TOKENS[$role]=$(token "$role"); done
run anonymous
for role in user expert staff admin; do
  run "$role" -H "Authorization: Bearer ${TOKENS[$role]}"
done
echo "full logs: /var/tmp/conformance-*.log"
exit $status
