#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""smtpc checks that need no server (issue 17; ctest label "c"), one case per run:

    cli_checks.py --smtpc build/smtpc --srcdir . --case NAME [--tls ON|OFF]
                  [--resolver-shim build/libsmtpc_fake_resolver.so]

Cases:
  version       --version: exit 0, nothing on stderr; "smtpc X" with X the
                CMake project version, the library version of Cargo.toml and
                its default features, the TLS library (mbed TLS and its
                version with --tls ON, "not built" with --tls OFF)
  refused       a closed loopback port: exit 75, "connection refused by 127.0.0.1:PORT"
  dns_tempfail  a name whose lookup fails temporarily (the fake_resolver
                shim, LD_PRELOAD): exit 75, "cannot resolve NAME: Temporary ..."
  dns_unknown   a name that does not exist (same shim): exit 3, "cannot resolve NAME"
  man_options   every option in --help is in smtpc.1 and the reverse
  install       cmake --install --component smtpc into a temporary prefix:
                bin/smtpc (runs --version) and share/man/man1/smtpc.1
  man_lint      smtpc.1 is clean under mandoc -Tlint (or groff -w all when
                mandoc is missing)

Exit status: 0 passed, 1 failed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
from typing import List, Set


def fail(msg: str) -> None:
    print(f"FAIL: {msg}")
    sys.exit(1)


def run(cmd: List[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)


def read(path: str) -> str:
    with open(path, "r", encoding="utf-8") as f:
        return f.read()


def case_version(a: argparse.Namespace) -> None:
    p = run([a.smtpc, "--version"])
    out = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0 or p.stderr:
        fail(f"--version: exit {p.returncode}, stderr {p.stderr!r}")
    # The CMake project's version (smtpc's) is read from Cargo.toml too.
    cargo = read(os.path.join(a.srcdir, "Cargo.toml"))
    lib = re.search(r'(?m)^version = "([^"]+)"', cargo)
    project = lib
    full = re.search(r"(?m)^full = \[(.*)\]", cargo)
    if not lib or not full:
        fail("cannot find the version and the full feature set in Cargo.toml")
    feats = ", ".join(x.strip().strip('"') for x in full.group(1).split(","))
    lines = out.splitlines()
    want = [
        f"smtpc {project.group(1)}",
        f"library: ip-smtpc {lib.group(1)} (cargo features: full ({feats});",
        "auth: PLAIN, LOGIN" + (", CRAM-MD5" if "cram-md5" in feats.split(", ") else "")
        + (", XOAUTH2, OAUTHBEARER" if "oauth" in feats.split(", ") else ""),
    ]
    for i, w in enumerate(want):
        if i >= len(lines) or not lines[i].startswith(w):
            fail(f"--version line {i + 1}: expected to start with {w!r}, got:\n{out}")
    if a.tls == "ON":
        m = re.match(r"tls: mbed TLS (2\.\d+\.\d+) \(built with mbed TLS (2\.\d+\.\d+);", lines[3] if len(lines) > 3 else "")
        if not m:
            fail(f"--version: no mbed TLS version line:\n{out}")
    elif not (len(lines) > 3 and lines[3].startswith("tls: not built")):
        fail(f"--version: expected 'tls: not built':\n{out}")


def send_cmd(a: argparse.Namespace, server: str, port: int) -> List[str]:
    return [a.smtpc, "--server", server, "--port", str(port), "--from", "sender@example.com",
            "--to", "alice@example.com", "--timeout", "10"]


def run_send(a: argparse.Namespace, server: str, port: int, env: dict = None) -> subprocess.CompletedProcess:
    return subprocess.run(send_cmd(a, server, port), input=b"body\n", stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60, env=env)


def expect(p: subprocess.CompletedProcess, rc: int, line: str, what: str) -> None:
    err = p.stderr.decode("utf-8", "replace")
    last = err.rstrip("\n").rsplit("\n", 1)[-1]
    if p.returncode != rc or last != line:
        fail(f"{what}: exit {p.returncode}, last line {last!r}; expected exit {rc}, {line!r}\n{err}")
    print(f"{what}: exit {rc}: {last}")


def case_refused(a: argparse.Namespace) -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()                       # nothing listens there now
    expect(run_send(a, "127.0.0.1", port), 75, f"smtpc: connect: connection refused by 127.0.0.1:{port}",
           "refused")


def shim_env(a: argparse.Namespace) -> dict:
    if not a.resolver_shim:
        fail("--resolver-shim is required for this case")
    env = dict(os.environ)
    env["LD_PRELOAD"] = a.resolver_shim
    # The shim comes before the ASan run-time of a sanitized smtpc.
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0").lstrip(":")
    return env


def case_dns_tempfail(a: argparse.Namespace) -> None:
    expect(run_send(a, "mail.tempfail.test", 25, shim_env(a)), 75,
           "smtpc: connect: cannot resolve mail.tempfail.test: Temporary failure in name resolution",
           "dns_tempfail")


def case_dns_unknown(a: argparse.Namespace) -> None:
    expect(run_send(a, "mail.nxdomain.test", 25, shim_env(a)), 3,
           "smtpc: connect: cannot resolve mail.nxdomain.test: Name or service not known",
           "dns_unknown")


OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z-]*|-[a-z])(?![\w-])")


