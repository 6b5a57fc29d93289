#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""smtpc --mx against the test bed's dnsmasq and Postfix (issue 15 item 4;
ctest label "postfix"), one case per run:

    postfix_mx.py --smtpc build/smtpc --case NAME

The bed's dnsmasq (127.0.0.1:BASE+53, scripts/testbed/dnsmasq.conf.in)
answers for mx.test; its mail hosts are Postfix listeners on one port of
127.0.0.2 (accepts), 127.0.0.3 (greets with 421), 127.0.0.4 (450), and
127.0.0.5 (nothing listens). smtpc resolves through libresolv, pointed at
dnsmasq by --dns-server (or $SMTPC_DNS_SERVER).

Cases:
  fallback   ok, busy (421), defer (450), refused, implicit (no MX): exit 0,
             alice gets the mail, -v names the hosts tried in order and the
             one that took it; Postfix's log shows the mx-ok listener queued it
  env        the same through $SMTPC_DNS_SERVER instead of --dns-server
  permanent  null MX and NXDOMAIN: exit 3, "smtpc: mx: ...", nothing connected
  allbusy    421 then 450: exit 75, the 450 quoted
  usage      a domain that is no host name, --mx with --server, --dns-server
             without --mx or malformed: exit 2, no DNS query, nothing connected

Exit status: 0 passed, 1 failed, 77 skipped (the test bed is not running).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testbed  # noqa: E402


def run(smtpc: str, args: List[str], env_extra: Optional[Dict[str, str]] = None,
        stdin: bytes = b"routed by MX\n") -> Tuple[int, str]:
    env = dict(os.environ)
    env.pop("SMTPC_DNS_SERVER", None)
    with tempfile.TemporaryDirectory() as home:
        env["HOME"] = home
        env["XDG_CONFIG_HOME"] = os.path.join(home, ".config")
        env.update(env_extra or {})
        p = subprocess.run([smtpc] + args, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, timeout=120)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def args_for(env: Dict[str, str], domain: str, token: str, dns: bool = True) -> List[str]:
    a = ["-v", "--mx", domain, "--port", env["SMTPC_TB_PORT_MX"], "--from", f"sender@{env['SMTPC_TB_DOMAIN']}",
         "--to", f"alice@{env['SMTPC_TB_DOMAIN']}", "--subject", f"mx test {token}", "--tz", "+0000",
         "--timeout", "30"]
    return a + (["--dns-server", env["SMTPC_TB_DNS"]] if dns else [])


def expect(rc: int, want: int, err: str, what: str) -> None:
    if rc != want:
        testbed.fail(f"{what}: exit status {rc}, expected {want}\n--- stderr:\n{err}")


def tried(err: str) -> List[str]:
    return [line.split()[-1] for line in err.splitlines() if line.startswith("-- MX: trying ")]


