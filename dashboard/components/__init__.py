"""Reusable dashboard components; they render state, they never query the database."""
