"""DuckDB plumbing every core package shares: opening a connection and quoting identifiers and literals."""
