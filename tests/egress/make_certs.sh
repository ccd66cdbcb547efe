#!/bin/sh
# make_certs.sh DIR: a throw-away PKI for the egress tests, in DIR:
#   ca.pem ca.key              the test CA the runtime is told to trust
#   server.pem server.key      a server cert signed by it (localhost, ai.eu.test, crm.eu.test,
#                              us.test, 127.0.0.1-3; serverAuth)
#   rogue-ca.pem rogue-ca.key  another CA, never trusted
#   rogue.pem rogue.key        a server cert with the same names signed by the rogue CA
# EC P-256 keys, valid 2 days. Quiet on success; on failure prints openssl's output, exits 1.
set -eu
[ $# -eq 1 ] || { echo "usage: make_certs.sh DIR" >&2; exit 2; }
dir=$1
mkdir -p "$dir"
OPENSSL=${OPENSSL:-/usr/bin/openssl}
err="$dir/.make_certs.err"
: >"$err"
trap 'rm -f "$err" "$dir"/server.csr "$dir"/server.ext "$dir"/rogue.csr "$dir"/rogue.ext "$dir"/ca.srl "$dir"/rogue-ca.srl' EXIT

ossl() {
    "$OPENSSL" "$@" >>"$err" 2>&1 || {
        echo "make_certs.sh: openssl $1 failed:" >&2
        cat "$err" >&2
        exit 1
    }
}

# ca NAME CN: a self-signed CA in NAME.pem / NAME.key
ca() {
    ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$1.key"
    ossl req -new -x509 -key "$dir/$1.key" -out "$dir/$1.pem" -days 2 -sha256 \
        -subj "/O=callwarden tests/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash"
}

# leaf NAME CA: a server cert in NAME.pem / NAME.key signed by CA.pem / CA.key
leaf() {
    ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$1.key"
    ossl req -new -key "$dir/$1.key" -out "$dir/$1.csr" -subj "/O=callwarden tests/CN=localhost"
    cat >"$dir/$1.ext" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,DNS:ai.eu.test,DNS:crm.eu.test,DNS:us.test,IP:127.0.0.1,IP:127.0.0.2,IP:127.0.0.3
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
    ossl x509 -req -in "$dir/$1.csr" -CA "$dir/$2.pem" -CAkey "$dir/$2.key" \
        -CAcreateserial -out "$dir/$1.pem" -days 2 -sha256 -extfile "$dir/$1.ext"
}

ca ca "callwarden test CA"
leaf server ca
ca rogue-ca "rogue CA"
leaf rogue rogue-ca
chmod 600 "$dir"/*.key
