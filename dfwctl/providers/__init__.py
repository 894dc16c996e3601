"""Providers: the only code that talks to the outside world, one folder each (docker, desktop,
hyperv), each with the same roles: model (values), rules (validation), gather (read), diff
(decide, pure), steps (what a change does), perform (do it), provider (the interface in
base.py). select.py picks the providers a playbook needs."""
