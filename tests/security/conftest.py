"""The security tests' shared fixtures."""

from .world import world  # noqa: F401 (the fixture world, offered to the package)
