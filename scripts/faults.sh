#!/usr/bin/env bash
# Fault drills on the debug binary, run by hand (not part of the suite); results and their
# meaning are in docs/reliability/faults.md. Needs root for the tmpfs drill and the local
# PostgreSQL cluster for the outage drill; both are skipped with a note when unavailable.
#
#   CARGO_TARGET_DIR=/var/tmp/biaozhun-target cargo build -p biaozhun
#   scripts/faults.sh [import] [tbtmixed] [mail] [membership] [draw] [exam] [strategy] [signs] [pg] [disk] [pgdisk]   # default: all
#   FAULTS_BACKEND=postgres scripts/faults.sh import tbtmixed mail membership draw exam signs
#
# The kill drills (import, tbtmixed, mail, membership, draw, exam, signs) run on SQLite, or with FAULTS_BACKEND=postgres on
# a new PostgreSQL database per drill (on FAULTS_PG_URL), dropped at the end.
#
# Every drill prints PASS or FAIL lines; the exit status is 1 when any check failed.
set -uo pipefail
cd "$(dirname "$0")/.."

BIN="${BIAOZHUN_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/debug/biaozhun}"
CATALOGUE="${FAULTS_CATALOGUE:-../shared/data/catalogues/iso.jsonl.gz}"
WORK="$(mktemp -d /tmp/bz-faults.XXXXXX)"
PG_VERSION="${FAULTS_PG_VERSION:-$(pg_lsclusters -h 2>/dev/null | awk '$2=="main"{print $1; exit}')}"
BACKEND="${FAULTS_BACKEND:-sqlite}"
PG_BASE="${FAULTS_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
FAILED=0
PIDS=()
DBS=()

[ -x "$BIN" ] || { echo "no binary at $BIN (cargo build -p biaozhun)" >&2; exit 2; }

pass() { echo "PASS  $*"; }
fail() { echo "FAIL  $*"; FAILED=1; }
check() { # check "what" expected actual
  if [ "$2" == "$3" ]; then pass "$1 ($3)"; else fail "$1: expected $2, got $3"; fi
}

cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done
  if [ -n "${PG_STOPPED:-}" ]; then
    echo "restarting PostgreSQL $PG_VERSION/main" >&2
    pg_ctlcluster "$PG_VERSION" main start || true
  fi
  for d in "${DBS[@]:-}"; do [ -n "$d" ] && psql "$PG_BASE" -qc "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1; done
  [ -n "${PG_SPACE:-}" ] && psql "$PG_BASE" -qc "DROP TABLESPACE IF EXISTS $PG_SPACE" >/dev/null 2>&1
  for m in "$WORK/tmpfs" "$WORK/pgspace"; do
    if mountpoint -q "$m" 2>/dev/null; then umount "$m" || true; fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The database of a drill's data directory: SQLite inside it, or a PostgreSQL database of its
# own named after it, made by new_db (called by the drill itself, so that DBS records it).
pg_name() { echo "bzf_$(basename "$1" | tr -c 'a-z0-9\n' _)_$$"; }
new_db() {
  [ "$BACKEND" = postgres ] || return 0
  psql "$PG_BASE" -qc "CREATE DATABASE $(pg_name "$1")" >/dev/null && DBS+=("$(pg_name "$1")")
}
db_url() { if [ "$BACKEND" = postgres ]; then echo "${PG_BASE%/*}/$(pg_name "$1")"; else echo "sqlite://$1/biaozhun.db"; fi; }
# bz_at DATA_DIR ARGS… runs the binary on that data directory's database.
bz_at() { local data=$1; shift; env BIAOZHUN_DATA_DIR="$data" BIAOZHUN_DATABASE_URL="$(db_url "$data")" "$BIN" "$@"; }
# bz_bg DATA_DIR ARGS… → runs the binary in the background and sets BG_PID to the binary's
# own process (`bz_at … &` would give the subshell's, and kill -9 would leave the binary
# running).
bz_bg() { local data=$1 url; shift; url=$(db_url "$data"); env BIAOZHUN_DATA_DIR="$data" BIAOZHUN_DATABASE_URL="$url" "$BIN" "$@" & BG_PID=$!; }

# start_server DATA_DIR PORT [ENV=VALUE ...] → sets SERVER_PID, waits for /healthz
start_server() {
  local data=$1 port=$2 url; shift 2
  url=$(db_url "$data")
  env BIAOZHUN_DATA_DIR="$data" BIAOZHUN_DATABASE_URL="$url" BIAOZHUN_BIND="127.0.0.1:$port" BIAOZHUN_BASE_URL="http://127.0.0.1:$port" "$@" \
    "$BIN" serve >>"$data.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "server on $port did not start; log:" >&2; tail -20 "$data.log" >&2
  return 1
}

