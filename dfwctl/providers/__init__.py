"""Providers: the only code that talks to the outside world.

A provider owns one part of the machine and the first part of its addresses: `hyperv`
(Hyper-V VMs), `desktop` (Docker Desktop's settings), `docker` (the engine's networks,
volumes, images and containers). Each reads its part live and diffs it against the playbook
(`plan`, whose diff is a pure function of its own module), and carries out its own changes
(`perform`). Layers order them at apply time: hyperv, then desktop, then docker.
"""
