"""The workspace folder: where every file lives (layout), opening and locking it, atomic writes, the audit log and its seals, crash recovery, user settings and the one YAML loader."""
