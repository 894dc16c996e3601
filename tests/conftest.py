"""Shared test setup. Unit tests (tests/unit) need nothing outside this process but the
fake PowerShell in tests/fakes; engine tests (tests/engine, marked `engine`) talk to a real
Docker Engine that `make test` starts with scripts/testenv."""
