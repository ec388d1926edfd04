"""Placeholder: the operations of this part of the investigation API."""

from vigil.api.investigation import router  # noqa: F401
