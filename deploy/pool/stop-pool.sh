#!/usr/bin/env bash
# Stops what start-pool.sh started in WORKDIR (default ./pool-work): kamailio, the umsec servers (SIGTERM:
# calls in progress are drained for up to --grace seconds, then SIGKILL after 40 s) and slapd.
#   deploy/pool/stop-pool.sh [--server N] [WORKDIR]
set -uo pipefail
only_server=""
if [ "${1:-}" = "--server" ]; then
  only_server=$2
  shift 2
fi
W=${1:-./pool-work}
[ -d "$W" ] || { echo "stop-pool: no work directory $W" >&2; exit 1; }

stop_pid() {  # pidfile, name, seconds before SIGKILL
  local f=$1 name=$2 wait=$3 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 $((wait * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "stop-pool: $name (pid $pid) still runs after $wait s: SIGKILL"
      kill -KILL "$pid"
    fi
    echo "stop-pool: $name stopped"
  fi
  rm -f "$f"
}

if [ -n "$only_server" ]; then
  stop_pid "$W/um$only_server/server.pid" "um$only_server" 40
  exit 0
fi
stop_pid "$W/kamailio/kamailio.pid" kamailio 10
for d in "$W"/um*/; do
  [ -f "$d/server.pid" ] && stop_pid "$d/server.pid" "$(basename "$d")" 40
done
stop_pid "$W/slapd/slapd.pid" slapd 10
exit 0
