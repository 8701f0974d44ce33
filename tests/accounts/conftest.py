from tests.groups.conftest import group, membership  # noqa: F401  (fixtures shared)
