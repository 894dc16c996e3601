"""A simulated Hyper-V host for trying playbooks anywhere (`hyperv.host: simulator:PATH`) and
for the tests: the state lives in a JSON file, and every call goes through the same protocol
invoke.ps1 speaks, so the provider code runs unchanged against it."""
