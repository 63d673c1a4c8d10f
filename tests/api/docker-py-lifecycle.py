#!/usr/bin/env python3
"""A whole container lifecycle through docker-py (python3-docker) against the
berthd at DOCKER_HOST: create, start, logs, exec_run, stop, wait, remove,
checking each result.  Exits non-zero with a message on the first mismatch."""
import os
import sys

import docker


def check(cond, what):
    if not cond:
        print("FAIL: " + what, file=sys.stderr)
        sys.exit(1)


def main():
    client = docker.DockerClient(base_url=os.environ["DOCKER_HOST"], version="1.41")
    check(client.ping(), "ping")

    # run attached: the output comes back as bytes
    out = client.containers.run("busybox", ["echo", "from-run"], remove=True)
    check(out == b"from-run\n", "run output %r" % out)

    c = client.containers.create("busybox", ["sh", "-c", "echo started; exec sleep 100"],
                                 name="pyc", labels={"k": "v"}, environment=["X=1"])
    check(c.status == "created", "status after create: %s" % c.status)
    c.start()
    c.reload()
    check(c.status == "running", "status after start: %s" % c.status)
    check(c.name == "pyc", "name %s" % c.name)
    check(c.labels.get("k") == "v", "labels %r" % c.labels)
    check(c.attrs["State"]["Pid"] > 0, "pid")

    # the log line may take a moment: follow until it shows
    for line in c.logs(stream=True, follow=True):
        check(line == b"started\n", "log line %r" % line)
        break

    code, output = c.exec_run(["sh", "-c", "echo $X; exit 3"])
    check(code == 3, "exec exit code %r" % code)
    check(output == b"1\n", "exec output %r" % output)

    listed = [x.name for x in client.containers.list()]
    check("pyc" in listed, "list %r" % listed)

    c.stop(timeout=1)
    res = c.wait()
    check(res["StatusCode"] == 137, "wait %r" % res)
    c.reload()
    check(c.status == "exited", "status after stop: %s" % c.status)

    c.remove()
    try:
        client.containers.get("pyc")
        check(False, "container still there after remove")
    except docker.errors.NotFound:
        pass

    try:
        client.containers.get("does-not-exist")
        check(False, "get of a missing container")
    except docker.errors.NotFound as e:
        check("No such container" in str(e), "404 message %s" % e)
    print("ok")


if __name__ == "__main__":
    main()
