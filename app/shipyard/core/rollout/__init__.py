"""Rollout rehearsal and feature flags: policy, traffic, simulation, statistics, shadow, flags.

Qt-free; importing this package loads no heavy library (numpy, scipy, onnxruntime and duckdb
are imported inside the functions that need them).
"""
