#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""OAuth 2.0 token introspection (RFC 7662) for the ip-smtpc test bed.

Dovecot's oauth2 passdb (scripts/testbed/dovecot-oauth2.conf.ext.in,
introspection_mode = post) posts "token=<bearer token>" here and reads
the JSON answer: "active" (active_attribute = active, active_value = true),
"username" (username_attribute) and "scope" (scope = mail). Three tokens
are known, from the file given (one "kind token" per line):
  valid   active, the test bed's user, scope "mail smtp"
  expired active false, exp in the past
  scope   active, scope "calendar" only (insufficient scope)
Anything else: {"active": false}. Standard library only; one request per
line goes to stderr (the test bed's log/oauth.log), tokens cut to 8 chars.

usage: oauth_introspect.py PORT TOKENS_FILE USER
"""
import json
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

if len(sys.argv) != 4:
    sys.exit(__doc__)
PORT, TOKENS, USER = int(sys.argv[1]), sys.argv[2], sys.argv[3]
KNOWN = {}
with open(TOKENS, encoding="ascii") as f:
    for line in f:
        kind, token = line.split()
        KNOWN[token] = kind


def answer(token):
    kind = KNOWN.get(token)
    now = int(time.time())
    if kind == "valid":
        return {"active": True, "username": USER, "scope": "mail smtp",
                "exp": now + 3600, "token_type": "Bearer"}
    if kind == "expired":
        return {"active": False, "username": USER, "scope": "mail smtp",
                "exp": now - 3600}
    if kind == "scope":
        return {"active": True, "username": USER, "scope": "calendar",
                "exp": now + 3600}
    return {"active": False}


class Handler(BaseHTTPRequestHandler):
    def token(self):
        if self.command == "POST":
            n = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(n).decode("ascii", "replace"))
            return (form.get("token") or [""])[0]
        auth = self.headers.get("Authorization") or ""
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        query = urllib.parse.urlsplit(self.path).query
        return (urllib.parse.parse_qs(query).get("access_token") or [""])[0]

    def reply(self):
        token = self.token()
        body = json.dumps(answer(token)).encode()
        sys.stderr.write("%s %s %s -> %s\n" % (self.command, self.path, token[:8],
                                               KNOWN.get(token, "unknown")))
        sys.stderr.flush()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = reply
    do_POST = reply

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
