"""pipwarden: guard a data project's Python supply chain, offline-first."""

__version__ = "0.1.0"
__all__ = ["__version__"]
