#!/usr/bin/env python3
"""fake-registry.py DIR: a tiny misbehaving registry for tests/registry/client.bats.

Serves on 127.0.0.1:<free port> (written to DIR/port) and logs to DIR/log
what the client under test sent.  Paths:
  /v2/                       401 Basic unless Authorization, then 200
  /v2/redir/*/blobs/<d>      (auth) 307 to http://localhost:<port>/storage/<d>: another origin
  /v2/same/*/blobs/<d>       (auth) 307 to /storage/<d>: the same origin
  /v2/flaky/*/blobs/<d>      (auth) 503 once, then the blob
  /v2/loop/*/manifests/<t>  always 401 Bearer with realm /token
  /v2/bearer/*/blobs/<d>     the blob with "Bearer t0k", else 401 Bearer with realm /token
  /token                     a token, counted in the log (with its Authorization)
  /storage/<d>               the blob; logs whether Authorization came along
"""
import hashlib
import http.server
import os
import sys

DIR = sys.argv[1]
BLOB = b"hello from a fake registry\n"
DIGEST = "sha256:" + hashlib.sha256(BLOB).hexdigest()
state = {"flaky": 0}


def log(line):
    with open(os.path.join(DIR, "log"), "a") as f:
        f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def need_auth(self):
        if self.headers.get("Authorization"):
            return False
        self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                  [("WWW-Authenticate", 'Basic realm="fake"')])
        return True

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        p = self.path
        port = self.server.server_address[1]
        if p == "/v2/":
            if not self.need_auth():
                self.send(200, b"{}")
        elif p.startswith("/v2/redir/"):
            if not self.need_auth():
                self.send(307, headers=[("Location", "http://localhost:%d/storage/%s" % (port, DIGEST))])
        elif p.startswith("/v2/same/"):
            if not self.need_auth():
                self.send(307, headers=[("Location", "/storage/" + DIGEST)])
        elif p.startswith("/v2/flaky/"):
            if not self.need_auth():
                state["flaky"] += 1
                log("flaky %d" % state["flaky"])
                if state["flaky"] == 1:
                    self.send(503, b"try again")
                else:
                    self.send(200, BLOB)
        elif p.startswith("/v2/loop/"):
            self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"go away"}]}',
                      [("WWW-Authenticate",
                        'Bearer realm="http://127.0.0.1:%d/token",service="fake"' % port)])
        elif p.startswith("/v2/bearer/"):
            if self.headers.get("Authorization") == "Bearer t0k":
                self.send(200, BLOB)
            else:
                self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"token please"}]}',
                          [("WWW-Authenticate",
                            'Bearer realm="http://127.0.0.1:%d/token",service="fake",'
                            'scope="repository:bearer/x:pull"' % port)])
        elif p.startswith("/token"):
            log("token %s auth=%s" % (p, self.headers.get("Authorization", "none")))
            self.send(200, b'{"token":"t0k","expires_in":300}')
        elif p.startswith("/storage/"):
            log("storage host=%s auth=%s" % (self.headers.get("Host"),
                                             "yes" if self.headers.get("Authorization") else "no"))
            self.send(200, BLOB)
        else:
            self.send(404, b'{"errors":[{"code":"NOT_FOUND","message":"nope"}]}')


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "digest"), "w") as f:
    f.write(DIGEST)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
srv.serve_forever()
