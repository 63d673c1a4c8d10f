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
  /v2/retry/*/blobs/uploads/ (push) POST starts an upload at /upload/<n>; the
                             first PUT of all answers 503, later ones verify
                             ?digest= against the body (201); manifests PUT 201
  /v2/resume/*/blobs/uploads/ (push) chunked uploads at /chunk/<n>: the second
                             PATCH of all keeps its bytes but answers 503; GET
                             /chunk/<n> tells the Range received
  /v2/xorigin/*/...          (push, auth) blobs are absent; POST starts an
                             upload at http://localhost:<port>/xupload/<n>,
                             another origin, whose PUT logs whether
                             Authorization came along; manifests PUT 201
  /v2/pull/<mode>/...        (pull.bats) a one-layer image whose layer blob is
                             served as <mode> says: "good"; "baddigest" (other
                             bytes of the same length); "truncated" (half, then
                             the connection closes); "once" (truncated the first
                             time, then good); "bearer" (good, behind a Bearer
                             token from /token); manifests "malformed" (not
                             JSON) and "oversized" (5 MiB); blob GETs are logged
"""
import gzip
import hashlib
import http.server
import io
import json
import os
import platform
import sys
import tarfile

DIR = sys.argv[1]
BLOB = b"hello from a fake registry\n"
DIGEST = "sha256:" + hashlib.sha256(BLOB).hexdigest()
state = {"flaky": 0, "uploads": 0, "puts": 0, "once": 0, "patches": 0}
chunks = {}


def make_pull_image():
    """A gzip layer with /hello, its config and a Docker schema2 manifest"""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        data = b"hello from the fake registry\n" * 4096
        info = tarfile.TarInfo("hello")
        info.size = len(data)
        info.mode = 0o644
        t.addfile(info, io.BytesIO(data))
    tar = raw.getvalue()
    layer = gzip.compress(tar, mtime=0)
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    config = json.dumps({"architecture": arch, "os": "linux",
                         "config": {"Cmd": ["/hello"]},
                         "rootfs": {"type": "layers",
                                    "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]}},
                        separators=(",", ":")).encode()

    def desc(mt, b):
        return {"mediaType": mt, "size": len(b), "digest": "sha256:" + hashlib.sha256(b).hexdigest()}
    manifest = json.dumps({"schemaVersion": 2,
                           "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                           "config": desc("application/vnd.docker.container.image.v1+json", config),
                           "layers": [desc("application/vnd.docker.image.rootfs.diff.tar.gzip",
                                           layer)]}).encode()
    return {"layer": layer, "config": config, "manifest": manifest,
            "layer_digest": desc("", layer)["digest"], "config_digest": desc("", config)["digest"]}


PULL = make_pull_image()


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
        elif p.startswith("/chunk/"):
            n = len(chunks.get(p.split("?")[0], b""))
            log("chunk-status 0-%d" % (n - 1))
            self.send(204, headers=[("Range", "0-%d" % (n - 1)), ("Location", p)])
        elif p.startswith("/storage/"):
            log("storage host=%s auth=%s" % (self.headers.get("Host"),
                                             "yes" if self.headers.get("Authorization") else "no"))
            self.send(200, BLOB)
        elif p.startswith("/v2/pull/"):
            self.pull(p)
        elif p.startswith("/v2/xorigin/"):
            if not self.need_auth():
                self.send(404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"no"}]}')
        else:
            self.send(404, b'{"errors":[{"code":"NOT_FOUND","message":"nope"}]}')

    def pull(self, p):
        parts = p.split("/")  # "", "v2", "pull", mode, kind, ref
        if len(parts) != 6:
            return self.send(404, b"{}")
        mode, kind, ref = parts[3], parts[4], parts[5]
        if mode == "bearer" and self.headers.get("Authorization") != "Bearer t0k":
            return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"token please"}]}',
                             [("WWW-Authenticate",
                               'Bearer realm="http://127.0.0.1:%d/token",service="fake"'
                               % self.server.server_address[1])])
        mt = "application/vnd.docker.distribution.manifest.v2+json"
        if kind == "manifests":
            if mode == "malformed":
                return self.send(200, b'{"schemaVersion": 2, "config": [', [("Content-Type", mt)])
            if mode == "oversized":
                return self.send(200, b" " * (5 << 20), [("Content-Type", mt)])
            return self.send(200, PULL["manifest"], [("Content-Type", mt)])
        log("pullblob %s %s" % (mode, ref))
        if ref == PULL["config_digest"]:
            return self.send(200, PULL["config"])
        if ref != PULL["layer_digest"]:
            return self.send(404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"no"}]}')
        blob = PULL["layer"]
        if mode == "once":
            state["once"] += 1
        if mode == "baddigest":
            return self.send(200, bytes(len(blob)))
        if mode == "truncated" or (mode == "once" and state["once"] == 1):
            self.send_response(200)
            self.send_header("Content-Length", str(len(blob)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(blob[: len(blob) // 2])
                self.wfile.flush()
            self.close_connection = True
            return None
        return self.send(200, blob)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_POST(self):
        self.body()
        if self.path.startswith("/v2/retry/") and "/blobs/uploads/" in self.path:
            state["uploads"] += 1
            log("upload-start %d" % state["uploads"])
            self.send(202, headers=[("Location", "/upload/%d" % state["uploads"]),
                                    ("Range", "0-0")])
        elif self.path.startswith("/v2/xorigin/") and "/blobs/uploads/" in self.path:
            if self.need_auth():
                return
            state["uploads"] += 1
            self.send(202, headers=[("Location", "http://localhost:%d/xupload/%d"
                                     % (self.server.server_address[1], state["uploads"]))])
        elif self.path.startswith("/v2/resume/") and "/blobs/uploads/" in self.path:
            state["uploads"] += 1
            chunks["/chunk/%d" % state["uploads"]] = b""
            self.send(202, headers=[("Location", "/chunk/%d" % state["uploads"])])
        else:
            self.send(404, b'{"errors":[{"code":"NOT_FOUND","message":"nope"}]}')

    def do_PATCH(self):
        data = self.body()
        key = self.path.split("?")[0]
        if key not in chunks:
            self.send(404, b'{"errors":[{"code":"NOT_FOUND","message":"no chunks here"}]}')
            return
        start = int(self.headers.get("Content-Range", "0-0").split("-")[0])
        if start != len(chunks[key]):
            log("chunk-patch bad start %d" % start)
            self.send(416, b"bad range")
            return
        chunks[key] += data
        state["patches"] += 1
        n = len(chunks[key])
        if state["patches"] == 2:
            log("chunk-patch %d 503" % start)
            self.send(503, b"lost the answer")
            return
        log("chunk-patch %d" % start)
        self.send(202, headers=[("Location", key), ("Range", "0-%d" % (n - 1))])

    def do_PUT(self):
        data = self.body()
        p = self.path
        if p.startswith("/chunk/"):
            got = hashlib.sha256(chunks.get(p.split("?")[0], b"") + data).hexdigest()
            ok = p.endswith("digest=sha256:" + got)
            log("chunk-put %s" % ("201" if ok else "400"))
            self.send(201 if ok else 400)
        elif p.startswith("/upload/"):
            state["puts"] += 1
            if state["puts"] == 1:
                log("upload-put %d 503" % state["puts"])
                self.send(503, b'{"errors":[{"code":"UNAVAILABLE","message":"try again"}]}')
                return
            want = p.split("digest=", 1)[1] if "digest=" in p else ""
            got = "sha256:" + hashlib.sha256(data).hexdigest()
            ok = want == got
            log("upload-put %d %s" % (state["puts"], "201" if ok else "400"))
            self.send(201 if ok else 400, headers=[("Docker-Content-Digest", got)])
        elif p.startswith("/xupload/"):
            log("xupload host=%s auth=%s" % (self.headers.get("Host"),
                                             "yes" if self.headers.get("Authorization") else "no"))
            self.send(201)
        elif p.startswith("/v2/xorigin/") and "/manifests/" in p:
            if not self.need_auth():
                log("xorigin-manifest auth=yes")
                self.send(201)
        elif (p.startswith("/v2/retry/") or p.startswith("/v2/resume/")) and "/manifests/" in p:
            got = "sha256:" + hashlib.sha256(data).hexdigest()
            log("manifest-put %s" % got)
            self.send(201, headers=[("Docker-Content-Digest", got)])
        else:
            self.send(404, b'{"errors":[{"code":"NOT_FOUND","message":"nope"}]}')


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "digest"), "w") as f:
    f.write(DIGEST)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
srv.serve_forever()
