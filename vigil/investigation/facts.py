"""Placeholder: the "outbreak_visit" fact provider (filled by the outbreaks part)."""


def outbreak_visits(declarations):
    return set()
