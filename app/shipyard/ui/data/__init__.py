"""The Datasets page: import, versions, preview, profile, PII, drift and data rules."""