sql() {
  if [ "$BACKEND" = postgres ]; then psql "$(db_url "$1")" -Atqc "$2"; else sqlite3 -cmd ".timeout 10000" "$1/biaozhun.db" "$2"; fi
}
# "ok" when the database is sound: SQLite's integrity check; on PostgreSQL (crash safety is its
# WAL's), that no index was left invalid.
pg_indexes_valid() { # URL
  psql "$1" -Atqc "SELECT CASE WHEN COUNT(*) = 0 THEN 'ok' ELSE COUNT(*) || ' invalid indexes' END FROM pg_index WHERE NOT indisvalid"
}
integrity() {
  if [ "$BACKEND" = postgres ]; then
    pg_indexes_valid "$(db_url "$1")"
  else
    sql "$1" "PRAGMA integrity_check"
  fi
}
# The member number the membership drill gives application ID (an SQL expression).
member_no() { if [ "$BACKEND" = postgres ]; then echo "'D' || lpad($1::text, 5, '0')"; else echo "printf('D%05d', $1)"; fi; }

# ------------------------------------------------------------------------------------------
drill_import() {
  echo "== (a) kill -9 during 'import standards' of $(basename "$CATALOGUE") ($BACKEND)"
  local full="$WORK/import-full" cut="$WORK/import-cut"
  local t0 t1 secs n_full n_cut n_after
  new_db "$full"; new_db "$cut"
  t0=$(date +%s.%N)
  bz_at "$full" import standards "$CATALOGUE" >"$full.log" 2>&1 || { fail "full import: $(tail -3 "$full.log")"; return; }
  t1=$(date +%s.%N)
  secs=$(python3 -c "print(round($t1-$t0,1))")
  n_full=$(sql "$full" "SELECT COUNT(*) FROM standards")
  echo "      full import: $n_full standards in ${secs}s"

  bz_at "$cut" migrate >/dev/null 2>&1
  bz_bg "$cut" import standards "$CATALOGUE" >"$cut.log" 2>&1
  local pid=$BG_PID
  # Kill as soon as the first batches are committed, i.e. in the middle of storing.
  local waited=0
  while [ "$(sql "$cut" "SELECT COUNT(*) FROM standards" 2>/dev/null || echo 0)" = 0 ] && [ "$waited" -lt 1500 ]; do
    sleep 0.1; waited=$((waited + 1))
  done
  sleep "${FAULTS_KILL_DELAY:-0.5}"
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  n_cut=$(sql "$cut" "SELECT COUNT(*) FROM standards")
  echo "      killed while storing, with $n_cut of $n_full standards stored"
  if [ "$n_cut" -lt "$n_full" ]; then pass "kill landed in the middle of the import"; else fail "kill came after the import had stored everything"; fi
  check "integrity after kill -9" ok "$(integrity "$cut")"
  bz_at "$cut" import standards "$CATALOGUE" >>"$cut.log" 2>&1 || fail "re-import: $(tail -3 "$cut.log")"
  n_after=$(sql "$cut" "SELECT COUNT(*) FROM standards")
  check "standards after re-import equal the full import" "$n_full" "$n_after"
  check "duplicate numbers" 0 "$(sql "$cut" "SELECT COUNT(*) FROM (SELECT norm FROM standards GROUP BY norm HAVING COUNT(*) > 1) d")"
  check "integrity after re-import" ok "$(integrity "$cut")"
}

