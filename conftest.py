"""Fixtures shared by every suite in the repository live in the shared runtime."""

pytest_plugins = ["crm_runtime.testing.fixtures"]
