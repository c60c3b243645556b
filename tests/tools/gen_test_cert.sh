#!/bin/sh
# gen_test_cert.sh - how the certificate embedded in tests/unit/test_app_tls.c
# was made (run once at test-writing time; a new run makes a new key, so the
# fingerprint the test expects would change: paste the new array and the
# new openssl output into the test together).
set -e
d=$(mktemp -d)
openssl req -x509 -newkey rsa:1024 -nodes -keyout "$d/k.pem" -out "$d/c.pem" -days 3650 \
    -subj "/C=CN/ST=Fujian/L=Fuzhou/O=Taishi Test/OU=Sensors/CN=test.taishi.example" \
    -set_serial 0x0A1B2C3D4E5F 2>/dev/null
openssl x509 -in "$d/c.pem" -outform DER -out "$d/c.der"
openssl x509 -in "$d/c.pem" -noout -subject -issuer -serial -fingerprint -dates
(cd "$d" && xxd -i c.der)
rm -rf "$d"
