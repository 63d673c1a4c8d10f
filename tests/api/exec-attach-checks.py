#!/usr/bin/env python3
"""Checks for tests/api/exec-attach.bats that the docker CLI cannot make:
attach?logs=1 (docker-py's container.attach(logs=True)) and an exec's own
DetachKeys.  Usage: exec-attach-checks.py CHECK CONTAINER; the container is
prepared by the bats test.  Every socket read has a timeout, so a daemon
that ignores logs=1 or the keys fails the check instead of hanging it.
Exits non-zero with a message on the first mismatch, prints "ok" at the end."""
import os
import socket
import struct
import subprocess
import sys
import time

import docker

TIMEOUT = 30
DOCKER = os.environ.get("DOCKER", "/usr/local/bin/docker")


def check(cond, what):
    if not cond:
        print("FAIL: " + what, file=sys.stderr)
        sys.exit(1)


def api():
    return docker.APIClient(base_url=os.environ["DOCKER_HOST"], version="1.41",
                            timeout=TIMEOUT)


def raw_attach(name, query):
    """POST /containers/NAME/attach?QUERY on a socket of our own: docker-py
    reads the 101 through a buffered reader and so may lose what the
    daemon sends right after it (a replayed log comes at once)"""
    path = os.environ["DOCKER_HOST"][len("unix://"):]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect(path)
    s.sendall(("POST /v1.41/containers/%s/attach?%s HTTP/1.1\r\nHost: docker\r\n"
               "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n"
               % (name, query)).encode())
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        b = s.recv(1)
        check(b and len(head) < 4096, "the attach answer: %r" % head)
        head += b
    check(head.startswith(b"HTTP/1.1 101"), "the attach answer: %r" % head)
    return s


def recv_exact(sock, n):
    """n bytes, or b"" at EOF before the first"""
    got = b""
    while len(got) < n:
        b = sock.recv(n - len(got))
        if not b:
            check(not got, "the stream ended inside a frame")
            return b""
        got += b
    return got


def frames(sock):
    """(stream, payload) for each stdcopy frame until EOF"""
    while True:
        hdr = recv_exact(sock, 8)
        if not hdr:
            return
        kind, size = struct.unpack(">BxxxL", hdr)
        yield kind, recv_exact(sock, size)


def attach_frames(name, query):
    s = raw_attach(name, query)
    out = list(frames(s))
    s.close()
    return out


def attach_logs_stopped(name):
    """an exited container: logs=1&stream=0 is its log, per stream, then the end"""
    out = attach_frames(name, "logs=1&stream=0&stdout=1")
    check(out == [(1, b"one\n"), (1, b"three\n")], "stdout only: %r" % out)
    out = attach_frames(name, "logs=1&stream=0&stderr=1")
    check(out == [(2, b"two\n")], "stderr only: %r" % out)
    out = attach_frames(name, "logs=1&stream=0&stdout=1&stderr=1")
    # the shim reads the two pipes apart: the log keeps each stream's order
    check(len(out) == 3 and [f for f in out if f[0] == 1] == [(1, b"one\n"), (1, b"three\n")]
          and (2, b"two\n") in out, "both: %r" % out)
    out = attach_frames(name, "logs=0&stream=0&stdout=1&stderr=1")
    check(out == [], "logs=0&stream=0 gives nothing: %r" % out)


def attach_logs_tty(name):
    """with a terminal the log comes back raw, as the terminal wrote it"""
    s = raw_attach(name, "logs=1&stream=0&stdout=1&stderr=1")
    out = read_until(s, None)
    s.close()
    check(out == b"tty-out\r\n", "tty log: %r" % out)


def attach_logs_stream(name):
    """a running container: the log so far, then the live output to the end"""
    a = api()
    cid = a.inspect_container(name)["Id"]
    since = int(time.time()) - 60
    s = raw_attach(name, "logs=1&stream=1&stdout=1&stderr=1")
    gen = frames(s)
    first = next(gen)
    check(first == (1, b"before\n"), "the replayed log: %r" % (first,))
    # the live part begins with the attach event: only then may the
    # container go on, or its output would fall between log and stream
    events = a.events(since=since, filters={"container": cid, "event": "attach"},
                      decode=True)
    ev = next(events)
    check(ev.get("Action") == "attach", "attach event: %r" % ev)
    events.close()
    # -d: the container ends right after, and the exec's status with it
    subprocess.run([DOCKER, "exec", "-d", name, "sh", "-c", "echo go >/f"], check=True,
                   timeout=TIMEOUT)
    rest = b"".join(data for kind, data in gen if kind == 1)
    s.close()
    check(rest == b"go\nafter\n", "the live output: %r" % rest)


def read_until(sock, marker):
    """what sock sends until marker (None: until EOF); EOF before it fails"""
    got = b""
    while marker is None or marker not in got:
        b = sock.recv(4096)
        if not b:
            check(marker is None, "the stream ended before %r: %r" % (marker, got))
            break
        got += b
    return got


def exec_detach_keys(name):
    """an exec's DetachKeys end its session with a terminal; the default
    ctrl-p,ctrl-q then is ordinary input"""
    a = api()
    try:
        a.exec_create(name, ["true"], tty=True, stdin=True, detach_keys="ctrl-1")
        check(False, "bad DetachKeys were accepted")
    except docker.errors.APIError as e:
        check(e.status_code == 400 and "Invalid detach keys" in str(e),
              "bad DetachKeys: %s" % e)

    eid = a.exec_create(name, ["cat"], tty=True, stdin=True, detach_keys="ctrl-x")["Id"]
    sock = a.exec_start(eid, tty=True, socket=True)
    raw = sock._sock
    raw.settimeout(TIMEOUT)
    # ctrl-p, ctrl-q is the daemon's default: with ctrl-x asked for, they
    # are input (the terminal's IXON takes ctrl-q; cat prints ctrl-p back)
    raw.sendall(b"ab\x10\x11c\n")
    read_until(raw, b"ab\x10c\r\n")
    raw.sendall(b"\x18")
    try:
        read_until(raw, None)
    except OSError as e:
        check(False, "no detach on ctrl-x (%s)" % e)
    info = a.exec_inspect(eid)
    check(info["Running"], "the exec must outlive the detach: %r" % info)
    raw.close()

    # the default keys still work for an exec that names none
    eid = a.exec_create(name, ["cat"], tty=True, stdin=True)["Id"]
    sock = a.exec_start(eid, tty=True, socket=True)
    raw = sock._sock
    raw.settimeout(TIMEOUT)
    raw.sendall(b"xy\x10\x11")
    try:
        read_until(raw, None)
    except OSError as e:
        check(False, "no detach on the default ctrl-p,ctrl-q (%s)" % e)
    raw.close()


def main():
    checks = {
        "attach-logs-stopped": attach_logs_stopped,
        "attach-logs-tty": attach_logs_tty,
        "attach-logs-stream": attach_logs_stream,
        "exec-detach-keys": exec_detach_keys,
    }
    if len(sys.argv) != 3 or sys.argv[1] not in checks:
        print("usage: %s {%s} CONTAINER" % (sys.argv[0], ",".join(checks)), file=sys.stderr)
        sys.exit(2)
    checks[sys.argv[1]](sys.argv[2])
    print("ok")


if __name__ == "__main__":
    main()