# ------------------------------------------------------------------------------------------
drill_tbtmixed() {
  local n="${FAULTS_TBT_ROWS:-30000}"
  echo "== (a2) kill -9 during 'import tbt' of a mixed TBT + SPS file of $n notifications ($BACKEND)"
  local full="$WORK/tbt-full" cut="$WORK/tbt-cut" file="$WORK/mixed.csv"
  # ePing-shaped rows: every other one an SPS notification (some emergency), every tenth an
  # addendum of an earlier one, members and HS codes from real lists.
  python3 - "$n" >"$file" <<'PY'
import sys
n = int(sys.argv[1])
members = ["USA", "EU", "CHN", "JPN", "KOR", "VNM", "THA", "IDN", "MYS", "PHL", "SGP", "BRA", "IND", "AUS", "CAN"]
hs = ["0207", "0306", "0401", "0805", "1006", "8414", "8516", "3808", "9503", "6403"]
objs = ["Food safety", "Animal health", "Plant protection", "Protect humans from animal/plant pest or disease"]
print("Symbol,Notifying Member,Title,Distribution date,HS Code(s),Objectives,Final date for comments,Notification type")
def root(j):
    series = "SPS" if j % 2 == 1 else "TBT"
    return f"G/{series}/N/{members[j % len(members)]}/{5000 + j}"
for i in range(n):
    sps = i % 2 == 1
    m = members[i % len(members)]
    # Row i % 10 == 9 is the addendum of the SPS notification two rows above it.
    sym = root(i - 2) + "/Add.1" if i % 10 == 9 else root(i)
    kind = "Addendum" if i % 10 == 9 else ("Emergency" if sps and i % 7 == 1 else "Regular")
    obj = objs[i % len(objs)] if sps else "Protection of human health or safety"
    print(f"{sym},{m},Drill notification {i},2025-{1 + i % 12:02d}-{1 + i % 28:02d},{hs[i % len(hs)]},{obj},60 days from notification,{kind}")
PY
  local t0 t1 n_full n_cut n_after
  new_db "$full"; new_db "$cut"
  t0=$(date +%s.%N)
  bz_at "$full" import tbt "$file" >"$full.log" 2>&1 || { fail "full import: $(tail -3 "$full.log")"; return; }
  t1=$(date +%s.%N)
  n_full=$(sql "$full" "SELECT COUNT(*) FROM tbt_notifications")
  echo "      full import: $n_full notifications ($(sql "$full" "SELECT COUNT(*) FROM tbt_notifications WHERE agreement = 'sps'") SPS) in $(python3 -c "print(round($t1-$t0,1))")s"
  bz_at "$cut" migrate >/dev/null 2>&1
  bz_bg "$cut" import tbt "$file" >"$cut.log" 2>&1
  local pid=$BG_PID waited=0
  while [ "$(sql "$cut" "SELECT COUNT(*) FROM tbt_notifications" 2>/dev/null || echo 0)" = 0 ] && [ "$waited" -lt 1500 ]; do
    sleep 0.1; waited=$((waited + 1))
  done
  sleep "${FAULTS_KILL_DELAY:-0.3}"
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  n_cut=$(sql "$cut" "SELECT COUNT(*) FROM tbt_notifications")
  echo "      killed while storing, with $n_cut of $n_full notifications stored"
  if [ "$n_cut" -lt "$n_full" ]; then pass "kill landed in the middle of the mixed import"; else fail "kill came after the import had stored everything"; fi
  check "integrity after kill -9" ok "$(integrity "$cut")"
  check "every stored notification has its symbol row" 0 "$(sql "$cut" "SELECT COUNT(*) FROM tbt_notifications n WHERE NOT EXISTS (SELECT 1 FROM tbt_symbols s WHERE s.notification_id = n.id)")"
  bz_at "$cut" import tbt "$file" >>"$cut.log" 2>&1 || fail "re-import: $(tail -3 "$cut.log")"
  n_after=$(sql "$cut" "SELECT COUNT(*) FROM tbt_notifications")
  check "notifications after re-import equal the full import" "$n_full" "$n_after"
  check "SPS notifications after re-import" "$(sql "$full" "SELECT COUNT(*) FROM tbt_notifications WHERE agreement = 'sps'")" "$(sql "$cut" "SELECT COUNT(*) FROM tbt_notifications WHERE agreement = 'sps'")"
  check "emergency measures after re-import" "$(sql "$full" "SELECT COUNT(*) FROM tbt_notifications WHERE emergency = 1")" "$(sql "$cut" "SELECT COUNT(*) FROM tbt_notifications WHERE emergency = 1")"
  check "addenda linked to their notification" 0 "$(sql "$cut" "SELECT COUNT(*) FROM tbt_notifications WHERE doc_kind = 'addendum' AND parent_id IS NULL")"
  check "integrity after re-import" ok "$(integrity "$cut")"
  bz_at "$cut" import tbt "$file" >>"$cut.log" 2>&1
  if grep -q "0 created, 0 updated, $n_full unchanged" "$cut.log"; then pass "a third run changes nothing"; else fail "a third run changed something: $(tail -1 "$cut.log")"; fi
}

