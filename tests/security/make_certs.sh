#!/bin/bash
# Writes throw-away test certificates into DIR (valid 1 day, EC P-256):
#   ca.pem/ca.key             the CA the server and client trust
#   server.pem/server.key     signed by ca, for 127.0.0.1 and localhost
#   client.pem/client.key     signed by ca (mutual TLS)
#   rogue-ca.pem, rogue-client.pem/.key   a client signed by another CA
set -euo pipefail
dir=$1
cd "$dir"

new_ca() {  # NAME
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -days 1 -subj "/CN=execd test $1" -keyout "$1.key" -out "$1.pem" \
    2>/dev/null
}

new_leaf() {  # NAME CA EXTENSIONS
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=execd test $1" -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" \
    -CAcreateserial -days 1 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

new_ca ca
new_ca rogue-ca
new_leaf server ca "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth
basicConstraints=CA:FALSE"
new_leaf client ca "extendedKeyUsage=clientAuth
basicConstraints=CA:FALSE"
new_leaf rogue-client rogue-ca "extendedKeyUsage=clientAuth
basicConstraints=CA:FALSE"
