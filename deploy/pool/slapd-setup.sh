#!/usr/bin/env bash
# The pool's directory: an unprivileged-path slapd (OpenLDAP 2.5, Debian's slapd package) under
# WORKDIR/slapd, with its own cn=config made here by slapadd (nothing of /etc/ldap/slapd.d is used or
# touched, the system slapd service stays off), umsec's schema from um-directory, and the pool's
# entries: dial plan dp-pool (Secured), gateway gw1, servers um1..umN. StartTLS with the pool CA's
# certificate for ldap.pool.test / 127.0.0.1; content sync (syncprov) so that the servers see changes
# at once. Called by start-pool.sh; idempotent (an existing WORKDIR/slapd/slapd.d is kept).
#
#   deploy/pool/slapd-setup.sh WORKDIR
#
# Writes WORKDIR/directory.yaml, the directory: section every server's umsec.yaml starts with, and
# WORKDIR/slapd/admin.password (the directory manager, cn=admin,dc=pool,dc=test: ldapadd/ldapmodify)
# and WORKDIR/slapd/umsec.password (cn=umsec,dc=pool,dc=test: read-only, what the servers bind as).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
W=$(cd "${1:?usage: slapd-setup.sh WORKDIR}" && pwd)
S=$W/slapd
POOL_LDAP_PORT=${POOL_LDAP_PORT:-37389}
POOL_SERVERS=${POOL_SERVERS:-3}
POOL_DOMAIN=${POOL_DOMAIN:-pool.test}
SLAPD=${SLAPD:-/usr/sbin/slapd}
SCHEMA=$repo/um-directory/src/main/resources/org/umsec/directory/umsec-schema.ldif
BASE="dc=pool,dc=test"

log() { printf 'slapd-setup: %s\n' "$*"; }
die() { printf 'slapd-setup: %s\n' "$*" >&2; exit 1; }

[ -x "$SLAPD" ] || die "slapd not found (apt-get install slapd ldap-utils)"
[ -f "$SCHEMA" ] || die "umsec schema not found: $SCHEMA"
modules=$( (ls -d /usr/lib/ldap /usr/lib/*/ldap 2>/dev/null || true) | head -1)
[ -n "$modules" ] || die "OpenLDAP modules (back_mdb) not found"

secret() {  # a random password in a 0600 file
  [ -f "$1" ] || (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=\n' > "$1")
}

if [ ! -d "$S/slapd.d" ]; then
  mkdir -p "$S/slapd.d" "$S/db"
  chmod 700 "$S"
  secret "$S/admin.password"
  secret "$S/umsec.password"
  # GnuTLS (Debian's slapd) cannot use the JDK's PKCS#8 encoding of an EC key, which leaves out the
  # optional public key ("ASN1 parser: Element was not found"): OpenSSL rewrites it with the public key
  # (SEC 1 form); an RSA key is used as it is
  key=$W/certs/ldap.key
  if command -v openssl >/dev/null 2>&1 \
      && (umask 077 && openssl ec -in "$W/certs/ldap.key" -out "$S/ldap.key" 2>/dev/null); then
    key=$S/ldap.key
  fi
  admin_hash=$(/usr/sbin/slappasswd -T "$S/admin.password")
  umsec_hash=$(/usr/sbin/slappasswd -T "$S/umsec.password")
  cat > "$S/config.ldif" <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $S/slapd.pid
olcArgsFile: $S/slapd.args
olcTLSCertificateFile: $W/certs/ldap.crt
olcTLSCertificateKeyFile: $key
olcTLSCACertificateFile: $W/certs/ca.crt
olcTLSProtocolMin: 3.3
olcLogLevel: none

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: $modules
olcModuleLoad: back_mdb
olcModuleLoad: syncprov

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcSizeLimit: 5000

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcDbDirectory: $S/db
olcSuffix: $BASE
olcRootDN: cn=admin,$BASE
olcRootPW: $admin_hash
olcDbMaxSize: 104857600
olcDbIndex: objectClass eq
olcDbIndex: entryCSN,entryUUID eq
olcSecurity: tls=1
olcAccess: {0}to attrs=userPassword by self =xw by anonymous auth by * none
olcAccess: {1}to * by dn.exact="cn=umsec,$BASE" read by * none

dn: olcOverlay={0}syncprov,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcSyncProvConfig
olcOverlay: {0}syncprov
EOF
  /usr/sbin/slapadd -n 0 -F "$S/slapd.d" -l "$S/config.ldif" >/dev/null
  /usr/sbin/slapadd -n 0 -F "$S/slapd.d" -l "$SCHEMA" >/dev/null
  {
    cat <<EOF
dn: $BASE
objectClass: dcObject
objectClass: organization
dc: pool
o: umsec pool

dn: cn=umsec,$BASE
objectClass: simpleSecurityObject
objectClass: organizationalRole
cn: umsec
description: what the umsec servers bind as (read-only)
userPassword: $umsec_hash

EOF
    sed -e "s/@BASE@/$BASE/g" -e "s/@DOMAIN@/$POOL_DOMAIN/g" "$here/pool.ldif"
    for i in $(seq 1 "$POOL_SERVERS"); do
      cat <<EOF

dn: cn=um$i,ou=servers,ou=umsec,$BASE
objectClass: umsecServer
cn: um$i
umsecFqdn: um$i.$POOL_DOMAIN
umsecDialPlanName: dp-pool
EOF
    done
  } > "$S/entries.ldif"
  /usr/sbin/slapadd -n 1 -F "$S/slapd.d" -l "$S/entries.ldif" >/dev/null
  log "created $S (cn=config, umsec schema, entries under ou=umsec,$BASE)"
fi

cat > "$W/directory.yaml.tmp" <<EOF
directory:
  url: ldap://127.0.0.1:$POOL_LDAP_PORT
  bindDn: cn=umsec,$BASE
  password: file:$S/umsec.password
  baseDn: ou=umsec,$BASE
  tls: {mode: starttls, ca: $W/certs/ca.crt}
EOF
mv "$W/directory.yaml.tmp" "$W/directory.yaml"

if [ -f "$S/slapd.pid" ] && kill -0 "$(cat "$S/slapd.pid")" 2>/dev/null; then
  log "slapd already runs (pid $(cat "$S/slapd.pid"))"
  exit 0
fi
rm -f "$S/slapd.pid"
# -d 0: in the foreground (no debug output), so that its start-up errors land in slapd.log
nohup "$SLAPD" -h "ldap://127.0.0.1:$POOL_LDAP_PORT/" -F "$S/slapd.d" -s 0 -d 0 >"$S/slapd.log" 2>&1 &
for _ in $(seq 1 300); do   # until it accepts connections (it writes its pid file before it listens)
  [ -s "$S/slapd.pid" ] && (exec 3<>"/dev/tcp/127.0.0.1/$POOL_LDAP_PORT") 2>/dev/null && break
  sleep 0.1
done
[ -s "$S/slapd.pid" ] || die "slapd did not start within 30 s: $(tail -5 "$S/slapd.log")"
log "slapd: pid $(cat "$S/slapd.pid"), ldap://127.0.0.1:$POOL_LDAP_PORT (StartTLS required), base $BASE"
log "change entries with: LDAPTLS_CACERT=$W/certs/ca.crt ldapmodify -ZZ -x -H ldap://127.0.0.1:$POOL_LDAP_PORT -D cn=admin,$BASE -y $S/admin.password"
