# The exam drill of scripts/faults.sh (sourced by it; uses its helpers): many candidates save
# answers through the API while the server is killed with -9, then restarted. Checks that every
# acknowledged save is in the database (the newest acknowledged answer of each question, or a
# newer save that committed just before the kill), that no answer is duplicated, that the
# remaining time after the restart follows the attempt's start in the database, and that the
# saves go on after the restart. See docs/reliability/faults.md, "Exam answer saves".
drill_exam() {
  echo "== (e) kill -9 during exam answer saves ($BACKEND)"
  local data="$WORK/exam" port n="${FAULTS_CANDIDATES:-40}" q=20 pw="Drill-$(date +%s)-pw"
  port=$(free_port)
  new_db "$data"
  bz_at "$data" migrate >/dev/null 2>&1
  : >"$WORK/exam_tokens.txt"
  echo "$pw" | bz_at "$data" user create --admin exam_staff --email exam_staff@example.org >/dev/null 2>&1
  bz_at "$data" user token exam_staff --label drill 2>/dev/null >>"$WORK/exam_tokens.txt"
  for i in $(seq 1 "$n"); do
    echo "$pw" | bz_at "$data" user create "exam_cand$i" --email "exam_cand$i@example.org" >/dev/null 2>&1
    bz_at "$data" user token "exam_cand$i" --label drill 2>/dev/null >>"$WORK/exam_tokens.txt"
  done
  start_server "$data" "$port" || { fail "server did not start"; return; }
  local base="http://127.0.0.1:$port" staff
  staff=$(head -1 "$WORK/exam_tokens.txt")
  # The bank: $q single-choice questions, as an association's sheet (CSV).
  { echo "题型,题干,选项A,选项B,选项C,选项D,答案,分值"; for i in $(seq 1 "$q"); do echo "单选题,演练第${i}题,甲,乙,丙,丁,A,1"; done; } >"$WORK/bank.csv"
  cat > "$WORK/exam.py" <<'PY'
import json, sys, time, threading, urllib.request, urllib.error
tokens_file, base, mode = sys.argv[1], sys.argv[2], sys.argv[3]
tokens = open(tokens_file).read().split()
def call(token, method, path, body=None):
    req = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(), method=method,
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r) if r.status != 204 else None
if mode == "setup":
    staff, bank = tokens[0], int(sys.argv[4])
    now = time.time()
    local = lambda t: time.strftime("%Y-%m-%dT%H:%M", time.gmtime(t + 8 * 3600))
    s = call(staff, "POST", "/api/v1/trainings", {"title": "考试演练", "kind": "engineer", "starts_at": local(now + 5 * 86400),
             "ends_at": local(now + 5 * 86400 + 3600), "location": "线上", "publish": True})
    e = call(staff, "POST", "/api/v1/exams", {"session": str(s["id"]), "bank": str(bank), "title": "演练考试", "rules": "single 20 1",
             "minutes": "60", "pass_mark": "10", "opens_at": local(now - 120), "closes_at": local(now + 7200)})
    for t in tokens[1:]:
        call(t, "POST", f"/api/v1/trainings/{s['id']}/enrolments")
        a = call(t, "POST", f"/api/v1/exams/{e['id']}/attempts")
        print(a["id"], " ".join(str(x["id"]) for x in a["questions"]), flush=True)
elif mode == "save":
    # Each candidate saves its questions in turn, over and over, with a rising sequence
    # number; every acknowledged save is printed (attempt question answer seq).
    attempts = [l.split() for l in open(sys.argv[4]).read().splitlines()]
    rounds, start_seq = int(sys.argv[5]), int(sys.argv[6])
    out_lock = threading.Lock()
    def worker(k):
        tok = tokens[1 + k]
        aid, qs = attempts[k][0], attempts[k][1:]
        seq = start_seq
        for r in range(rounds):
            for qn in qs:
                seq += 1
                answer = str(seq % 4)
                try:
                    o = call(tok, "PUT", f"/api/v1/attempts/{aid}/answers/{qn}", {"answer": answer, "seq": seq})
                except Exception:
                    return
                if o["applied"]:
                    with out_lock:
                        print(aid, qn, answer, seq, flush=True)
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(len(attempts))]
    for t in threads: t.start()
    for t in threads: t.join()
elif mode == "remaining":
    for k, line in enumerate(open(sys.argv[4]).read().splitlines()):
        aid = line.split()[0]
        print(aid, call(tokens[1 + k], "GET", f"/api/v1/attempts/{aid}")["remaining_seconds"], flush=True)
elif mode == "check":
    # acked lines and the database's rows (attempt|question|answer|seq)
    acked = {}
    for l in open(sys.argv[4]).read().splitlines():
        a, qn, ans, seq = l.split()
        if (a, qn) not in acked or int(seq) > acked[(a, qn)][1]:
            acked[(a, qn)] = (ans, int(seq))
    rows = {}
    dup = 0
    for l in open(sys.argv[5]).read().splitlines():
        a, qn, ans, seq = l.split("|")
        dup += (a, qn) in rows
        rows[(a, qn)] = (ans, int(seq))
    lost = [k for k, (ans, seq) in acked.items() if k not in rows or rows[k][1] < seq or (rows[k][1] == seq and rows[k][0] != ans)]
    print(len(acked), len(lost), dup)
