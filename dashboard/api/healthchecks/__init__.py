"""Healthchecks' management API (v1/v2/v3) over Lubdub's data; see ``app.py``."""
