#!/bin/bash
# Usage: certs.sh DIR
# Makes a throw-away test PKI in DIR (OpenSSL 3.0, Debian 12):
#   ca.key ca.pem                 test CA (trust anchor for clients: --cacert/--cafile/ca:)
#   server.key server.pem         server cert signed by CA, SAN IP:127.0.0.1, IP:::1, DNS:localhost (valid 30 d)
#   expired.key expired.pem       same SANs, signed by CA, validity 2020-01-01..2020-01-02 (expired)
#   notyet.pem (key expired.key)  same SANs, signed by CA, validity 2099-01-01..2099-12-31 (not yet valid)
#   wronghost.key wronghost.pem   signed by CA, SAN DNS:wrong.example only (hostname mismatch)
#   untrusted.key untrusted.pem   self-signed, right SANs, NOT signed by CA (untrusted issuer)
# OpenSSL 3.0 has no `x509 -not_before/-not_after` (3.4+) and rejects `-days` <= 0,
# so dated certs are issued with `openssl ca -startdate/-enddate`.
set -euo pipefail
D=${1:?usage: certs.sh DIR}
mkdir -p "$D"; cd "$D"
SAN='subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost'
ossl() { openssl "$@" 2>/dev/null; }
key() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; chmod 600 "$1"; }

key ca.key
ossl req -x509 -new -key ca.key -sha256 -days 3650 -subj '/CN=tmsp-test CA' \
  -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
  -addext 'subjectKeyIdentifier=hash' -out ca.pem

cat > ext.cnf <<EOF
[srv]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
$SAN
[wrong]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:wrong.example
EOF

key server.key
ossl req -new -key server.key -subj '/CN=localhost' -out server.csr
ossl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -sha256 \
  -extfile ext.cnf -extensions srv -out server.pem

key wronghost.key
ossl req -new -key wronghost.key -subj '/CN=wrong.example' -out wronghost.csr
ossl x509 -req -in wronghost.csr -CA ca.pem -CAkey ca.key -CAserial ca.srl -days 30 -sha256 \
  -extfile ext.cnf -extensions wrong -out wronghost.pem

key untrusted.key
ossl req -x509 -new -key untrusted.key -sha256 -days 30 -subj '/CN=localhost' -addext "$SAN" -out untrusted.pem

# expired / not-yet-valid via `openssl ca`
mkdir -p ca.db; : > ca.db/index.txt; echo 1000 > ca.db/serial
cat > ca.cnf <<EOF
[ca]
default_ca=tca
[tca]
dir=$D/ca.db
database=\$dir/index.txt
serial=\$dir/serial
new_certs_dir=\$dir
certificate=$D/ca.pem
private_key=$D/ca.key
default_md=sha256
policy=pol
unique_subject=no
copy_extensions=none
x509_extensions=srv
[pol]
commonName=supplied
[srv]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
$SAN
EOF
key expired.key
ossl req -new -key expired.key -subj '/CN=localhost' -out expired.csr
ossl ca -batch -config ca.cnf -notext -startdate 20200101000000Z -enddate 20200102000000Z \
  -in expired.csr -out expired.pem
ossl ca -batch -config ca.cnf -notext -startdate 20990101000000Z -enddate 20991231235959Z \
  -in expired.csr -out notyet.pem
chmod 644 *.pem
