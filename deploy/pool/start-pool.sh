#!/usr/bin/env bash
# Starts a whole umsec pool on one machine, unprivileged, everything under one work directory:
#   slapd (the directory, when um-directory's schema is in the tree), POOL_SERVERS umsec servers on
#   distinct loopback addresses and ports, and Kamailio as the trusted edge proxy in front of them.
#
#   deploy/pool/start-pool.sh [WORKDIR]             # default ./pool-work; prints what runs where
#   deploy/pool/start-pool.sh --server N [WORKDIR]  # (re)start server N only (after a kill)
#   deploy/pool/stop-pool.sh [--server N] [WORKDIR] # stops everything (or server N)
#
# Needs: Java 17+, the built jar (mvn -B package -DskipTests), kamailio + kamailio-tls-modules,
# and for the directory slapd + ldap-utils (Debian: apt-get install kamailio kamailio-tls-modules
# slapd ldap-utils; stop the system services: they are not used).
#
# Addresses and ports (defaults inside the pool range 37000-38999; all overridable):
#   edge (gateways connect here)  POOL_EDGE_ADDR:POOL_EDGE_PORT      127.0.0.10:37061  mutual TLS
#   server i (1..POOL_SERVERS)    127.0.0.(10+i):(POOL_PORT_BASE+i)  127.0.0.11:37101 ... mutual TLS
#                                  admin (health, metrics) on the same address, port +100
#                                  media  POOL_MEDIA_BASE+200(i-1) .. +199 (RTP/RTCP pairs)
#   slapd                          ldap://127.0.0.1:POOL_LDAP_PORT    37389
#
# Certificates: made with `umsec certs` (a lab CA "pool" in WORKDIR/ca-store) unless WORKDIR/certs/ca.crt
# exists already (bring your own PKI: certs/{ca,edge}.crt, certs/edge.key, stores/<name>/ umsec stores).
# Gateways of the example: gw1.pool.test (its store: WORKDIR/stores/gw1, use it with umsec load/call).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
only_server=""
if [ "${1:-}" = "--server" ]; then
  only_server=$2
  shift 2
fi
W=$(mkdir -p "${1:-./pool-work}" && cd "${1:-./pool-work}" && pwd)

