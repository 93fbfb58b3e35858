#!/usr/bin/env bash
# scripts/make-fixtures.sh - (re)make the real packet-capture fixtures in fixtures/.
#
# usage: sudo scripts/make-fixtures.sh [smb|crafted|kerberos|bulk|transports|ending|auth-ending|encryption|refusals|quic]
#
# Developers only (CI never runs this): needs root (network namespaces, veth pairs, tcpdump) and the Debian 12
# packages samba smbclient samba-ad-dc krb5-user krb5-kdc tcpdump tshark libnss-wrapper ethtool iproute2.
# Runs scripts/fixtures/smb.sh, crafted.sh (rewrites of real captures for what no stack here can be
# made to do, labelled crafted), kerberos.sh and bulk.sh (the benchmark's seeds: bulk READ/WRITE and
# unrelated traffic), transports.sh (tunnels, other protocols on SMB's path, capture loss, pre-TCP
# transports; after smb.sh, whose smb311-ok.pcap it reuses) ending.sh (connections that end
# without an error status) and auth-ending.sh (authentication that ends without an SMB error: NTLMv1,
# RC4-only Kerberos, IP targets, unreachable KDCs, ICMP-refused SYNs; needs nftables, ldb-tools,
# faketime, python3-impacket) and encryption.sh (SMB 3 encryption
# for decryption: every dialect and cipher, failing tree connects inside TRANSFORM messages, a logon failure, a
# Kerberos session with its keytab; writes the secrets next to the captures)
# and refusals.sh (a session the server deleted, DFS paths without and with a referral,
# dialect ranges refused both ways; python3-impacket)
# and quic.sh (SMB over QUIC handshakes: Debian's ngtcp2 examples with ALPN "smb"; needs ngtcp2-server
# ngtcp2-client gcc nftables), or only the one named.
# Each part runs as its own bash process that sources scripts/fixtures/lib.sh; it makes its own network
# namespaces (smbfx-* / krbfx-* / encfx-* ...), temp dir and processes and removes them on exit, even on failure.
# Nothing is written under /etc (users and hosts come from nss_wrapper files in the temp dir).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
export FX_REPO="$repo"
export FX_OUT="${FX_OUT:-$repo/fixtures}"

[ "$(id -u)" = 0 ] || { echo "make-fixtures.sh: must be run as root" >&2; exit 1; }

case "${1:-all}" in
  all) parts=(smb crafted kerberos bulk transports ending auth-ending encryption refusals quic) ;;
  smb|crafted|kerberos|bulk|transports|ending|auth-ending|encryption|refusals|quic) parts=("$1") ;;
  -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
  *) echo "usage: $0 [smb|crafted|kerberos|bulk|transports|ending|auth-ending|encryption|refusals|quic]" >&2; exit 2 ;;
esac

for part in "${parts[@]}"; do
  script="$here/fixtures/$part.sh"
  if [ ! -f "$script" ]; then
    if [ "${1:-all}" = all ]; then
      echo "make-fixtures.sh: $script not found, skipping $part" >&2
      continue
    fi
    echo "make-fixtures.sh: $script not found" >&2
    exit 1
  fi
  echo "make-fixtures.sh: running $part.sh" >&2
  bash "$script"
done

total=$(du -sk "$FX_OUT" | cut -f1)
echo "make-fixtures.sh: done; $FX_OUT holds $(find "$FX_OUT" -type f | wc -l) files, ${total} KiB" >&2
[ "$total" -le 4096 ] || echo "make-fixtures.sh: WARNING: fixtures exceed 4 MiB (keep them small: they live in git)" >&2
