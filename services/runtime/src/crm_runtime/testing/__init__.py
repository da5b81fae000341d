"""Test support shared by every service's suites (pytest fixtures, servers on port 0)."""
