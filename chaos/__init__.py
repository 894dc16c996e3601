"""The chaos suite: faults injected into a private Docker Engine, hostile playbooks, concurrent
and interrupted runs (see chaos/README.md; `make chaos`)."""