UMSEC=${UMSEC:-$repo/bin/umsec}               # the umsec command (a test passes "java -cp ... UmsecCommand")
POOL_SERVERS=${POOL_SERVERS:-3}
POOL_EDGE_ADDR=${POOL_EDGE_ADDR:-127.0.0.10}
POOL_EDGE_PORT=${POOL_EDGE_PORT:-37061}
POOL_PORT_BASE=${POOL_PORT_BASE:-37100}
POOL_MEDIA_BASE=${POOL_MEDIA_BASE:-37400}
POOL_LDAP_PORT=${POOL_LDAP_PORT:-37389}
POOL_PING_INTERVAL=${POOL_PING_INTERVAL:-1}
POOL_DOMAIN=${POOL_DOMAIN:-pool.test}
KAMAILIO=${KAMAILIO:-$(command -v kamailio || echo /usr/sbin/kamailio)}
KAMAILIO_MODULES=${KAMAILIO_MODULES:-$( (ls -d /usr/lib/*/kamailio/modules /usr/lib/kamailio/modules 2>/dev/null || true) | head -1)}

log() { printf 'start-pool: %s\n' "$*"; }
die() { printf 'start-pool: %b\n' "$*" >&2; exit 1; }

server_addr() { echo "127.0.0.$((10 + $1))"; }
server_port() { echo $((POOL_PORT_BASE + $1)); }

# ---- certificates (umsec certs, a lab CA) ------------------------------------------------------------
make_certs() {
  [ -f "$W/certs/ca.crt" ] && return 0
  log "certificates: lab CA 'pool' in $W/ca-store (umsec certs)"
  mkdir -p "$W/certs" "$W/csr" "$W/stores"
  local names=(edge ldap gw1 gw2) n
  for i in $(seq 1 "$POOL_SERVERS"); do names+=("um$i"); done
  for n in "${names[@]}"; do
    local extra=()
    [ "$n" = ldap ] && extra=(--ip 127.0.0.1)   # the servers check the directory's name against its URL
    $UMSEC certs request --store "$W/stores/$n" --dns "$n.$POOL_DOMAIN" "${extra[@]}" --out "$W/csr/$n.csr" >/dev/null
    # COMPUTER profile: server and client authentication (the edge is both; servers and gateways too)
    $UMSEC certs sign --store "$W/ca-store" --ca pool --csr "$W/csr/$n.csr" --out "$W/certs/$n.crt" >/dev/null
  done
  $UMSEC certs export --store "$W/ca-store" --ca pool --out "$W/certs/ca.crt" >/dev/null
  for n in "${names[@]}"; do
    $UMSEC certs trust --store "$W/stores/$n" "$W/certs/ca.crt" >/dev/null
    $UMSEC certs import --store "$W/stores/$n" --signed "$W/certs/$n.crt" >/dev/null
  done
  # Kamailio and slapd read PEM files: their keys as the store keeps them (PKCS#8, 0600)
  for n in edge ldap; do
    install -m 0600 "$(ls "$W/stores/$n/personal/"*.key | head -1)" "$W/certs/$n.key"
  done
}

# ---- the directory (slapd) ---------------------------------------------------------------------------
start_slapd() {
  [ -x "$here/slapd-setup.sh" ] || return 0
  POOL_LDAP_PORT=$POOL_LDAP_PORT "$here/slapd-setup.sh" "$W"
}

# ---- one umsec server --------------------------------------------------------------------------------
write_server_config() {
  local i=$1
  local dir=$W/um$i
  mkdir -p "$dir"
  [ -f "$dir/umsec.yaml" ] && return 0
  local addr port media_low
  addr=$(server_addr "$i"); port=$(server_port "$i")
  media_low=$((POOL_MEDIA_BASE + 200 * (i - 1)))
  {
    if [ -f "$W/directory.yaml" ]; then
      # configured from the directory: dial plans, gateways, this server's FQDN and association come
      # from its umsecServer entry (cn=um$i); the file keeps what is local to this machine
      cat "$W/directory.yaml"
      printf 'server:\n  name: um%s\n' "$i"
    else
      printf 'server:\n  name: um%s\n  fqdn: um%s.%s\n  dialPlans: [dp-pool]\n' "$i" "$i" "$POOL_DOMAIN"
    fi
    cat <<EOF
  bind: $addr
  tlsPort: $port
  admin: $addr:$((port + 100))
  store: $W/stores/um$i
  voicemail: $dir/voicemail
  edgeProxies: [edge.$POOL_DOMAIN]
media:
  portRange: $media_low-$((media_low + 199))
  address: $addr
  advertisedAddress: $addr
EOF
    if [ ! -f "$W/directory.yaml" ]; then
      cat <<EOF
dialPlans:
  - name: dp-pool
    voipSecurity: Secured
gateways:
  - name: gw1
    fqdn: gw1.$POOL_DOMAIN
    port: 5061
    dialPlan: dp-pool
EOF
    fi
  } > "$dir/umsec.yaml.tmp"
  mv "$dir/umsec.yaml.tmp" "$dir/umsec.yaml"
}

start_server() {
  local i=$1
  local dir=$W/um$i
  write_server_config "$i"
  if [ -f "$dir/server.pid" ] && kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
    log "um$i already runs (pid $(cat "$dir/server.pid"))"
    return 0
  fi
  # shellcheck disable=SC2086
  nohup $UMSEC server --config "$dir/umsec.yaml" --log-level INFO >>"$dir/server.log" 2>&1 &
  echo $! > "$dir/server.pid"
  log "um$i: pid $!, SIP over mutual TLS on $(server_addr "$i"):$(server_port "$i"), log $dir/server.log"
}

wait_ready() {  # until the server's mutual-TLS port accepts connections (bash's /dev/tcp: no curl needed)
  local i=$1 addr port
  addr=$(server_addr "$i"); port=$(server_port "$i")
  for _ in $(seq 1 240); do
    if (exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null; then return 0; fi
    kill -0 "$(cat "$W/um$i/server.pid")" 2>/dev/null || die "um$i exited; $W/um$i/server.log ends with:
$(tail -8 "$W/um$i/server.log")"
    sleep 0.5
  done
  die "um$i not listening after 120 s; see $W/um$i/server.log"
}

# ---- kamailio ----------------------------------------------------------------------------------------
start_kamailio() {
  local k=$W/kamailio
  mkdir -p "$k"
  [ -x "$KAMAILIO" ] || die "kamailio not found (apt-get install kamailio kamailio-tls-modules)"
  [ -n "$KAMAILIO_MODULES" ] || die "kamailio modules directory not found"
  : > "$k/dispatcher.list.tmp"
  for i in $(seq 1 "$POOL_SERVERS"); do
    echo "1 sip:$(server_addr "$i"):$(server_port "$i");transport=tls 0 0 name=um$i" >> "$k/dispatcher.list.tmp"
  done
  mv "$k/dispatcher.list.tmp" "$k/dispatcher.list"
  local subst=(-e "s|@WORKDIR@|$W|g" -e "s|@EDGE_ADDR@|$POOL_EDGE_ADDR|g" -e "s|@EDGE_PORT@|$POOL_EDGE_PORT|g"
               -e "s|@MODULES@|$KAMAILIO_MODULES|g" -e "s|@PING_INTERVAL@|$POOL_PING_INTERVAL|g")
  sed "${subst[@]}" "$here/kamailio.cfg" > "$k/kamailio.cfg"
  sed "${subst[@]}" "$here/tls.cfg" > "$k/tls.cfg"
  "$KAMAILIO" -c -f "$k/kamailio.cfg" -Y "$k" >"$k/check.log" 2>&1 || die "kamailio.cfg does not check: $k/check.log"
  if [ -f "$k/kamailio.pid" ] && kill -0 "$(cat "$k/kamailio.pid")" 2>/dev/null; then
    log "kamailio already runs"
    return 0
  fi
  rm -f "$k/kamailio.pid"   # kamailio writes it (-P) and refuses to start over a live one
  nohup "$KAMAILIO" -DD -E -f "$k/kamailio.cfg" -Y "$k" -P "$k/kamailio.pid" -m 64 -M 16 >>"$k/kamailio.log" 2>&1 &
  log "kamailio: pid $!, gateways connect to $POOL_EDGE_ADDR:$POOL_EDGE_PORT (mutual TLS), log $k/kamailio.log"
}

if [ -n "$only_server" ]; then
  start_server "$only_server"
  wait_ready "$only_server"
  exit 0
fi

make_certs
start_slapd
for i in $(seq 1 "$POOL_SERVERS"); do start_server "$i"; done
for i in $(seq 1 "$POOL_SERVERS"); do wait_ready "$i"; done
start_kamailio
log "pool up. Try: $UMSEC load --store $W/stores/gw1 --server-name edge.$POOL_DOMAIN --rate 5 --calls 20 --hold 2 $POOL_EDGE_ADDR:$POOL_EDGE_PORT"
