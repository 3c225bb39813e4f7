#!/usr/bin/env bash
# umsec load check (issue 6): sipp places 500 calls at 50 calls per second over TCP against an
# Unsecured dial plan of a running umsec server; every call must succeed.
#
#   um-server/src/test/sipp/load-check.sh [HOST:PORT] [CALLS] [RATE]
#
# Without HOST:PORT it starts `bin/umsec server --config um-server/src/test/sipp/umsec-load.yaml`
# (port 15060) itself and stops it afterwards. Needs sipp (Debian: sip-tester) and the built jar.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
target=${1:-}
calls=${2:-500}
rate=${3:-50}
command -v sipp >/dev/null || { echo "load-check: sipp not found (apt-get install sip-tester)" >&2; exit 2; }
out="$repo/um-server/target/load-check"
mkdir -p "$out"
server_pid=
cleanup() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT
if [ -z "$target" ]; then
  "$repo/bin/umsec" server --config "$here/umsec-load.yaml" > "$out/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    grep -q "running" "$out/server.log" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$out/server.log" >&2; exit 1; }
    sleep 0.2
  done
  target=127.0.0.1:15060
fi
cd "$out"
set +e
sipp -sf "$here/umsec-uac.xml" -t t1 -s voicemail -r "$rate" -m "$calls" -l 200 -timeout 120s \
  -max_recv_loops 1000 -trace_stat -stf "$out/stats.csv" -trace_err -error_file "$out/errors.log" \
  -nostdin "$target" > "$out/sipp.out" 2>&1
code=$?
set -e
# The last statistics line: successful and failed calls, call rate, response time.
python3 - "$out/stats.csv" <<'PY' || true
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=';'))
h, last = rows[0], rows[-1]
v = dict(zip(h, last))
print("load-check: calls created %s, successful %s, failed %s, elapsed %s, response time avg %s" % (
    v.get("TotalCallCreated"), v.get("SuccessfulCall(C)"), v.get("FailedCall(C)"),
    v.get("ElapsedTime(C)"), v.get("ResponseTime1(C)")))
PY
if [ "$code" -ne 0 ]; then
  echo "load-check: sipp exit code $code (some calls failed); see $out" >&2
  tail -20 "$out/sipp.out" >&2 || true
  exit 1
fi
echo "load-check: OK, $calls calls at $rate cps, no failed call"