# ------------------------------------------------------------------------------------------
drill_mail() {
  echo "== (b) kill -9 while the job worker is sending mail over SMTP ($BACKEND)"
  local data="$WORK/mail" smtp_port port n=200
  smtp_port=$(free_port); port=$(free_port)
  new_db "$data"
  # A slow SMTP sink that logs every accepted message's subject (one line per delivery).
  cat >"$WORK/sink.py" <<'EOF'
import socketserver, sys, time
log = open(sys.argv[2], "a", buffering=1)
class H(socketserver.StreamRequestHandler):
    def handle(self):
        w = lambda s: self.wfile.write((s + "\r\n").encode())
        w("220 sink")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode(errors="replace").strip().upper()
            if cmd.startswith(("EHLO", "HELO")):
                w("250 sink")
            elif cmd.startswith("DATA"):
                w("354 go")
                subject, mid = "", ""
                while True:
                    l = self.rfile.readline().decode(errors="replace")
                    if l in (".\r\n", ".\n", ""):
                        break
                    if l.lower().startswith("subject:"):
                        subject = l.split(":", 1)[1].strip()
                    if l.lower().startswith("message-id:"):
                        mid = l.split(":", 1)[1].strip()
                time.sleep(0.05)
                log.write(subject + "\t" + mid + "\n")
                w("250 queued")
            elif cmd.startswith("QUIT"):
                w("221 bye"); return
            else:
                w("250 ok")
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
  python3 "$WORK/sink.py" "$smtp_port" "$WORK/delivered.txt" & PIDS+=("$!")
  bz_at "$data" migrate >/dev/null 2>&1
  # N messages in the outbox, each with its send_mail job, as mail::enqueue writes them.
  if [ "$BACKEND" = postgres ]; then
    sql "$data" "WITH m AS (INSERT INTO mail_outbox (to_addr, subject, body_text, status, created_at)
        SELECT 'm' || i || '@example.com', 'fault-' || lpad(i::text, 4, '0'), 'drill', 'queued', extract(epoch FROM now())::bigint
        FROM generate_series(0, $n - 1) i RETURNING id)
      INSERT INTO jobs (kind, payload, dedupe_key, status, run_at, created_at)
        SELECT 'send_mail', '{\"mail_id\": ' || id || '}', 'mail:' || id, 'queued', extract(epoch FROM now())::bigint, extract(epoch FROM now())::bigint FROM m" >/dev/null
  else
    python3 - "$data/biaozhun.db" "$n" <<'EOF'
import sqlite3, sys, time, json
db = sqlite3.connect(sys.argv[1]); now = int(time.time())
for i in range(int(sys.argv[2])):
    cur = db.execute("INSERT INTO mail_outbox (to_addr, subject, body_text, status, created_at) VALUES (?,?,?,'queued',?)",
                     (f"m{i}@example.com", f"fault-{i:04d}", "drill", now))
    mid = cur.lastrowid
    db.execute("INSERT INTO jobs (kind, payload, dedupe_key, status, run_at, created_at) VALUES ('send_mail',?,?,'queued',?,?)",
               (json.dumps({"mail_id": mid}), f"mail:{mid}", now, now))
db.commit()
EOF
  fi
  local smtp_env=(BIAOZHUN_SMTP__HOST=127.0.0.1 BIAOZHUN_SMTP__PORT="$smtp_port" BIAOZHUN_SMTP__SECURITY=none)
  start_server "$data" "$port" "${smtp_env[@]}" || { fail "mail server start"; return; }
  for _ in $(seq 1 300); do
    [ "$(wc -l <"$WORK/delivered.txt" 2>/dev/null || echo 0)" -ge $((n / 3)) ] && break
    sleep 0.1
  done
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
  local at_kill running
  at_kill=$(wc -l <"$WORK/delivered.txt")
  running=$(sql "$data" "SELECT COUNT(*) FROM jobs WHERE status = 'running'")
  echo "      killed after $at_kill deliveries; jobs left running: $running (lease ${running:+300 s})"
  # A dead server's job is taken up again when its lease runs out (300 s); let it run out now.
  sql "$data" "UPDATE jobs SET locked_until = 0 WHERE status = 'running'"
  start_server "$data" "$port" "${smtp_env[@]}" || { fail "mail server restart"; return; }
  for _ in $(seq 1 600); do
    [ "$(sql "$data" "SELECT COUNT(*) FROM jobs WHERE kind = 'send_mail' AND status <> 'done'")" = 0 ] && break
    sleep 0.2
  done
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
  check "send_mail jobs done" "$n" "$(sql "$data" "SELECT COUNT(*) FROM jobs WHERE kind = 'send_mail' AND status = 'done'")"
  check "outbox rows sent" "$n" "$(sql "$data" "SELECT COUNT(*) FROM mail_outbox WHERE status = 'sent'")"
  check "distinct messages delivered" "$n" "$(cut -f1 "$WORK/delivered.txt" | sort -u | wc -l)"
  # A copy sent again after the kill carries the first sending's Message-ID, so the relay or
  # the mail client can drop it: one Message-ID per message, whatever the copies.
  check "distinct Message-IDs (one per message, copies included)" "$n" "$(sort -u "$WORK/delivered.txt" | wc -l)"
  local dups
  dups=$(( $(wc -l <"$WORK/delivered.txt") - $(cut -f1 "$WORK/delivered.txt" | sort -u | wc -l) ))
  echo "      deliveries: $(wc -l <"$WORK/delivered.txt"), duplicates: $dups (at-least-once: at most the messages in flight at the kill)"
  if [ "$dups" -le 1 ]; then pass "duplicates bounded by the one job in flight ($dups)"; else fail "duplicates: $dups"; fi
}

