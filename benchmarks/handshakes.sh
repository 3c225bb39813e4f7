#!/usr/bin/env bash
# Mutual-TLS full handshakes, EC P-256, issue 13 item 5: server CPU per handshake and handshakes/s of
# umsec's TLS listener with the validated peer-chain cache, without it, and kamailio 5.6 (TLS module,
# client certificate required, one TLS worker): same client, same run, interleaved rounds.
#
#   mvn -B -o -pl benchmarks -am package -DskipTests      # once
#   benchmarks/handshakes.sh [seconds-per-run] [rounds] [concurrency]     # defaults 20 3 16
#
# Needs kamailio (apt-get install -y kamailio kamailio-tls-modules). Ports: HANDSHAKE_PORT (default
# 35061) for umsec with the cache, +1 for umsec without it, +2 for kamailio. Server CPU is
# utime+stime of the server process and its descendants from /proc, so JIT and GC threads count; a
# warm-up pass per server (not reported) lets the JIT settle first. The client (HandshakeLoad drive,
# BoringSSL, TLS 1.3, a new session every time) runs in its own JVM and reports its own CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_SECONDS=${1:-20}
ROUNDS=${2:-3}
CONCURRENCY=${3:-16}
WARMUP_SECONDS=${WARMUP_SECONDS:-20}
PORT=${HANDSHAKE_PORT:-35061}
JAR=benchmarks/target/benchmarks.jar
[ -f "$JAR" ] || { echo "build first: mvn -B -o -pl benchmarks -am package -DskipTests" >&2; exit 2; }
command -v kamailio >/dev/null || { echo "kamailio missing: apt-get install -y kamailio kamailio-tls-modules" >&2; exit 2; }
DIR=$(mktemp -d /tmp/umsec-handshakes.XXXXXX)
J=(java -cp "$JAR" org.umsec.sip.transport.HandshakeLoad)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

"${J[@]}" pki "$DIR"
"${J[@]}" serve "$DIR" "$PORT" --cache 1024 >"$DIR/umsec-cache.log" 2>&1 &
UM_CACHE=$!; PIDS+=("$UM_CACHE")
"${J[@]}" serve "$DIR" $((PORT + 1)) --cache 0 >"$DIR/umsec-nocache.log" 2>&1 &
UM_NOCACHE=$!; PIDS+=("$UM_NOCACHE")
sed "s#@DIR@#$DIR#g" benchmarks/kamailio/tls.cfg.template >"$DIR/tls.cfg"
kamailio -f benchmarks/kamailio/kamailio-tls.cfg -DD -E -P "$DIR/kamailio.pid" \
    -A "TLS_PORT=$((PORT + 2))" -A "TLS_CFG=\"$DIR/tls.cfg\"" >"$DIR/kamailio.log" 2>&1 &
KAM=$!; PIDS+=("$KAM")

for port in "$PORT" $((PORT + 1)) $((PORT + 2)); do
    for _ in $(seq 1 60); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 1
    done
done
echo "servers: umsec+cache pid $UM_CACHE port $PORT, umsec-no-cache pid $UM_NOCACHE port $((PORT + 1)),"\
     "kamailio pid $KAM port $((PORT + 2)) ($(kamailio -v | head -1)); PKI and logs in $DIR"

drive() { # label port pid seconds warmup
    "${J[@]}" drive 127.0.0.1 "$2" "$DIR" --pid "$3" --seconds "$4" --warmup "$5" \
        --concurrency "$CONCURRENCY" --label "$1"
}
echo "warm-up, ${WARMUP_SECONDS} s per server (not reported)"
drive warm-up "$PORT" "$UM_CACHE" "$WARMUP_SECONDS" 0 >/dev/null
drive warm-up $((PORT + 1)) "$UM_NOCACHE" "$WARMUP_SECONDS" 0 >/dev/null
drive warm-up $((PORT + 2)) "$KAM" 5 0 >/dev/null
for r in $(seq 1 "$ROUNDS"); do
    drive "round $r umsec, chain cache" "$PORT" "$UM_CACHE" "$RUN_SECONDS" 5
    drive "round $r umsec, no cache   " $((PORT + 1)) "$UM_NOCACHE" "$RUN_SECONDS" 5
    drive "round $r kamailio 5.6      " $((PORT + 2)) "$KAM" "$RUN_SECONDS" 5
done
