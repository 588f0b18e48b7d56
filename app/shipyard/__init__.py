"""Shipyard: a desktop workbench for small teams shipping many small AI features."""

__version__ = "0.1.0"
