#!/bin/sh
# demo.sh [BUILD_DIR [OUT]] - what `make demo` runs: the sensor on
# pcaps/situation.pcap (made by tests/tools/gen_pcaps.py, see pcaps/README.md)
# with the project's rules (rules/), its test GeoIP/ASN databases and asset
# map (tests/data/), so the events show alerts, geo/ASN and asset context,
# cross-border risks, nDPI risks and new assets. The run summary goes to
# stderr, the events (JSON lines) to OUT (default BUILD_DIR/demo.json), and
# the last line says where they went.
set -e
cd "$(dirname "$0")/../.."
B=${1:-build}
OUT=${2:-$B/demo.json}
rm -f "$OUT"                                # -o appends, like Suricata's eve.json
set --
for f in rules/*.rules; do set -- "$@" -S "$f"; done
"$B/taishi" -r pcaps/situation.pcap -w 2 "$@" -o "$OUT" --summary --set sensor-id=demo \
    --set "detect.cache-dir=$B/cache" \
    --set enrich.geoip.city=tests/data/taishi-test-city.mmdb \
    --set enrich.geoip.asn=tests/data/taishi-test-asn.mmdb \
    --set enrich.assets=tests/data/assets.csv
echo "taishi demo: $(wc -l <"$OUT") events (JSON lines) in $OUT; the alerts: grep '\"event_type\":\"alert\"' $OUT"
