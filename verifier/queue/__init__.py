"""Runs the checks as dramatiq actors (Redis in production, in-process by default)."""