# ------------------------------------------------------------------------------------------
drill_pg() {
  echo "== (d) PostgreSQL stopped for 30 s under load"
  if [ -z "$PG_VERSION" ] || ! command -v pg_ctlcluster >/dev/null; then echo "      skipped: no local PostgreSQL cluster"; return; fi
  local base="${FAULTS_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}" db="bz_faults_$$" port data="$WORK/pg"
  port=$(free_port)
  psql "$base" -qc "CREATE DATABASE $db" >/dev/null || { fail "create database"; return; }
  local url="${base%/*}/$db"
  start_server "$data" "$port" BIAOZHUN_DATABASE_URL="$url" BIAOZHUN_DB_ACQUIRE_TIMEOUT_SECS=2 || { fail "pg server start"; return; }
  # Load: four clients in a loop, each line "phase status seconds".
  echo up >"$WORK/phase"
  for i in 1 2 3 4; do
    ( while [ -f "$WORK/phase" ]; do
        ph=$(cat "$WORK/phase" 2>/dev/null)
        path=$([ $((i % 2)) = 0 ] && echo /policies || echo /healthz)
        t=$(date +%s.%N)
        curl -s -o /dev/null -m 30 -w "$ph %{http_code} %{time_total} $path $t\n" "http://127.0.0.1:$port$path"
        sleep 0.1
      done >>"$WORK/load.$i" ) &
    PIDS+=("$!")
  done
  sleep 3
  PG_STOPPED=1
  echo stopping >"$WORK/phase"
  pg_ctlcluster "$PG_VERSION" main stop -m fast
  echo down >"$WORK/phase"
  local t_stop; t_stop=$(date +%s.%N)
  sleep 30
  echo restarting >"$WORK/phase"
  local t_start; t_start=$(date +%s.%N)
  pg_ctlcluster "$PG_VERSION" main start && PG_STOPPED=
  local t0 recovered=""; t0=$(date +%s.%N)
  for _ in $(seq 1 150); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ]; then
      recovered=$(python3 -c "print(round($(date +%s.%N)-$t0,1))"); break
    fi
    sleep 0.2
  done
  echo after >"$WORK/phase"
  sleep 3
  rm -f "$WORK/phase"; sleep 1
  cat "$WORK"/load.* >"$WORK/load.all"
  echo "      responses by phase and status:"; awk '{print "        " $1, $2, $4}' "$WORK/load.all" | sort | uniq -c
  echo "      slowest answer while down: $(awk '$1=="down"{print $3}' "$WORK/load.all" | sort -n | tail -1)s"
  # A request that began while the database was down but was still waiting for a connection
  # when it came back is served (200): only requests that ended before the restart count.
  check "answers other than 503 while PostgreSQL was down" 0 "$(awk -v ts="$t_start" '$1=="down" && $5+$3 < ts && $2!="503"' "$WORK/load.all" | wc -l)"
  echo "      requests begun while down and served once it was back: $(awk -v ts="$t_start" '$1=="down" && $5+$3 >= ts && $2=="200"' "$WORK/load.all" | wc -l)"
  check "500s at any time" 0 "$(awk '$2=="500"' "$WORK/load.all" | wc -l)"
  if [ -n "$recovered" ]; then pass "serving again ${recovered}s after PostgreSQL started, without a restart"; else fail "no recovery within 30 s"; fi
  check "answers other than 200 after recovery" 0 "$(awk '$1=="after" && $2!="200"' "$WORK/load.all" | wc -l)"
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
  psql "$base" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  echo "      PostgreSQL down for $(python3 -c "print(round($t_start-$t_stop))")s"
}

# ------------------------------------------------------------------------------------------
# fill_and_free PORT MOUNT: with a server on PORT whose database lives under MOUNT (a small
# tmpfs), writes, fills the volume, checks that a large write answers 503 storage_full while
# reads go on, frees the space and checks that the same server takes the same write again.
fill_and_free() {
  local port=$1 mnt=$2 code check_url="http://127.0.0.1:$1/api/v1/standards/check"
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' -d '{"text":"GB/T 19001-2016 GB 8898-2011"}' "$check_url")
  check "validity check (a write) before the disk fills" 200 "$code"
  dd if=/dev/zero of="$mnt/filler" bs=1M 2>/dev/null; sync
  echo "      volume: $(df -h "$mnt" | awk 'NR==2{print $3 " used, " $4 " free"}')"
  local big; big=$(python3 -c "print('{\"text\":\"' + ' '.join('GB/T %d-2016' % i for i in range(1, 3000)) + '\"}')")
  curl -s -D "$WORK/full.h" -o "$WORK/full.json" -H 'content-type: application/json' -d "$big" "$check_url" >/dev/null
  code=$(awk 'NR==1{print $2}' "$WORK/full.h")
  echo "      write on the full disk: $code $(head -c 300 "$WORK/full.json")"
  check "write on a full disk answers 503" 503 "$code"
  grep -qi '^retry-after' "$WORK/full.h" && pass "Retry-After sent" || fail "no Retry-After"
  grep -q '"storage_full"' "$WORK/full.json" && pass "error code storage_full" || fail "unclear error body"
  check "reads go on while the disk is full" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/policies")"
  rm -f "$mnt/filler"
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' -d "$big" "$check_url")
  check "the same write after freeing space (same server)" 200 "$code"
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
}

