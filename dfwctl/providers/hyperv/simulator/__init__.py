"""A simulated Hyper-V host for trying playbooks anywhere (`hyperv.host: simulator:PATH`) and
for the tests: the state lives in a JSON file, and every call goes through the same protocol
invoke.ps1 speaks, so the provider code runs unchanged against it."""
from __future__ import annotations

from pathlib import Path
from typing import List, Sequence

from dfwctl.providers.hyperv.protocol import (
    decode_reply,
    encode_request,
    last_json_line,
)
from dfwctl.providers.hyperv.transport import Call, Reply


class SimulatorTransport:
    def __init__(self, path: str):
        self.path = Path(path)
        self.endpoint = f"hyperv:simulator:{path}"

    def exchange(self, calls: Sequence[Call]) -> List[Reply]:
        from dfwctl.providers.hyperv.simulator.wire import serve

        text, _ = serve(encode_request(calls), self.path)
        return decode_reply(last_json_line(text), calls)
