"""The floor: the fewest Docker Engine API calls that converge the benchmark environment,
with the Docker SDK for Python and nothing else. Runs in its own virtual environment.

    python floor.py up   SPEC.json [--threads 4]   create/replace/start what differs
    python floor.py plan SPEC.json                 say what `up` would do; exit 2 if anything
    python floor.py down SPEC.json [--threads 4]   remove everything it owns

SPEC.json is written by the harness (bench/envspec.py). Calls made:
- up:   list containers by owner label; only when none exist (a cold start), create the
        network (a 409 "already exists" is fine); then, in a thread pool, for each container
        that is missing or whose config hash differs: remove the old one (force), create,
        start; start a stopped one.
- plan: the same list, nothing else.
- down: the same list, then remove each container (force) in the pool, then the network.
The API version is pinned from BENCH_API_VERSION when set, so no /version call is made.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Tuple

import docker
import docker.errors

OWNER = "bench.floor.owner"
HASH = "bench.floor.hash"


def desired(spec: Dict[str, Any]) -> Dict[str, Tuple[Dict[str, Any], str]]:
    """name -> (what create needs apart from the host config, its hash)."""
    out = {}
    for container in spec["containers"]:
        config = {
            "image": spec["image"],
            "command": list(spec["command"]),
            "environment": [f"{k}={v}" for k, v in sorted(container["env"].items())],
            "stop_signal": spec["stop_signal"],
            "network": spec["network"],
            "labels": {spec["label"][0]: spec["label"][1]},
        }
        digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()
        out[container["name"]] = (config, digest)
    return out


def listed(api: docker.APIClient, project: str) -> List[Dict[str, Any]]:
    return api.containers(all=True, filters={"label": f"{OWNER}={project}"})


def name_of(raw: Dict[str, Any]) -> str:
    return raw["Names"][0].lstrip("/")


def todo(spec: Dict[str, Any], current: List[Dict[str, Any]]):
    """-> (names to create, {name: old id} to replace, ids to start, orphan ids to remove)."""
    want = desired(spec)
    have = {name_of(c): c for c in current}
    create, replace, start = [], {}, []
    for name, (_, digest) in want.items():
        found = have.get(name)
        if found is None:
            create.append(name)
        elif (found.get("Labels") or {}).get(HASH) != digest:
            replace[name] = found["Id"]
        elif found.get("State") != "running":
            start.append(found["Id"])
    orphans = [c["Id"] for n, c in have.items() if n not in want]
    return create, replace, start, orphans


def up(api: docker.APIClient, spec: Dict[str, Any], threads: int) -> int:
    current = listed(api, spec["project"])
    create, replace, start, orphans = todo(spec, current)
    if not current:
        try:
            api.create_network(spec["network"], driver="bridge",
                               labels={OWNER: spec["project"]})
        except docker.errors.APIError as exc:
            if exc.status_code != 409:
                raise
    want = desired(spec)

    def make(name: str) -> None:
        if name in replace:
            api.remove_container(replace[name], force=True)
        config, digest = want[name]
        created = api.create_container(
            image=config["image"], command=config["command"], name=name,
            environment=config["environment"], stop_signal=config["stop_signal"],
            labels={**config["labels"], OWNER: spec["project"], HASH: digest},
            host_config=api.create_host_config(network_mode=config["network"]))
        api.start(created["Id"])

    with ThreadPoolExecutor(max_workers=threads) as pool:
        jobs = [pool.submit(make, name) for name in create + list(replace)]
        jobs += [pool.submit(api.start, ident) for ident in start]
        jobs += [pool.submit(api.remove_container, ident, force=True) for ident in orphans]
        for job in jobs:
            job.result()
    print(f"created {len(create)}, replaced {len(replace)}, started {len(start)}, "
          f"removed {len(orphans)}")
    return 0


def plan(api: docker.APIClient, spec: Dict[str, Any]) -> int:
    create, replace, start, orphans = todo(spec, listed(api, spec["project"]))
    print(f"to create {len(create)}, to replace {len(replace)}, to start {len(start)}, "
          f"to remove {len(orphans)}")
    return 2 if (create or replace or start or orphans) else 0


def down(api: docker.APIClient, spec: Dict[str, Any], threads: int) -> int:
    current = listed(api, spec["project"])
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for job in [pool.submit(api.remove_container, c["Id"], force=True) for c in current]:
            job.result()
    try:
        api.remove_network(spec["network"])
    except docker.errors.NotFound:
        pass
    print(f"removed {len(current)}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="The floor: converge with the fewest API calls.")
    parser.add_argument("action", choices=["up", "plan", "down"])
    parser.add_argument("spec")
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    with open(args.spec, encoding="utf-8") as handle:
        spec = json.load(handle)
    api = docker.APIClient(base_url=os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"),
                           version=os.environ.get("BENCH_API_VERSION") or "auto",
                           timeout=300, max_pool_size=max(10, args.threads))
    if args.action == "up":
        return up(api, spec, args.threads)
    if args.action == "plan":
        return plan(api, spec)
    return down(api, spec, args.threads)


if __name__ == "__main__":
    sys.exit(main())
