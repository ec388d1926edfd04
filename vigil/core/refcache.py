"""Per-process caches of reference data, kept fresh by one version stamp.

Every declaration needs the administrative units, the countries and the risk
configuration (rules, bands, epidemic areas); reading them again for each one
was most of its SQL. Each worker process keeps them in memory instead, and
before it uses them it reads one small number, the reference stamp: a table
row that database triggers replace with a new random value whenever any of
the tables behind these caches is written, by any process, any code path
(the ORM, bulk loads, the admin, raw SQL). A stamp different from the one a
cached value was loaded under drops every cached value, so a rule changed in
another process applies to the next declaration.

The stamp is read once per request (the first cache use in it), and on every
cache use outside a request (management commands, jobs, tests calling the
services directly). A random value, not a counter: a transaction that wrote
and rolled back can never leave a stamp that a later change would reuse.

The app that owns the stamp table registers its query (`use_stamp`); core
imports no other app. Without a stamp nothing is cached.
"""

import threading

from django.core.signals import request_finished, request_started
from django.db import connection

_stamp_sql = None
_entries = {}  # key -> (stamp, value)
_local = threading.local()  # .stamp: the stamp read in the current request
_UNREAD = object()


def use_stamp(sql):
    """Register the query answering the stamp (one row, one column, or no row)."""
    global _stamp_sql
    _stamp_sql = sql


def _read_stamp():
    if _stamp_sql is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_stamp_sql)
        row = cursor.fetchone()
    return row[0] if row else None


def current_stamp():
    """The stamp: read once per request, at each call outside a request."""
    if not getattr(_local, "in_request", False):
        return _read_stamp()
    stamp = getattr(_local, "stamp", _UNREAD)
    if stamp is _UNREAD:
        stamp = _local.stamp = _read_stamp()
    return stamp


def recheck():
    """Read the stamp again at the next use (this request just changed the data)."""
    _local.stamp = _UNREAD


def get(key, loader):
    """The value `loader()` made under the current stamp, loading it if needed.

    Values must not be changed by their users: they are shared by every
    request of the process (and its threads).
    """
    stamp = current_stamp()
    entry = _entries.get(key)
    if stamp is not None and entry is not None and entry[0] == stamp:
        return entry[1]
    value = loader()
    if stamp is not None:
        _entries[key] = (stamp, value)
    return value


def clear():
    """Drop every cached value (the stamp makes this unnecessary; for tools)."""
    _entries.clear()


def _started(**kwargs):
    _local.in_request = True
    _local.stamp = _UNREAD


def _finished(**kwargs):
    _local.in_request = False
    _local.stamp = _UNREAD


request_started.connect(_started, dispatch_uid="vigil.core.refcache.started")
request_finished.connect(_finished, dispatch_uid="vigil.core.refcache.finished")
