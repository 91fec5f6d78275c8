"""Helpers for the team-mode tests: databases of their own on the session's cluster."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg


def create_database(admin_url: str, name: str) -> str:
    """Create database ``name`` on the cluster of ``admin_url``; its URL."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # name made by the caller from a uuid
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(admin_url: str, url: str) -> None:
    """Close this process's pools on ``url`` and drop its database."""
    from tutor.postgres import close_pools

    close_pools()
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
