"""`dfwctl import compose`: compose files read as `docker compose` reads them, then written as
a playbook.

read (files, include, project name) -> interpolate (.env, ${VAR}) -> paths (relative paths
made absolute) -> merge (several files, !reset, !override) -> extends -> profiles ->
translate (services to containers, networks, volumes; a warning for what has no equivalent)
-> write (YAML text with comments). `origins` keeps where every key was written, through every
merge, so a warning or an error names the file, line and column that holds the value."""
