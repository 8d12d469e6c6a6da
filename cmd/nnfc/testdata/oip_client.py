"""An Open Inference Protocol V2 client using only Python's standard library.

usage: oip_client.py BASE_URL MODEL ROWS_JSON

Reads the model's metadata (GET /v2/models/MODEL) for its input's name,
posts ROWS (a JSON list of rows) in the request format KServe documents
(https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/:
"inputs": [{"name", "shape", "datatype", "data"}], data nested row by row),
and prints {"labels": [...], "probabilities": [[...], ...]} as JSON.
"""
import json
import sys
import urllib.request

base, name, rows = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])

with urllib.request.urlopen(f"{base}/v2/models/{name}") as r:
    meta = json.load(r)
inp = meta["inputs"][0]

request = {
    "id": "python-urllib-1",
    "inputs": [{
        "name": inp["name"],
        "shape": [len(rows), len(rows[0])],
        "datatype": inp["datatype"],
        "data": rows,
    }],
}
req = urllib.request.Request(
    f"{base}/v2/models/{name}/infer",
    data=json.dumps(request).encode(),
    headers={"Content-Type": "application/json"},
    method="POST",
)
with urllib.request.urlopen(req) as r:
    resp = json.load(r)

assert resp["model_name"] == name, resp
assert resp["id"] == "python-urllib-1", resp
out = {o["name"]: o for o in resp["outputs"]}
probs, labels = out["probabilities"], out["label"]
k = probs["shape"][1]
flat = probs["data"]
print(json.dumps({
    "labels": labels["data"],
    "probabilities": [flat[i * k:(i + 1) * k] for i in range(len(rows))],
}))
