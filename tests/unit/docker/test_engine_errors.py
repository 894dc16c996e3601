"""Engine API errors become one line that names the operation, with a hint where one helps."""
from __future__ import annotations

import pytest

from dfwctl.providers.docker.engine import api_error


class APIError(Exception):
    """The shape of docker.errors.APIError that api_error reads."""

    def __init__(self, explanation):
        super().__init__(explanation)
        self.explanation = explanation


@pytest.mark.parametrize("explanation, hint", [
    ("driver failed programming external connectivity: Bind for 0.0.0.0:8080 failed: port is "
     "already allocated", "holds that host port"),
    ("pull access denied for nope, repository does not exist", "check the image name and tag"),
    (b"manifest for busybox:nope not found: manifest unknown", "check the image name and tag"),
    ('Conflict. The container name "/web" is already in use by container "0123"',
     "a container with that name exists"),
    ("error while removing network: network app-net id 1b1d has active endpoints",
     "restart the Docker engine"),
])
def test_known_engine_errors_carry_a_hint(explanation, hint):
    error = api_error("do the thing", APIError(explanation))
    text = explanation.decode() if isinstance(explanation, bytes) else explanation
    assert str(error).startswith(f"do the thing: {text}")
    assert hint in error.hint


def test_other_engine_errors_have_no_hint():
    error = api_error("start container web", APIError("OCI runtime create failed"))
    assert error.hint is None
    assert "start container web: OCI runtime create failed" in str(error)
