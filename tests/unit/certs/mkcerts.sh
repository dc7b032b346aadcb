#!/bin/sh
# mkcerts.sh - regenerates the certificate fixtures of test_cert and
# test_registry with GnuTLS certtool. The outputs are committed, so the
# unit tests never need certtool; rerun this only to change a fixture.
# Fixed dates and serials keep the tests' expected values stable; the
# *.fp files hold SHA-256 fingerprints computed by openssl, an independent
# implementation, to check cert.c against.
set -eu
cd "$(dirname "$0")"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

key() { certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
	--no-text --outfile "$1" 2>/dev/null; }

# $1 name, $2 issuer name (or "self"), then template lines on stdin.
mk() {
	key "$t/$1.key"
	{
		echo 'activation_date = "2024-01-01 00:00:00 UTC"'
		echo 'expiration_date = "2036-01-01 00:00:00 UTC"'
		cat
	} > "$t/$1.tmpl"
	if [ "$2" = self ]; then
		certtool --generate-self-signed --load-privkey "$t/$1.key" \
			--template "$t/$1.tmpl" --no-text --outfile "$1.pem" 2>/dev/null
	else
		certtool --generate-certificate --load-privkey "$t/$1.key" \
			--load-ca-certificate "$2.pem" --load-ca-privkey "$t/$2.key" \
			--template "$t/$1.tmpl" --no-text --outfile "$1.pem" 2>/dev/null
	fi
	openssl x509 -in "$1.pem" -noout -fingerprint -sha256 |
		sed 's/^.*=//' > "$1.fp"
	openssl x509 -in "$1.pem" -outform der | openssl dgst -sha256 -binary |
		basenc --base64url | tr -d '=\n' > "$1.x5t"
	echo >> "$1.x5t"
}

mk ca self <<'T'
cn = "Service CA"
organization = "Example"
serial = 1
ca
cert_signing_key
T
mk otherca self <<'T'
cn = "Service CA"
organization = "Other"
serial = 2
ca
cert_signing_key
T
mk billing ca <<'T'
cn = "billing"
organization = "Example"
serial = 0x1234abcd
uri = "spiffe://example.test/billing"
dns_name = "billing.svc"
dns_name = "Billing.Example.TEST"
tls_www_client
signing_key
T
# Same CN and SAN as billing from another CA with a look-alike DN: the
# issuer rule tells them apart.
mk impostor otherca <<'T'
cn = "billing"
organization = "Example"
serial = 3
uri = "spiffe://example.test/billing"
dns_name = "billing.svc"
tls_www_client
signing_key
T
mk cnonly ca <<'T'
cn = "reports"
serial = 4
tls_www_client
signing_key
T
# Matches two services (the URI of one, the DNS name of another).
mk twosvc ca <<'T'
cn = "two"
serial = 5
uri = "spiffe://example.test/audit"
dns_name = "search.svc"
tls_www_client
signing_key
T
# 65 SAN URIs: one over cert.c's limit of 64 per kind.
{
	echo 'cn = "many-uris"'
	echo 'serial = 6'
	i=0; while [ $i -lt 65 ]; do echo "uri = \"spiffe://t/$i\""; i=$((i+1)); done
} | mk uris65 ca
# 1000 short SAN DNS names. certtool templates stop at 128 entries of a
# kind, so openssl signs this one with the same CA key.
key "$t/dns1000.key"
i=0; sans="DNS:d0.t"
while [ $i -lt 999 ]; do i=$((i+1)); sans="$sans,DNS:d$i.t"; done
printf 'subjectAltName=%s\n' "$sans" > "$t/dns1000.ext"
openssl req -new -key "$t/dns1000.key" -subj /CN=many-dns -out "$t/dns1000.csr"
openssl x509 -req -in "$t/dns1000.csr" -CA ca.pem -CAkey "$t/ca.key" \
	-set_serial 7 -days 3650 -extfile "$t/dns1000.ext" \
	-out dns1000.pem 2>/dev/null
# Exactly 64 of each: the largest certificate that is accepted.
{
	echo 'cn = "max-sans"'
	echo 'serial = 8'
	i=0; while [ $i -lt 64 ]; do
		echo "uri = \"spiffe://t/$i\""; echo "dns_name = \"d$i.t\""; i=$((i+1))
	done
} | mk sans64 ca

# The CA's subjectKeyIdentifier: the AKI of every certificate it issued.
openssl x509 -in ca.pem -noout -ext subjectKeyIdentifier | sed -n 2p |
	tr -d ' :\n' | tr A-F a-f > ca.ski
echo >> ca.ski

# Hostile inputs.
cat billing.pem cnonly.pem > two-certs.pem
cp "$t/billing.key" privkey.pem
head -c 300 billing.pem > truncated.pem
{ cat billing.pem; echo 'trailing garbage'; } > trailing.pem
