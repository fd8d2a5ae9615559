"""The installed version of py-cml."""

__version__ = "0.1.0"
