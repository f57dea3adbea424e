"""Alembic migrations of the library schema (run by library.db.migrate, not by hand)."""
