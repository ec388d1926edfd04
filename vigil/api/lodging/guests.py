"""Placeholder: the operations of this part of the lodging API."""

from vigil.api.lodging import router  # noqa: F401