def dns_log(env: Dict[str, str]) -> str:
    try:
        with open(os.path.join(env["SMTPC_TB_DIR"], "log", "dnsmasq.log"), encoding="utf-8",
                  errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def postfix_log(env: Dict[str, str]) -> str:
    with open(os.path.join(env["SMTPC_TB_DIR"], "log", "postfix.log"), encoding="utf-8", errors="replace") as f:
        return f.read()


CASES = [
    ("ok.mx.test", ["mx-ok.mx.test"]),
    ("busy.mx.test", ["mx-421.mx.test", "mx-ok.mx.test"]),
    ("defer.mx.test", ["mx-450.mx.test", "mx-ok.mx.test"]),
    ("refused.mx.test", ["mx-down.mx.test", "mx-ok.mx.test"]),
    ("implicit.mx.test", ["implicit.mx.test"]),
]


def deliver_all(smtpc: str, env: Dict[str, str], via_env: bool) -> None:
    for domain, hosts in CASES:
        token = f"{domain}-{os.getpid()}-{via_env}"
        before = testbed.snapshot(env, "alice")
        log_before = len(postfix_log(env))
        extra = {"SMTPC_DNS_SERVER": env["SMTPC_TB_DNS"]} if via_env else None
        rc, err = run(smtpc, args_for(env, domain, token, dns=not via_env), extra)
        expect(rc, 0, err, domain)
        if tried(err) != hosts:
            testbed.fail(f"{domain}: hosts tried {tried(err)}, expected {hosts}\n{err}")
        want = f"-- MX: {hosts[-1]} was host {len(hosts)} in preference order"
        if want not in err:
            testbed.fail(f"{domain}: {want!r} not in:\n{err}")
        _, raw = testbed.wait_for_message(env, "alice", token.encode(), before)
        if b"routed by MX" not in raw:
            testbed.fail(f"{domain}: the body did not arrive: {raw[:400]!r}")
        new_log = postfix_log(env)[log_before:]
        if "postfix/tb-mx-ok/smtpd" not in new_log or "client=" not in new_log:
            testbed.fail(f"{domain}: the mx-ok listener did not queue it:\n{new_log}")


def case_fallback(smtpc: str, env: Dict[str, str]) -> None:
    deliver_all(smtpc, env, via_env=False)


def case_env(smtpc: str, env: Dict[str, str]) -> None:
    deliver_all(smtpc, env, via_env=True)


def case_permanent(smtpc: str, env: Dict[str, str]) -> None:
    for domain, text in (("null.mx.test", "smtpc: mx: domain accepts no mail (null MX)"),
                         ("missing.mx.test", "smtpc: mx: domain does not exist (NXDOMAIN)")):
        rc, err = run(smtpc, args_for(env, domain, "never"))
        expect(rc, 3, err, domain)
        if text not in err or tried(err):
            testbed.fail(f"{domain}: expected {text!r} and no connection:\n{err}")


def case_allbusy(smtpc: str, env: Dict[str, str]) -> None:
    rc, err = run(smtpc, args_for(env, "allbusy.mx.test", "never"))
    expect(rc, 75, err, "allbusy")
    if tried(err) != ["mx-421.mx.test", "mx-450.mx.test"] or "smtpc: greeting: " not in err or ": 450 " not in err:
        testbed.fail(f"allbusy: expected both hosts tried and the 450 quoted:\n{err}")


def case_usage(smtpc: str, env: Dict[str, str]) -> None:
    dns = env["SMTPC_TB_DNS"]
    base = ["--from", "a@b.example", "--to", "c@d.example", "--port", env["SMTPC_TB_PORT_MX"]]
    marker = "bad--marker.mx.test"
    for what, args, text in (
        ("bad domain", ["--mx", "bad..mx.test", "--dns-server", dns], "smtpc: input: domain to route to"),
        ("literal", ["--mx", "[127.0.0.2]", "--dns-server", dns], "smtpc: input: domain to route to"),
        ("with --server", ["--mx", marker, "--server", "127.0.0.2", "--dns-server", dns], "exclude each other"),
        ("dns without mx", ["--server", "127.0.0.2", "--dns-server", dns], "--dns-server needs --mx"),
        ("bad server", ["--mx", marker, "--dns-server", "127.0.0.1:99999"], "--dns-server"),
        ("bad server ip", ["--mx", marker, "--dns-server", "localhost:53"], "--dns-server"),
    ):
        before = dns_log(env)
        rc, err = run(smtpc, base + args + ["-v"])
        expect(rc, 2, err, what)
        if text not in err or tried(err) or "C: " in err:
            testbed.fail(f"{what}: expected {text!r}, no connection:\n{err}")
        if marker in dns_log(env)[len(before):]:
            testbed.fail(f"{what}: a DNS query went out")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--smtpc", required=True)
    ap.add_argument("--case", required=True, choices=["fallback", "env", "permanent", "allbusy", "usage"])
    a = ap.parse_args()
    env = testbed.load_env()
    if "SMTPC_TB_DNS" not in env:
        testbed.fail("the test bed has no dnsmasq (SMTPC_TB_DNS): restart it with scripts/testbed/start")
    globals()[f"case_{a.case}"](a.smtpc, env)
    print(f"PASS: {a.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
