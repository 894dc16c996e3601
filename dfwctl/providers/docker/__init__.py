"""The Docker provider: the Docker SDK for Python against the engine named by DOCKER_HOST."""
