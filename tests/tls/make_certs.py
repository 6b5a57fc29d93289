#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Makes throw-away certificates for the scripted TLS tests (ctest fixture).

    make_certs.py OUTDIR

Writes into OUTDIR (created if needed), with the openssl command:
  ca.pem, ca.key          a test CA
  server.pem, server.key  signed by it: CN localhost, subjectAltName
                          DNS:localhost, DNS:mail.ip-smtpc.test, IP:127.0.0.1
  other-ca.pem            an unrelated CA (for "certificate not trusted")
All valid for 2 days; existing files younger than a day are kept.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

CA_CNF = """[req]
distinguished_name = dn
x509_extensions = v3_ca
prompt = no
[dn]
CN = {cn}
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
"""

SERVER_EXT = """basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, DNS:mail.ip-smtpc.test, IP:127.0.0.1
"""


def _openssl(*args: str) -> None:
    r = subprocess.run(["openssl", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        sys.stderr.write(f"openssl {' '.join(args)} failed:\n{r.stdout.decode(errors='replace')}")
        sys.exit(1)


def _make_ca(out: str, name: str, cn: str) -> None:
    cnf = os.path.join(out, f"{name}.cnf")
    with open(cnf, "w", encoding="ascii") as f:
        f.write(CA_CNF.format(cn=cn))
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
             "-config", cnf, "-keyout", os.path.join(out, f"{name}.key"), "-out", os.path.join(out, f"{name}.pem"))


def main() -> int:
    if len(sys.argv) != 2:
        sys.stderr.write("usage: make_certs.py OUTDIR\n")
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    names = ("ca.pem", "server.pem", "server.key", "other-ca.pem")
    paths = [os.path.join(out, n) for n in names]
    if all(os.path.exists(p) and time.time() - os.path.getmtime(p) < 86400 for p in paths):
        print(f"certificates in {out} are fresh")
        return 0
    _make_ca(out, "ca", "ip-smtpc scripted test CA")
    _make_ca(out, "other-ca", "ip-smtpc unrelated CA")
    key, csr, ext = (os.path.join(out, n) for n in ("server.key", "server.csr", "server.ext"))
    with open(ext, "w", encoding="ascii") as f:
        f.write(SERVER_EXT)
    _openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-subj", "/CN=localhost",
             "-out", csr)
    _openssl("x509", "-req", "-sha256", "-days", "2", "-in", csr, "-CA", os.path.join(out, "ca.pem"),
             "-CAkey", os.path.join(out, "ca.key"), "-CAcreateserial", "-extfile", ext,
             "-out", os.path.join(out, "server.pem"))
    print(f"certificates written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