drill_disk() {
  echo "== (e) full disk under the SQLite data directory (tmpfs of 30 MB)"
  if [ "$BACKEND" = postgres ]; then echo "      skipped: a drill of the SQLite data directory"; return; fi
  local mnt="$WORK/tmpfs" port
  mkdir -p "$mnt"
  if ! mount -t tmpfs -o size=30m tmpfs "$mnt" 2>/dev/null; then echo "      skipped: cannot mount tmpfs (needs root)"; return; fi
  port=$(free_port)
  start_server "$mnt/data" "$port" || { fail "disk server start"; return; }
  fill_and_free "$port" "$mnt"
  check "integrity after the full disk" ok "$(sql "$mnt/data" "PRAGMA integrity_check")"
}

# ------------------------------------------------------------------------------------------
# (f) The PostgreSQL counterpart of (e): the database lives in a tablespace on a small tmpfs
# (WAL stays in the cluster's own directory, as it would on a server whose data volume fills).
drill_pgdisk() {
  echo "== (f) full disk under a PostgreSQL tablespace (tmpfs of 40 MB)"
  if [ -z "$PG_VERSION" ]; then echo "      skipped: no local PostgreSQL cluster"; return; fi
  local mnt="$WORK/pgspace" port db="bzf_pgdisk_$$" url
  mkdir -p "$mnt"
  if ! mount -t tmpfs -o size=40m tmpfs "$mnt" 2>/dev/null; then echo "      skipped: cannot mount tmpfs (needs root)"; return; fi
  chown postgres:postgres "$mnt"; chmod o+x "$WORK"   # the server process must reach it
  PG_SPACE="bzf_space_$$"
  psql "$PG_BASE" -qc "CREATE TABLESPACE $PG_SPACE LOCATION '$mnt'" >/dev/null || { fail "create tablespace"; return; }
  psql "$PG_BASE" -qc "CREATE DATABASE $db TABLESPACE $PG_SPACE" >/dev/null && DBS+=("$db") || { fail "create database"; return; }
  url="${PG_BASE%/*}/$db"
  port=$(free_port)
  start_server "$WORK/pgdisk" "$port" BIAOZHUN_DATABASE_URL="$url" || { fail "server start"; return; }
  fill_and_free "$port" "$mnt"
  check "indexes valid afterwards" ok "$(pg_indexes_valid "$url")"
  psql "$url" -Atqc "SELECT COUNT(*) FROM standard_checks" >/dev/null && pass "the database reads after the drill" || fail "the database does not read"
}

