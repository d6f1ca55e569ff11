# The strategy drill of scripts/faults.sh (sourced by it; uses its helpers): a department's
# officer files progress reports, staff accept them one after another while the server is
# killed with -9, then restarted and the rest accepted. Checks that every accepted report
# has exactly its accept event and its notice (one transaction: state, version, event,
# notice and mail together), that no report in 'filed' has an accept event, and that the
# second pass accepts the rest with one notice each. See docs/strategy.md, "Reliability".
drill_strategy() {
  echo "== (f) kill -9 during progress report acceptance ($BACKEND)"
  local data="$WORK/strategy" port n="${FAULTS_REPORTS:-64}" pw="Drill-$(date +%s)-pw"
  port=$(free_port)
  new_db "$data"
  bz_at "$data" migrate >/dev/null 2>&1
  : >"$WORK/strategy_tokens.txt"
  echo "$pw" | bz_at "$data" user create --admin st_staff --email st_staff@example.org >/dev/null 2>&1
  bz_at "$data" user token st_staff --label drill 2>/dev/null >>"$WORK/strategy_tokens.txt"
  echo "$pw" | bz_at "$data" user create st_officer --email st_officer@example.org >/dev/null 2>&1
  bz_at "$data" user token st_officer --label drill 2>/dev/null >>"$WORK/strategy_tokens.txt"
  # The officer of the market regulation bureau (it answers for all 16 tasks of the outline).
  sql "$data" "INSERT INTO scoped_roles (user_id, role, scope_kind, scope_key, created_at)
               SELECT id, 'department', 'department', 'gz-scjgj', 0 FROM users WHERE username = 'st_officer'" >/dev/null
  start_server "$data" "$port" || { fail "server did not start"; return; }
  cat > "$WORK/strategy.py" <<'PY'
import json, sys, urllib.request
tokens_file, base, n, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
staff, officer = open(tokens_file).read().split()[:2]
def call(token, method, path, body=None):
    req = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(), method=method,
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    return json.load(urllib.request.urlopen(req))
if mode == "file":
    for i in range(n):
        task, year, q = i % 16 + 1, 2021 + (i // 16) // 4, (i // 16) % 4 + 1
        call(officer, "POST", "/api/v1/strategy/reports", {"task": task, "unit_kind": "department", "unit_key": "gz-scjgj",
             "period": f"{year}-Q{q}", "body": f"演练报告 {i}", "figures": ""})
PY
  # The reports' ids and versions are read from the database (the API lists tasks, not reports).
  cat > "$WORK/strategy_accept.py" <<'PY'
import json, sys, urllib.request
token, base = sys.argv[1], sys.argv[2]
for line in sys.stdin:
    rid, version = line.split()
    req = urllib.request.Request(f"{base}/api/v1/strategy/reports/{rid}/actions", method="POST",
                                 data=json.dumps({"action": "accept", "version": int(version)}).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    json.load(urllib.request.urlopen(req))
    print(rid, flush=True)
PY
  python3 "$WORK/strategy.py" "$WORK/strategy_tokens.txt" "http://127.0.0.1:$port" "$n" file || { fail "filing"; return; }
  check "reports filed" "$n" "$(sql "$data" "SELECT COUNT(*) FROM strategy_reports WHERE state = 'filed'")"
  local staff_token
  staff_token=$(head -1 "$WORK/strategy_tokens.txt")
  : >"$WORK/accepted.txt"
  sql "$data" "SELECT id || ' ' || version FROM strategy_reports WHERE state = 'filed' ORDER BY id" \
    | python3 "$WORK/strategy_accept.py" "$staff_token" "http://127.0.0.1:$port" >>"$WORK/accepted.txt" 2>/dev/null &
  local loop=$!
  while [ "$(wc -l <"$WORK/accepted.txt")" -lt $((n / 3)) ]; do sleep 0.05; done
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; wait "$loop" 2>/dev/null
  local accepted heard
  accepted=$(sql "$data" "SELECT COUNT(*) FROM strategy_reports WHERE state = 'accepted'")
  heard=$(wc -l <"$WORK/accepted.txt")
  echo "      killed after $accepted of $n acceptances ($heard answered)"
  [ "$accepted" -gt 0 ] && [ "$accepted" -lt "$n" ] && pass "kill landed in the middle of the acceptances" || fail "kill did not land mid-way ($accepted)"
  check "integrity after kill -9" ok "$(integrity "$data")"
  check "answered acceptances not in the database" 0 "$(sql "$data" "SELECT COUNT(*) FROM strategy_reports WHERE state <> 'accepted' AND id IN ($(paste -sd, "$WORK/accepted.txt"))")"
  check "accepted reports without exactly one accept event, their notice and mail, or at version 1" 0 "$(sql "$data" "
    SELECT COUNT(*) FROM strategy_reports r WHERE r.state = 'accepted' AND (
      (SELECT COUNT(*) FROM workflow_events e WHERE e.kind = 'strategy_report' AND e.record_id = r.id AND e.action = 'accept') <> 1
      OR r.version <> 1
      OR NOT EXISTS (SELECT 1 FROM notifications x WHERE x.kind = 'strategy' AND x.link = '/strategy/reports/' || r.id))")"
  check "filed reports with an accept event" 0 "$(sql "$data" "
    SELECT COUNT(*) FROM strategy_reports r WHERE r.state = 'filed'
      AND EXISTS (SELECT 1 FROM workflow_events e WHERE e.kind = 'strategy_report' AND e.record_id = r.id AND e.action = 'accept')")"
  check "acceptance mails equal accepted reports" "$accepted" "$(sql "$data" "SELECT COUNT(*) FROM mail_outbox WHERE subject LIKE '%进展报告已受理%'")"
  start_server "$data" "$port" || { fail "restart"; return; }
  sql "$data" "SELECT id || ' ' || version FROM strategy_reports WHERE state = 'filed' ORDER BY id" \
    | python3 "$WORK/strategy_accept.py" "$staff_token" "http://127.0.0.1:$port" >/dev/null || fail "second pass"
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
  check "accepted after the second pass" "$n" "$(sql "$data" "SELECT COUNT(*) FROM strategy_reports WHERE state = 'accepted'")"
  check "acceptance notices (one each)" "$n" "$(sql "$data" "SELECT COUNT(*) FROM notifications WHERE kind = 'strategy'")"
  check "accept events (one each)" "$n" "$(sql "$data" "SELECT COUNT(*) FROM workflow_events WHERE kind = 'strategy_report' AND action = 'accept'")"
}
