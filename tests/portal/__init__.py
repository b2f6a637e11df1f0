"""The case portal's tests (a package, so that its conftest is `portal.conftest`, not a second `conftest`)."""