def help_options(smtpc: str) -> Set[str]:
    """Options in the first column of --help (lines starting with "  -")."""
    p = run([smtpc, "--help"])
    if p.returncode != 0:
        fail(f"--help: exit {p.returncode}")
    opts: Set[str] = set()
    for line in p.stdout.decode().splitlines():
        if line.startswith("  -"):
            opts |= set(OPTION.findall(re.split(r"\s{2,}", line.strip())[0]))
    return opts


def man_options(man: str) -> Set[str]:
    """Options of the ".It Fl ..." entries of smtpc.1 (its option list)."""
    opts: Set[str] = set()
    for line in read(man).splitlines():
        if line.startswith(".It Fl "):
            opts |= {"-" + m.group(1) for m in re.finditer(r"\bFl (-?[a-z][a-z-]*)", line)}
    return opts


def case_man_options(a: argparse.Namespace) -> None:
    man = os.path.join(a.srcdir, "c-examples", "smtpc", "smtpc.1")
    h, m = help_options(a.smtpc), man_options(man)
    if not h or h != m:
        fail(f"--help and smtpc.1 differ: only in --help {sorted(h - m)}, only in smtpc.1 {sorted(m - h)}")
    print(f"{len(h)} options in both: {' '.join(sorted(h))}")


def case_install(a: argparse.Namespace) -> None:
    import tempfile
    if not a.builddir:
        fail("--builddir is required for this case")
    with tempfile.TemporaryDirectory(prefix="smtpc-install.") as prefix:
        p = subprocess.run([a.cmake or "cmake", "--install", a.builddir, "--prefix", prefix,
                            "--component", "smtpc"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        if p.returncode != 0:
            fail(f"cmake --install: exit {p.returncode}\n{p.stdout.decode('utf-8', 'replace')}")
        found = sorted(os.path.relpath(os.path.join(d, f), prefix) for d, _, fs in os.walk(prefix) for f in fs)
        for want in ("bin/smtpc", "share/man/man1/smtpc.1"):
            if want not in found:
                fail(f"{want} not installed; installed: {found}")
        v = run([os.path.join(prefix, "bin", "smtpc"), "--version"])
        if v.returncode != 0 or not v.stdout.startswith(b"smtpc "):
            fail(f"the installed smtpc --version: exit {v.returncode}: {v.stdout!r}")
        print(f"installed: {' '.join(found)}")


def case_man_lint(a: argparse.Namespace) -> None:
    man = os.path.join(a.srcdir, "c-examples", "smtpc", "smtpc.1")
    if shutil.which("mandoc"):
        p = run(["mandoc", "-Tlint", "-Wall", man])
        text = (p.stdout + p.stderr).decode("utf-8", "replace")
        if p.returncode != 0 or text.strip():
            fail(f"mandoc -Tlint -Wall (exit {p.returncode}):\n{text}")
        print("mandoc -Tlint -Wall: clean")
    else:
        p = run(["groff", "-w", "all", "-mandoc", "-Tutf8", "-z", man])
        text = p.stderr.decode("utf-8", "replace")
        if p.returncode != 0 or text.strip():
            fail(f"groff -w all (exit {p.returncode}):\n{text}")
        print("groff -w all: clean (mandoc not installed)")


CASES = {name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smtpc", required=True)
    p.add_argument("--srcdir", required=True)
    p.add_argument("--case", required=True, choices=sorted(CASES))
    p.add_argument("--tls", choices=("ON", "OFF"), default="ON")
    p.add_argument("--builddir", help="the CMake build directory (case install)")
    p.add_argument("--cmake", help="the cmake executable (case install)")
    p.add_argument("--resolver-shim", help="tests/c/fake_resolver.c built as a shared library")
    a = p.parse_args()
    CASES[a.case](a)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
