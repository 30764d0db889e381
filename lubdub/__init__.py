"""``lubdub``: the command-line client of a Lubdub server (talks to it over HTTP only)."""

__version__ = "0.1.0"
