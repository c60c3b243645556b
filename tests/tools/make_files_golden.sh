#!/bin/bash
# make_files_golden.sh - the expected files of the project's captures:
# Suricata 7.0.10 with its shipped suricata.yaml, changed only in the EVE
# `files` output (force-magic: yes, force-hash: [md5, sha1, sha256]; the
# defaults log neither), no rules, on each capture below, its fileinfo
# events saved as tests/golden/files/<capture>.suricata.tsv
# (tests/tools/files_tsv.py format: sender, receiver, tx_id, filename, size,
# state, gaps, md5, sha1, sha256, magic). tests/run.sh holds taishi's files
# (with files.hash=[md5, sha1, sha256]) against them, byte for byte.
#   usage: tests/tools/make_files_golden.sh [--check]
#     --check: write nothing, compare with the saved files instead (exit 1
#              on any difference)
# Also the alerts of tests/data/file-rules/files.rules (the file keywords)
# on files-http.pcap, as tests/golden/files/files-http.pcap.rules.suricata.tsv
# (sid and addresses: tests/tools/alerts_tsv.py's first five columns, sorted).
# Regenerate the captures first when gen_file_pcaps.py changed.
# Owned by tests/tools/; writes only tests/golden/files/.
set -euo pipefail
cd "$(dirname "$0")/../.."
CHECK=0
[ "${1:-}" = --check ] && CHECK=1
suricata -V | grep -q ' 7\.0\.10 ' || { echo "make_files_golden: Suricata 7.0.10 required (tests/tools/install-deps.sh)"; exit 1; }
DEST=tests/golden/files
mkdir -p "$DEST"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
sed -e 's/^\( *\)force-magic: no.*/\1force-magic: yes/' \
    -e 's/^\( *\)#force-hash: \[md5\]/\1force-hash: [md5, sha1, sha256]/' \
    /etc/suricata/suricata.yaml >"$TMP/suricata.yaml"
grep -q 'force-hash: \[md5, sha1, sha256\]' "$TMP/suricata.yaml" ||
    { echo "make_files_golden: could not set force-hash in suricata.yaml"; exit 1; }
: >"$TMP/empty.rules"
fail=0
for p in pcaps/files-http.pcap pcaps/demo.pcap pcaps/situation.pcap pcaps/rules-http.pcap \
         pcaps/app-nfs-udp.pcap pcaps/app-nfs-files.pcap pcaps/app-smb1-files.pcap; do
    n=$(basename "$p")
    mkdir -p "$TMP/$n"
    suricata -c "$TMP/suricata.yaml" -S "$TMP/empty.rules" -r "$p" -l "$TMP/$n" -k none \
        --runmode single >"$TMP/$n.log" 2>&1 || { tail -5 "$TMP/$n.log"; exit 1; }
    python3 tests/tools/files_tsv.py "$TMP/$n/eve.json" >"$TMP/$n.tsv"
    if [ $CHECK = 1 ]; then
        if ! cmp -s "$TMP/$n.tsv" "$DEST/$n.suricata.tsv"; then
            echo "make_files_golden: $n: Suricata's files differ from $DEST/$n.suricata.tsv"
            diff "$DEST/$n.suricata.tsv" "$TMP/$n.tsv" | head -10
            fail=1
        fi
    else
        cp "$TMP/$n.tsv" "$DEST/$n.suricata.tsv"
    fi
    printf '%-24s %3d files\n' "$n" "$(wc -l <"$TMP/$n.tsv")"
done
n=files-http.pcap
tests/tools/suricata_run.sh "pcaps/$n" tests/data/file-rules/files.rules "$TMP/rules" 2>/dev/null |
    cut -f1-5 | sort >"$TMP/rules.tsv"
if [ $CHECK = 1 ]; then
    cmp -s "$TMP/rules.tsv" "$DEST/$n.rules.suricata.tsv" ||
        { echo "make_files_golden: file rules: Suricata's alerts differ"; diff "$DEST/$n.rules.suricata.tsv" "$TMP/rules.tsv" | head; fail=1; }
else
    cp "$TMP/rules.tsv" "$DEST/$n.rules.suricata.tsv"
fi
printf '%-24s %3d alerts of the file rules\n' "$n" "$(wc -l <"$TMP/rules.tsv")"
exit $fail
