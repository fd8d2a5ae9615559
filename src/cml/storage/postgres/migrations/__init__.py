"""Alembic migrations of the PostgreSQL schema (applied by ``cml db upgrade``)."""
