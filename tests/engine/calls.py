"""Counting the engine API calls a piece of dfwctl makes, at the HTTP adapter the Docker SDK
sends every request through."""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterator, List

import requests.adapters


@contextmanager
def counted_calls(monkeypatch) -> Iterator[List[str]]:
    """Yields the list of calls made inside the block, as "GET /containers/json" (the API
    version prefix and the query left out)."""
    calls: List[str] = []
    send = requests.adapters.HTTPAdapter.send

    def counting(self, request, *args, **kwargs):
        path = re.sub(r"^/v[0-9.]+/", "/", request.path_url.split("?")[0])
        calls.append(f"{request.method} {path}")
        return send(self, request, *args, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", counting)
    try:
        yield calls
    finally:
        monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
