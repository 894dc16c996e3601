"""The Docker Desktop provider: Docker Desktop's own settings file (engine, CPUs, memory, swap,
disk, file sharing), `.wslconfig` for the WSL 2 engine's resources, the restart that makes
them take effect, and the check that every bind mount comes from a folder Docker Desktop
shares. Roles: locate/gather read, diff decides (pure), perform/restart act."""
