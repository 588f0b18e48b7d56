"""Model cards, signed model packages, signing keys and verification.

A package is a folder (and a deterministic .zip of it) holding the gated ONNX model, its
model card, a manifest, the gate report, the rollout policy, the flags as flagd JSON and a
minimal serving script, signed in the OpenSSF model-signing format (`model.sig`). Importing
this package loads no heavy library; cryptography, keyring and onnxruntime are imported
inside the functions that need them.
"""

from __future__ import annotations
