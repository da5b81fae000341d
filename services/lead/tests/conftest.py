"""The lead's test helpers (lead_calls.py) sit beside this file: pytest puts this folder
on the path for the unit and integration suites, whose conftests build `lead_stub` on
the in-memory storage and on the embedded MongoDB respectively."""
