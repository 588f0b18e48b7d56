"""The files a package carries for deployment: `serve.py` and its README."""

from __future__ import annotations

from pathlib import Path

from shipyard.core.packaging.request_contract import CONTRACT_FILE

SERVE_FILE = "serve.py"
README_FILE = "README.md"


def serving_files() -> dict[str, bytes]:
    """The files a package needs to serve its model: serve.py and the request contract."""
    contract = Path(__file__).with_name(CONTRACT_FILE).read_bytes()
    return {SERVE_FILE: SERVE_PY.encode("utf-8"), CONTRACT_FILE: contract}


SERVE_PY = r'''#!/usr/bin/env python3
"""Serve this package's ONNX model over HTTP (standard library + numpy + onnxruntime).

    python serve.py [--host 127.0.0.1] [--port 8080]

POST /predict   {"rows": [{"feature": value, ...}, ...]}  (or one row object)
GET  /health    {"status": "ok", "model_sha256": ...}
GET  /metadata  the package name, version, inputs and class labels

Each row must hold exactly the features listed in manifest.json ("inputs", by their column
names; send null for a missing value): numbers as JSON numbers, categories and text as
strings. A row with a feature missing, unknown or of the wrong type is refused with
HTTP 400 and the list of problems (request_contract.py, the same code the gates ran).
Verify the package's signature before serving it (see README.md).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import request_contract  # noqa: E402  (shipped beside this file)

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


def predict(manifest, session, rows):
    inputs = manifest["inputs"]
    request_contract.validate(inputs, rows)
    outputs = session.run(None, request_contract.to_feed(inputs, rows))
    problem = request_contract.answer_problem(outputs, len(rows))
    if problem:
        raise RuntimeError(problem)
    return request_contract.answer(
        outputs,
        [o["name"] for o in manifest["outputs"]],
        manifest.get("class_labels") or [],
        manifest.get("label_type") or "string",
        len(rows),
    )


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
            keys = ("package", "task", "inputs", "outputs", "class_labels", "label_type")
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
            self._send(200, predict(self.manifest, self.session, rows))
        except request_contract.InvalidRequest as exc:
            self._send(400, {"error": "invalid request", "problems": exc.problems})
        except ValueError as exc:
            self._send(400, {"error": str(exc)})
        except Exception as exc:  # a valid request the model could not answer: our fault
            self._send(500, {"error": f"the model failed: {type(exc).__name__}: {exc}"})

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


def readme_text(manifest: dict) -> str:  # type: ignore[type-arg]  # shipped standalone: plain dict, no typing imports
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
