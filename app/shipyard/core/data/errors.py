"""Errors raised by the data layer; each names the file and says how to fix it."""

from __future__ import annotations

from shipyard.core.errors import ShipyardError


class DataError(ShipyardError):
    """Base for every data-layer error a person can act on."""


class ImportRefused(DataError):
    """A file cannot be imported as it is (empty, binary, ragged, unreadable ...)."""


class DatasetNotFound(DataError):
    """No dataset or version with that name in the workspace."""


class QueryRefused(DataError):
    """A query that is not a single read-only SELECT, or that DuckDB could not run."""
