#!/usr/bin/env python3
"""make-index.py OCI_DIR ARCH...: turn the one image of an OCI layout into
a multi-platform image: one manifest per ARCH (linux/<ARCH>), each with the
same layers and a config whose "architecture" is ARCH, all listed with
their platform in an OCI image index that index.json then names.  Prints
"<arch> <manifest digest> <config digest>" per platform, then "index
<digest>".  For tests/registry/platform.bats (skopeo copy --all pushes it)."""
import hashlib
import json
import os
import sys

root, archs = sys.argv[1], sys.argv[2:]


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


index_path = os.path.join(root, "index.json")
index = json.loads(open(index_path).read())
manifest = json.loads(get(index["manifests"][0]["digest"]))
config = json.loads(get(manifest["config"]["digest"]))
entries = []
for arch in archs:
    config["architecture"] = arch
    cb = json.dumps(config, separators=(",", ":")).encode()
    m = dict(manifest)
    m["config"] = {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": put(cb), "size": len(cb)}
    mb = json.dumps(m, separators=(",", ":")).encode()
    md = put(mb)
    entries.append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": md, "size": len(mb),
                    "platform": {"architecture": arch, "os": "linux"}})
    print(arch, md, m["config"]["digest"])
top = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
       "manifests": entries}
tb = json.dumps(top, separators=(",", ":")).encode()
td = put(tb)
print("index", td)
index["manifests"] = [{"mediaType": "application/vnd.oci.image.index.v1+json",
                       "digest": td, "size": len(tb)}]
with open(index_path, "w") as f:
    json.dump(index, f)
