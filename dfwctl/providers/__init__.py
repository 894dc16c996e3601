"""Providers: the only code that talks to the outside world (Docker, Docker Desktop, Hyper-V).

Each provider reads its part of the machine into an actual-state snapshot (gather) and carries
out the changes of a plan that belong to it (perform); diff and plan never import them.
"""
