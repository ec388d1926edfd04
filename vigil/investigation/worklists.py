"""Placeholder: the investigation worklists."""


def count_reclassified(user):
    return 0
