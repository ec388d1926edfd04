"""Placeholder: medical monitoring (filled by the monitoring part)."""


def on_declaration_transition(declaration, action, actor):
    return None


def count_due(user):
    return 0
