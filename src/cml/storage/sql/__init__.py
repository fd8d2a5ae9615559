"""The SQL both backends share, written once and filled in by each backend's dialect.

* :mod:`~cml.storage.sql.dialect`: what differs (parameter marks, list parameters, how times,
  JSON and vectors are stored).
* :mod:`~cml.storage.sql.columns` and :mod:`~cml.storage.sql.rows`: the shared tables' columns,
  records to parameters and rows to records, and the memory filter as SQL.
* :mod:`~cml.storage.sql.store`: :class:`SQLStore`, every shared read, access counts and leases.
* :mod:`~cml.storage.sql.tx`: :class:`SQLTransaction`, the unit of work.
* :mod:`~cml.storage.sql.connections`: what the shared code needs from a driver and a backend's
  connection handling.
"""

from __future__ import annotations

from cml.storage.sql.connections import Connection, Connections, Cursor
from cml.storage.sql.dialect import Dialect
from cml.storage.sql.rows import filter_sql
from cml.storage.sql.store import SQLStore
from cml.storage.sql.tx import SQLTransaction

__all__ = [
    "Connection",
    "Connections",
    "Cursor",
    "Dialect",
    "SQLStore",
    "SQLTransaction",
    "filter_sql",
]
