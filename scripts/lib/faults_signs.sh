# Sourced by scripts/faults.sh: kill -9 while inspections of a sign, each with three photos,
# are uploaded (docs/signs.md). Uses the helpers defined there.

drill_signs() {
  echo "== (signs) kill -9 while inspections with photos are uploaded ($BACKEND)"
  local data="$WORK/signs" port n="${FAULTS_INSPECTIONS:-60}" pw="Drill-$(date +%s)-pw" token
  port=$(free_port)
  new_db "$data"
  bz_at "$data" migrate >/dev/null 2>&1
  echo "$pw" | bz_at "$data" user create --admin drill_inspector --email drill_inspector@example.org >/dev/null 2>&1
  token=$(bz_at "$data" user token drill_inspector --label drill 2>/dev/null)
  start_server "$data" "$port" || { fail "server did not start"; return; }
  # One sign; then inspections in turn, each with three photos of 300 kB (PNG by their first
  # bytes), nonconforming and conforming by turns; each acknowledged one is printed.
  cat > "$WORK/signs.py" <<'PY'
import json, os, sys, urllib.request, uuid
token, base, n, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def call(method, path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method,
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    return json.load(urllib.request.urlopen(req))
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None
opener = urllib.request.build_opener(NoRedirect)
if mode == "sign":
    print(call("POST", "/api/v1/signs", {"code": "DRILL-1", "district": "440106", "address": "体育东路 1 号", "type": "direction", "standard": "GB/T 15566.1-2020"})["id"])
    sys.exit()
sign = int(mode)
for i in range(1, n + 1):
    b = uuid.uuid4().hex
    parts = [f'--{b}\r\nContent-Disposition: form-data; name="result"\r\n\r\n{"nonconforming" if i % 2 else "conforming"}\r\n'.encode(),
             f'--{b}\r\nContent-Disposition: form-data; name="findings"\r\n\r\n{"4.2 字体不符" if i % 2 else ""}\r\n'.encode()]
    for k in range(3):
        parts.append(f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="p{i}-{k}.png"\r\nContent-Type: image/png\r\n\r\n'.encode()
                     + b"\x89PNG\r\n\x1a\n" + os.urandom(300_000) + b"\r\n")
    parts.append(f"--{b}--\r\n".encode())
    req = urllib.request.Request(f"{base}/signs/{sign}/inspections", data=b"".join(parts), method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={b}", "Authorization": f"Bearer {token}"})
    try:
        opener.open(req)
    except urllib.error.HTTPError as e:
        if e.code != 303: raise
    print(i, flush=True)
PY
  local sign
  sign=$(python3 "$WORK/signs.py" "$token" "http://127.0.0.1:$port" 0 sign) || { fail "registering the sign"; return; }
  : >"$WORK/inspected.txt"
  python3 "$WORK/signs.py" "$token" "http://127.0.0.1:$port" "$n" "$sign" >>"$WORK/inspected.txt" 2>/dev/null &
  local loop=$!
  while [ "$(wc -l <"$WORK/inspected.txt")" -lt $((n / 3)) ]; do sleep 0.05; done
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; wait "$loop" 2>/dev/null
  local acked stored
  acked=$(wc -l <"$WORK/inspected.txt")
  stored=$(sql "$data" "SELECT COUNT(*) FROM sign_inspections")
  echo "      killed after $stored of $n inspections ($acked acknowledged)"
  [ "$stored" -gt 0 ] && [ "$stored" -lt "$n" ] && pass "kill landed in the middle of the uploads" || fail "kill did not land mid-way ($stored)"
  [ "$stored" -ge "$acked" ] && [ "$stored" -le $((acked + 1)) ] && pass "every acknowledged inspection is stored ($acked ≤ $stored)" || fail "acknowledged $acked, stored $stored"
  check "integrity after kill -9" ok "$(integrity "$data")"
  check "inspections without exactly their three photos" 0 "$(sql "$data" "SELECT COUNT(*) FROM sign_inspections i WHERE (SELECT COUNT(*) FROM sign_photos p WHERE p.inspection_id = i.id) <> 3")"
  check "photos of no inspection" 0 "$(sql "$data" "SELECT COUNT(*) FROM sign_photos p WHERE NOT EXISTS (SELECT 1 FROM sign_inspections i WHERE i.id = p.inspection_id)")"
  check "district count of inspections equals the records" "$stored" "$(sql "$data" "SELECT COALESCE(SUM(inspections), 0) FROM sign_district_counts")"
  check "district count of open cases equals the records" "$(sql "$data" "SELECT COUNT(*) FROM sign_cases WHERE state IN ('open','rectified')")" "$(sql "$data" "SELECT COALESCE(SUM(open_cases), 0) FROM sign_district_counts")"
  check "audit entries equal inspections" "$stored" "$(sql "$data" "SELECT COUNT(*) FROM audit_log WHERE action = 'signs.inspect'")"
  start_server "$data" "$port" || { fail "restart"; return; }
  check "statistics after restart" "$stored" "$(curl -s "http://127.0.0.1:$port/api/v1/signs/stats" | python3 -c 'import json,sys; print(sum(d["inspections"] for d in json.load(sys.stdin)["districts"]))')"
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
}
