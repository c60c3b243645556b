#!/bin/bash
# app_risks_check.sh TAISHI - the parsers' weaknesses (risk events with
# source "app") and what they teach the asset inventory, on the generated
# captures: each capture gives exactly the risk names listed below (so a
# name shows on the capture that has the weakness and on none that does
# not), risk.app switches them, and the asset events carry the parsers'
# objects (smb, krb5, mqtt, rdp) and the DHCP-named hosts.
# Prints one line per check; exit 1 when any fails.
set -u
cd "$(dirname "$0")/.."
T=$1
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
rc=0
names() {   # the app risk names of an event file, sorted, space-separated
    python3 -c 'import json, sys
n = set()
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "risk" and e["risk"].get("source") == "app":
        n.update(e["risk"]["names"])
print(" ".join(sorted(n)))' "$1"
}
while read -r pcap want; do
    case $pcap in ''|'#'*) continue ;; esac
    "$T" -r "pcaps/$pcap" -w 1 >"$TMP/ev.json" 2>/dev/null || { echo "$pcap: taishi failed"; rc=1; continue; }
    got=$(names "$TMP/ev.json")
    [ "$want" = "-" ] && want=""
    if [ "$got" = "$want" ]; then echo "$pcap: risks [$got]"; else echo "$pcap: risks [$got], want [$want]"; rc=1; fi
done <<'CASES'
app-snmp.pcap   snmp_default_community
app-smb1.pcap   smb1_in_use smb_signing_disabled
app-smb2.pcap   -
app-dcerpc.pcap -
app-krb5.pcap   krb5_weak_encryption
app-mqtt.pcap   mqtt_cleartext_credentials
mail-ftp.pcap   -
rules-ftp.pcap  ftp_cleartext_credentials
app-rdp.pcap    rdp_no_nla
app-dhcp.pcap   -
app-sip.pcap    -
app-rfb.pcap    -
CASES

# risk.app switches each weakness: only the ones listed are written
"$T" -r pcaps/app-smb1.pcap -w 1 --set 'risk.app=[smb1_in_use]' >"$TMP/ev.json" 2>/dev/null
got=$(names "$TMP/ev.json")
if [ "$got" = "smb1_in_use" ]; then echo "risk.app=[smb1_in_use]: ok"; else echo "risk.app=[smb1_in_use]: got [$got]"; rc=1; fi
"$T" -r pcaps/app-snmp.pcap -w 1 --set 'risk.app=[]' >"$TMP/ev.json" 2>/dev/null
got=$(names "$TMP/ev.json")
if [ -z "$got" ]; then echo "risk.app=[]: ok"; else echo "risk.app=[]: got [$got]"; rc=1; fi

# the asset events: what each parser taught about its server, and DHCP's hosts
while read -r pcap path value; do
    case $pcap in ''|'#'*) continue ;; esac
    "$T" -r "pcaps/$pcap" -w 1 --events asset >"$TMP/ev.json" 2>/dev/null
    if python3 -c 'import json, sys
path, want = sys.argv[2].split("."), sys.argv[3]
for l in open(sys.argv[1]):
    o = json.loads(l)["asset"]
    for k in path:
        o = o.get(k) if isinstance(o, dict) else None
    if o is not None and str(o) == want:
        sys.exit(0)
sys.exit(1)' "$TMP/ev.json" "$path" "$value"; then echo "$pcap: asset $path = $value"
    else echo "$pcap: no asset with $path = $value"; rc=1; fi
done <<'CASES'
app-smb1.pcap   smb.dialect        NT LM 0.12
app-smb1.pcap   smb.signing        disabled
app-smb1.pcap   smb.native_os      Windows Server 2003 3790
app-smb2.pcap   smb.dialect        3.02
app-smb2.pcap   smb.domain         CORP
app-krb5.pcap   krb5.realm         EXAMPLE.GOV
app-mqtt.pcap   mqtt.protocol_version 4
app-rdp.pcap    rdp.protocol       rdp
app-dhcp.pcap   hostname           ws-finance-07
app-dhcp.pcap   role               host
CASES
# an anonymous FTP login is no credential (mail-ftp.pcap above)
exit $rc
