"""Demo data for trying Vigil out: `manage.py seed_demo` and `manage.py demo_logins`.

Its own app so that core (the ground floor) imports no domain app."""
