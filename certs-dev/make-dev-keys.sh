#!/bin/sh
# Generate the (public, dev-only) keys of the development PKI. Run once; existing
# keys are kept so that certificates stay stable. NEVER use these keys for anything real.
set -eu
cd "$(dirname "$0")/keys-dev-only"
AGENCIES="ubnd vp stttt stc ubndvt ubndct"
rsa() { [ -f "$1.dev-only.key.pem" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.dev-only.key.pem" 2>/dev/null; }
p256() { [ -f "$1.dev-only.key.pem" ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.dev-only.key.pem"; }
rsa root
rsa tsa
for a in $AGENCIES; do
  rsa "ca-$a"; rsa "ocsp-$a"; rsa "$a-seal"; rsa "$a-leader"; rsa "$a-specialist"
done
p256 stttt-leader-p256
p256 stttt-seal-p256
rsa revoked-signer
rsa expired-signer
