"""Matching a document to its holder: names, Norwegian national id, face."""