# ------------------------------------------------------------------------------------------
# (c) kill -9 while staff decide membership applications. Each approval writes the
# application's status, the membership, the audit entry, the in-site notice and the mail in
# one transaction: after the kill every application must be either wholly approved or
# untouched, and a second pass must finish the rest without duplicates.
drill_membership() {
  echo "== (c) kill -9 while membership applications are approved ($BACKEND)"
  local data="$WORK/membership" port n="${FAULTS_APPLICANTS:-40}" pw="Drill-$(date +%s)-pw"
  port=$(free_port)
  new_db "$data"
  bz_at "$data" migrate >/dev/null 2>&1
  # The CLI makes administrators only; applicants are then set back to plain users. Each
  # account gets a personal API token from the CLI, one per line in tokens.txt (staff first).
  : >"$WORK/tokens.txt"
  for who in drill_staff $(seq -f "drill_app%g" 1 "$n"); do
    echo "$pw" | bz_at "$data" user create --admin "$who" --email "$who@example.org" >/dev/null 2>&1
    [ "$who" = drill_staff ] || bz_at "$data" user roles "$who" --set "" --reason drill >/dev/null 2>&1
    bz_at "$data" user token "$who" --label drill 2>/dev/null >>"$WORK/tokens.txt"
  done
  start_server "$data" "$port" || { fail "server did not start"; return; }
  # Apply as each applicant, then approve in order as staff, printing each approved id.
  cat > "$WORK/membership.py" <<'PY'
import json, sys, urllib.request
tokens_file, base, n, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
tokens = open(tokens_file).read().split()
def call(token, method, path, body=None):
    req = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(), method=method,
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    return json.load(urllib.request.urlopen(req))
if mode == "apply":
    for i in range(1, n + 1):
        call(tokens[i], "POST", "/api/v1/membership/applications", {"kind": "individual", "real_name": f"申请人{i}", "contact_name": f"申请人{i}",
             "contact_phone": "13800138000", "contact_email": f"drill_app{i}@example.org"})
else:
    staff = tokens[0]
    for a in sorted(call(staff, "GET", "/api/v1/membership/applications"), key=lambda a: a["id"]):
        call(staff, "POST", f"/api/v1/membership/applications/{a['id']}/decision",
             {"decision": "approve", "version": a["version"], "member_no": f"D{a['id']:05d}"})
        print(a["id"], flush=True)
PY
  python3 "$WORK/membership.py" "$WORK/tokens.txt" "http://127.0.0.1:$port" "$n" apply || { fail "applying"; return; }
  check "applications pending" "$n" "$(sql "$data" "SELECT COUNT(*) FROM membership_applications WHERE status = 'pending'")"
  # The file exists before the loop below reads it (the background job opens it later).
  : >"$WORK/approved.txt"
  python3 "$WORK/membership.py" "$WORK/tokens.txt" "http://127.0.0.1:$port" "$n" approve >>"$WORK/approved.txt" 2>/dev/null &
  local loop=$!
  while [ "$(wc -l <"$WORK/approved.txt")" -lt $((n / 3)) ]; do sleep 0.05; done
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; wait "$loop" 2>/dev/null
  local approved members
  approved=$(sql "$data" "SELECT COUNT(*) FROM membership_applications WHERE status = 'approved'")
  members=$(sql "$data" "SELECT COUNT(*) FROM memberships")
  echo "      killed after $approved of $n approvals"
  [ "$approved" -gt 0 ] && [ "$approved" -lt "$n" ] && pass "kill landed in the middle of the decisions" || fail "kill did not land mid-way ($approved)"
  check "integrity after kill -9" ok "$(integrity "$data")"
  check "memberships equal approved applications" "$approved" "$members"
  check "approved applications without their membership, audit entry, notice or mail" 0 "$(sql "$data" "
    SELECT COUNT(*) FROM membership_applications a WHERE a.status = 'approved' AND (
      NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = a.user_id AND m.member_no = $(member_no a.id))
      OR NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.action = 'membership.approve' AND l.target = 'application:' || a.id)
      OR NOT EXISTS (SELECT 1 FROM notifications x WHERE x.user_id = a.user_id AND x.kind = 'membership.approved')
      OR NOT EXISTS (SELECT 1 FROM mail_outbox o WHERE o.subject || o.body_text LIKE '%' || $(member_no a.id) || '%'))")"
  check "pending applications with a membership" 0 "$(sql "$data" "
    SELECT COUNT(*) FROM membership_applications a WHERE a.status = 'pending'
      AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = a.user_id)")"
  start_server "$data" "$port" || { fail "restart"; return; }
  python3 "$WORK/membership.py" "$WORK/tokens.txt" "http://127.0.0.1:$port" "$n" approve >/dev/null || fail "second pass"
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
  check "approved after the second pass" "$n" "$(sql "$data" "SELECT COUNT(*) FROM membership_applications WHERE status = 'approved'")"
  check "memberships after the second pass" "$n" "$(sql "$data" "SELECT COUNT(*) FROM memberships")"
  check "approval notices (one each)" "$n" "$(sql "$data" "SELECT COUNT(*) FROM notifications WHERE kind = 'membership.approved'")"
  check "approval mails (one each)" "$n" "$(sql "$data" "SELECT COUNT(*) FROM mail_outbox WHERE subject || body_text LIKE '%D000%'")"
}