PY
  local bank
  curl -s -o /dev/null -H "Authorization: Bearer $staff" --data-urlencode "title=演练题库" "$base/training/exam-banks"
  bank=$(sql "$data" "SELECT MAX(id) FROM exam_banks")
  curl -s -o /dev/null -H "Authorization: Bearer $staff" -F "file=@$WORK/bank.csv" "$base/training/exam-banks/$bank/import"
  check "questions imported" "$q" "$(sql "$data" "SELECT COUNT(*) FROM exam_questions")"
  python3 "$WORK/exam.py" "$WORK/exam_tokens.txt" "$base" setup "$bank" >"$WORK/attempts.txt" || { fail "setting up the exam"; return; }
  check "attempts started" "$n" "$(wc -l <"$WORK/attempts.txt" | tr -d ' ')"
  python3 "$WORK/exam.py" "$WORK/exam_tokens.txt" "$base" remaining "$WORK/attempts.txt" >"$WORK/remaining_before.txt"
  : >"$WORK/acked.txt"
  python3 "$WORK/exam.py" "$WORK/exam_tokens.txt" "$base" save "$WORK/attempts.txt" 50 0 >>"$WORK/acked.txt" 2>/dev/null &
  local loop=$! want=$((n * q))
  while [ "$(wc -l <"$WORK/acked.txt")" -lt "$want" ]; do sleep 0.05; done
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; wait "$loop" 2>/dev/null
  local killed_at; killed_at=$(date +%s)
  echo "      killed after $(wc -l <"$WORK/acked.txt") acknowledged saves"
  check "integrity after kill -9" ok "$(integrity "$data")"
  sql "$data" "SELECT attempt_id || '|' || question_id || '|' || answer || '|' || seq FROM exam_answers" >"$WORK/rows.txt"
  local res; res=$(python3 "$WORK/exam.py" "$WORK/exam_tokens.txt" "$base" check "$WORK/acked.txt" "$WORK/rows.txt")
  echo "      answers acknowledged (latest per question), lost, duplicated: $res"
  check "acknowledged answers lost" 0 "$(echo "$res" | awk '{print $2}')"
  check "answers duplicated" 0 "$(echo "$res" | awk '{print $3}')"
  check "rows per attempt and question" 0 "$(sql "$data" "SELECT COUNT(*) FROM (SELECT attempt_id, question_id FROM exam_answers GROUP BY attempt_id, question_id HAVING COUNT(*) > 1) d")"
  sleep 2
  start_server "$data" "$port" || { fail "restart"; return; }
  python3 "$WORK/exam.py" "$WORK/exam_tokens.txt" "$base" remaining "$WORK/attempts.txt" >"$WORK/remaining_after.txt"
  local now bad; now=$(date +%s)
  # Remaining after = deadline − now, by the database's start: within 2 s of that, and less than
  # before by at least the time the server was down.
  bad=$(while read -r aid left; do
    dl=$(sql "$data" "SELECT deadline FROM exam_attempts WHERE id = $aid")
    before=$(awk -v a="$aid" '$1==a{print $2}' "$WORK/remaining_before.txt")
    d=$((dl - now - left)); [ "${d#-}" -le 2 ] && [ "$left" -le $((before - (now - killed_at))) ] || echo "$aid"
  done <"$WORK/remaining_after.txt" | wc -l | tr -d ' ')
  check "attempts whose remaining time is off after the restart" 0 "$bad"
  echo "      remaining before / after (first attempt): $(head -1 "$WORK/remaining_before.txt" | awk '{print $2}') / $(head -1 "$WORK/remaining_after.txt" | awk '{print $2}') s"
  # The saves go on: one more round each, from sequence numbers above any before the kill.
  python3 "$WORK/exam.py" "$WORK/exam_tokens.txt" "$base" save "$WORK/attempts.txt" 1 1000000 >"$WORK/acked2.txt" 2>/dev/null
  check "saves acknowledged after the restart" "$want" "$(wc -l <"$WORK/acked2.txt" | tr -d ' ')"
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
  check "answer rows (one per attempt and question)" "$want" "$(sql "$data" "SELECT COUNT(*) FROM exam_answers")"
  sql "$data" "SELECT attempt_id || '|' || question_id || '|' || answer || '|' || seq FROM exam_answers" >"$WORK/rows.txt"
  res=$(python3 "$WORK/exam.py" "$WORK/exam_tokens.txt" "$base" check "$WORK/acked2.txt" "$WORK/rows.txt")
  check "answers lost after the restart" 0 "$(echo "$res" | awk '{print $2}')"
}
