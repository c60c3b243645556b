#!/bin/sh
# gen_tlcp_certs.sh DIR - how the SM2 certificates of the TLCP test data were
# made (tests/data/tlcp-sign.der, tests/data/tlcp-enc.der, used by
# tests/tools/gen_tlcp_pcap.py): a test CA with an SM2 key (OpenSSL 3's
# SM2 curve) signs, with SM3, a signing and an encryption certificate, the
# two a TLCP server sends (GB/T 38636-2020). Run once; a new run makes new
# keys (new fingerprints): regenerate the capture and its golden with them.
set -e
d=${1:-.}
cd "$d"
for n in ca sign enc; do openssl genpkey -algorithm SM2 -out $n.key 2>/dev/null; done
openssl req -new -x509 -key ca.key -sm3 -days 3650 -set_serial 0x5A00 \
    -subj "/C=CN/ST=Fujian/O=Taishi Test/CN=Taishi Test SM2 CA" -out ca.pem
for n in sign enc; do
    case $n in sign) s=0x5A01 u=Sign ;; enc) s=0x5A02 u=Encrypt ;; esac
    openssl req -new -key $n.key -sm3 -subj "/C=CN/ST=Fujian/O=Taishi Test/OU=$u/CN=tlcp.taishi.example" -out $n.csr
    openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -sm3 -days 3650 -set_serial $s -out $n.pem 2>/dev/null
    openssl x509 -in $n.pem -outform DER -out tlcp-$n.der
    openssl x509 -in $n.pem -noout -subject -issuer -serial -fingerprint -dates
done
openssl x509 -in ca.pem -outform DER -out tlcp-ca.der
