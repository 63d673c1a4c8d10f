#!/usr/bin/env python3
"""add-layers.py OCI_DIR COUNT BYTES: add COUNT gzip layers on top of the one
image of an OCI layout, each holding /layer-<i>.bin of BYTES random bytes
(incompressible, so the blob is about BYTES too).  Rewrites the config, the
manifest and index.json; for multi-layer pull tests and bench/pull."""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

root, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def blob_path(d):
    return os.path.join(root, "blobs", "sha256", d.split(":", 1)[1])


def put(b):
    d = "sha256:" + hashlib.sha256(b).hexdigest()
    with open(blob_path(d), "wb") as f:
        f.write(b)
    return d


def get(d):
    with open(blob_path(d), "rb") as f:
        return f.read()


index = json.loads(open(os.path.join(root, "index.json")).read())
mdesc = index["manifests"][0]
manifest = json.loads(get(mdesc["digest"]))
config = json.loads(get(manifest["config"]["digest"]))
for i in range(count):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        info = tarfile.TarInfo("layer-%d.bin" % i)
        info.size = size
        info.mode = 0o644
        t.addfile(info, io.BytesIO(os.urandom(size)))
    tar = raw.getvalue()
    layer = gzip.compress(tar, compresslevel=1, mtime=0)
    config["rootfs"]["diff_ids"].append("sha256:" + hashlib.sha256(tar).hexdigest())
    config.setdefault("history", []).append({"created_by": "add-layers.py %d" % i})
    manifest["layers"].append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                               "digest": put(layer), "size": len(layer)})
cb = json.dumps(config, separators=(",", ":")).encode()
manifest["config"] = {"mediaType": manifest["config"]["mediaType"], "digest": put(cb),
                      "size": len(cb)}
mb = json.dumps(manifest, separators=(",", ":")).encode()
mdesc["digest"] = put(mb)
mdesc["size"] = len(mb)
with open(os.path.join(root, "index.json"), "w") as f:
    json.dump(index, f)
