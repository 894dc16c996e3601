"""dfwctl: keep a Docker-on-Windows developer environment in git."""

__version__ = "0.1.0"