drill_draw() {
  echo "== (d) kill -9 while expert panels are drawn ($BACKEND)"
  local data="$WORK/draw" port n="${FAULTS_DRAWS:-60}" pw="Drill-$(date +%s)-pw"
  port=$(free_port)
  new_db "$data"
  bz_at "$data" migrate >/dev/null 2>&1
  echo "$pw" | bz_at "$data" user create --admin drill_staff --email drill_staff@example.org >/dev/null 2>&1
  bz_at "$data" user token drill_staff --label drill 2>/dev/null >"$WORK/draw-token.txt"
  # A pool of 2,000 experts in the field 13.020 (fictional people), imported by the CLI.
  python3 -c '
import sys
print("姓名,电子邮箱,职称,专业领域")
for i in range(2000): print(f"专家{i},e{i}@drill.example,高级工程师,13.020.{10 * (1 + i % 5)}")' >"$WORK/pool.csv"
  bz_at "$data" import experts "$WORK/pool.csv" >/dev/null 2>&1 || { fail "pool import"; return; }
  check "pool imported" 2000 "$(sql "$data" "SELECT COUNT(*) FROM experts WHERE status = 'approved'")"
  start_server "$data" "$port" || { fail "server did not start"; return; }
  cat > "$WORK/draw.py" <<'PY'
import json, sys, urllib.request
token, base, n = open(sys.argv[1]).read().strip(), sys.argv[2], int(sys.argv[3])
def call(method, path, body=None):
    req = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(), method=method,
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    return json.load(urllib.request.urlopen(req))
for i in range(n):
    d = call("POST", "/api/v1/experts/draws", {"fields": ["13.020"], "count": 7, "backups": 3, "title": f"drill {i}"})
    print(d["id"], d["seed"], ",".join(map(str, d["panel"] + d["backups"])), flush=True)
PY
  : >"$WORK/drawn.txt"
  python3 "$WORK/draw.py" "$WORK/draw-token.txt" "http://127.0.0.1:$port" "$n" >>"$WORK/drawn.txt" 2>/dev/null &
  local loop=$!
  while [ "$(wc -l <"$WORK/drawn.txt")" -lt $((n / 3)) ]; do sleep 0.05; done
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; wait "$loop" 2>/dev/null
  local draws
  draws=$(sql "$data" "SELECT COUNT(*) FROM expert_draws")
  echo "      killed after $draws of $n draws"
  [ "$draws" -gt 0 ] && [ "$draws" -lt "$n" ] && pass "kill landed in the middle of the draws" || fail "kill did not land mid-way ($draws)"
  check "integrity after kill -9" ok "$(integrity "$data")"
  check "draws without their 10 invitations, their event, or 7 invitation mails" 0 "$(sql "$data" "
    SELECT COUNT(*) FROM expert_draws d WHERE
      (SELECT COUNT(*) FROM expert_invitations i WHERE i.draw_id = d.id) <> 10
      OR (SELECT COUNT(*) FROM expert_invitations i WHERE i.draw_id = d.id AND i.status = 'invited') <> 7
      OR NOT EXISTS (SELECT 1 FROM workflow_events e WHERE e.kind = 'expert_draw' AND e.record_id = d.id)
      OR (SELECT COUNT(*) FROM mail_outbox o WHERE o.subject LIKE '%' || d.title) <> 7")"
  check "invitations or invitation events without a draw" 0 "$(sql "$data" "
    SELECT (SELECT COUNT(*) FROM expert_invitations i WHERE NOT EXISTS (SELECT 1 FROM expert_draws d WHERE d.id = i.draw_id))
         + (SELECT COUNT(*) FROM workflow_events e WHERE e.kind = 'expert_invitation' AND NOT EXISTS (SELECT 1 FROM expert_invitations i WHERE i.id = e.record_id))")"
  start_server "$data" "$port" || { fail "restart"; return; }
  # Every draw the client heard of replays to the same panel after the restart.
  local bad=0 id seed ids got
  while read -r id seed ids; do
    got=$(curl -sf -X POST -H "Authorization: Bearer $(cat "$WORK/draw-token.txt")" "http://127.0.0.1:$port/api/v1/experts/draws/$id/replay" \
      | python3 -c 'import json,sys; d=json.load(sys.stdin); print(",".join(map(str, d["panel"] + d["backups"])))')
    [ "$got" = "$ids" ] || bad=$((bad + 1))
  done <"$WORK/drawn.txt"
  check "draws answered before the kill that replay differently" 0 "$bad"
  python3 "$WORK/draw.py" "$WORK/draw-token.txt" "http://127.0.0.1:$port" 5 >/dev/null || fail "drawing after the restart"
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
  check "draws after the restart whole" 0 "$(sql "$data" "SELECT COUNT(*) FROM expert_draws d WHERE (SELECT COUNT(*) FROM expert_invitations i WHERE i.draw_id = d.id) <> 10")"
}

# The exam drill (e) lives in its own file.
. scripts/lib/faults_exam.sh
# So does the strategy drill (f).
. scripts/lib/faults_strategy.sh

# The signs drill (inspections with photos) too.
. scripts/lib/faults_signs.sh

drills=("$@"); [ ${#drills[@]} -eq 0 ] && drills=(import tbtmixed mail membership draw exam strategy signs pg disk pgdisk)
for d in "${drills[@]}"; do "drill_$d"; done
[ "$FAILED" = 0 ] && echo "ALL PASS" || echo "SOME CHECKS FAILED"
exit "$FAILED"
