"""Signing: the workspace's signing keys (keyring or passphrase file), the OpenSSF model-signing
format packages are signed in, and the seals of the audit log."""
