"""Alembic revisions of the journal schema (a package so that installs ship them)."""
