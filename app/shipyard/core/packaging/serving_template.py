"""The files a package carries for deployment: `serve.py` and its README."""

from __future__ import annotations

SERVE_FILE = "serve.py"
README_FILE = "README.md"

SERVE_PY = r'''#!/usr/bin/env python3
"""Serve this package's ONNX model over HTTP (standard library + numpy + onnxruntime).

    python serve.py [--host 127.0.0.1] [--port 8080]

POST /predict   {"rows": [{"feature": value, ...}, ...]}  (or one row object)
GET  /health    {"status": "ok", "model_sha256": ...}
GET  /metadata  the package name, version, inputs and class labels

Inputs follow manifest.json: numbers as float32 (missing, null or +/-inf become NaN),
categories and text as strings (missing becomes the manifest's "missing" value).
Verify the package's signature before serving it (see README.md).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_BODY = 10 * 1024 * 1024
MAX_ROWS = 10_000


def load():
    manifest = json.loads((HERE / "manifest.json").read_text("utf-8"))
    model = (HERE / "model.onnx").read_bytes()
    if hashlib.sha256(model).hexdigest() != manifest["files"]["model.onnx"]:
        sys.exit("model.onnx does not match manifest.json: verify the package before serving")
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    return manifest, session


def to_feed(manifest, rows):
    import numpy as np

    feed = {}
    for spec in manifest["inputs"]:
        name = spec["name"]
        values = [row.get(name) for row in rows]
        if spec["type"] == "float32":
            column = []
            for v in values:
                if v is None or v == "":
                    column.append(math.nan)
                    continue
                try:
                    number = float(v)
                except (TypeError, ValueError):
                    raise ValueError(f"'{name}' must be a number, got {v!r}") from None
                column.append(number if math.isfinite(number) else math.nan)
            feed[name] = np.array(column, dtype=np.float32).reshape(-1, 1)
        else:
            missing = spec.get("missing") or ""
            column = [missing if v is None else str(v) for v in values]
            feed[name] = np.array(column, dtype=object).reshape(-1, 1)
    return feed


def predict(manifest, session, rows):
    outputs = session.run(None, to_feed(manifest, rows))
    names = [o["name"] for o in manifest["outputs"]]
    result = dict(zip(names, outputs))
    labels = manifest.get("class_labels") or []
    if labels and "label" in result:
        answer = {"predictions": [str(v) for v in result["label"].tolist()]}
        if "probabilities" in result:
            answer["probabilities"] = [
                dict(zip(labels, map(float, row))) for row in result["probabilities"].tolist()
            ]
        return answer
    first = outputs[0].reshape(len(rows), -1)[:, 0]
    return {"predictions": [float(v) for v in first.tolist()]}


class Handler(BaseHTTPRequestHandler):
    manifest = None
    session = None

    def _send(self, code, body):
        data = json.dumps(body).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            self._send(200, {"status": "ok", "model_sha256": self.manifest["files"]["model.onnx"]})
        elif self.path == "/metadata":
            keys = ("package", "task", "inputs", "outputs", "class_labels")
            self._send(200, {k: self.manifest.get(k) for k in keys})
        else:
            self._send(404, {"error": "use POST /predict, GET /health or GET /metadata"})

    def do_POST(self):
        if self.path != "/predict":
            self._send(404, {"error": "use POST /predict"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BODY:
            self._send(413 if length else 400, {"error": "send a JSON body of at most 10 MB"})
            return
        try:
            body = json.loads(self.rfile.read(length))
            rows = body.get("rows", [body]) if isinstance(body, dict) else body
            if not isinstance(rows, list) or not rows or len(rows) > MAX_ROWS:
                raise ValueError(f"'rows' must be a list of 1 to {MAX_ROWS} objects")
            if not all(isinstance(r, dict) for r in rows):
                raise ValueError("each row must be an object of feature: value")
            self._send(200, predict(self.manifest, self.session, rows))
        except ValueError as exc:
            self._send(400, {"error": str(exc)})
        except Exception as exc:  # the model refused the input: the caller's problem
            self._send(422, {"error": f"{type(exc).__name__}: {exc}"})

    def log_message(self, format, *args):
        pass


def main(argv=None):
    parser = argparse.ArgumentParser(description="Serve the packaged ONNX model over HTTP.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    args = parser.parse_args(argv)
    Handler.manifest, Handler.session = load()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    host, port = server.server_address[:2]
    print(f"serving {Handler.manifest['package']['name']} on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
'''


def readme_text(manifest: dict) -> str:  # type: ignore[type-arg]
    pkg = manifest["package"]
    example = ", ".join(f'"{i["name"]}": …' for i in manifest["inputs"][:3])
    key = manifest["signature"].get("key_id", "SIGNER")
    return f"""# {pkg["title"]}

Package `{pkg["name"]}` version `{pkg["version"]}`, exported by Shipyard. It holds the
gated ONNX model (`model.onnx`), its model card (`model_card.md`), `manifest.json` (inputs,
outputs, class labels, preprocessing, data fingerprint, metrics, the sha256 of every file),
the gate report, the rollout policy (`rollout.yaml`), the feature flags as OpenFeature
flagd JSON (`flags.flagd.json`) and `serve.py`. `model.sig` signs every other file in the
OpenSSF model-signing format.

## 1. Verify before anything else

```bash
pip install model-signing
model_signing verify key --signature model.sig --public_key {key}.pub.pem .
# or, with Shipyard: shipyard verify PACKAGE --key {key}.pub.pem
```

## 2. Serve

```bash
pip install onnxruntime numpy
python serve.py --port 8080
curl -X POST localhost:8080/predict -d '{{"rows": [{{{example}}}]}}'
```
"""
