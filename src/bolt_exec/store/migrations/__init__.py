"""Alembic migrations of the order store (run through :mod:`bolt_exec.store.schema`)."""
