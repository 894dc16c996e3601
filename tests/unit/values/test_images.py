"""Image references the engine reads, and those it refuses with "invalid reference format"
(the distribution reference grammar) or at pull time (a digest it cannot verify)."""
import pytest

from dfwctl.values.images import EXAMPLE, reference_problem

SHA = "0123456789abcdef" * 4


@pytest.mark.parametrize("text", [
    "busybox", "busybox:1.36", "library/busybox:latest", "localhost:5000/app",
    "localhost:5000/app:1.0", "127.0.0.1:5555/dfwctl-test/busybox:latest",
    "mcr.microsoft.com/windows/servercore:ltsc2019", f"busybox@sha256:{SHA}",
    f"busybox:1.36@sha256:{SHA}", f"busybox@sha512:{SHA * 2}", f"busybox@sha384:{SHA}{SHA[:32]}",
    "Registry/app",  # an uppercase first part is a registry, as the engine reads it
    "a__b/c--d.e_f:T.a-g_9", "x:" + "t" * 128, SHA,  # 64 hex digits: an image ID
    "registry.example.com:443/team/app",
])
def test_references_the_engine_reads(text):
    assert reference_problem(text) is None


@pytest.mark.parametrize("text, message", [
    ("busybox@foo", f'"busybox@foo" is not an image reference: {EXAMPLE}'),
    ("busybox:ta g", f'"busybox:ta g" is not an image reference: {EXAMPLE}'),
    ("busybox@sha256:abc", f'"busybox@sha256:abc" is not an image reference: {EXAMPLE}'),
    ("busybox:", f'"busybox:" is not an image reference: {EXAMPLE}'),
    ("x:" + "t" * 129, f'"x:{"t" * 129}" is not an image reference: {EXAMPLE}'),
    ("x:.tag", f'"x:.tag" is not an image reference: {EXAMPLE}'),
    ("-x", f'"-x" is not an image reference: {EXAMPLE}'),
    ("a/B_", f'"a/B_" is not an image reference: {EXAMPLE}'),
    ("Busybox", 'image "Busybox": the repository name must be lowercase: write busybox'),
    ("Busybox:Latest", 'image "Busybox:Latest": the repository name must be lowercase: write '
                       "busybox:Latest"),
    ("team/App", 'image "team/App": the repository name must be lowercase: write team/app'),
    ("registry.Example.com/Team/App:Tag", 'image "registry.Example.com/Team/App:Tag": the '
     "repository name must be lowercase: write registry.example.com/team/app:Tag"),
    ("localhost:5000/App", 'image "localhost:5000/App": the repository name must be lowercase: '
                           "write localhost:5000/app"),
    (f"App@sha256:{SHA}", f'image "App@sha256:{SHA}": the repository name must be lowercase: '
                          f"write app@sha256:{SHA}"),
    ("x" * 256, f'image "{"x" * 256}": the name is 256 characters long, and the engine takes at '
                "most 255"),
    (f"x@md5:{SHA[:32]}", f'image "x@md5:{SHA[:32]}": the engine verifies sha256, sha384, sha512 '
                          "digests, not md5"),
    (f"x@sha256:{SHA}00", f'image "x@sha256:{SHA}00": a sha256 digest is 64 lowercase hex '
                          "digits, this one has 66"),
    (f"x@sha256:{SHA.upper()}", f'image "x@sha256:{SHA.upper()}": a sha256 digest is 64 '
                                "lowercase hex digits, this one has 64"),
    ("Team/App:V1", 'image "Team/App:V1": the repository name must be lowercase: write '
                    "team/app:V1"),
    (f"App:V1@sha256:{SHA}", f'image "App:V1@sha256:{SHA}": the repository name must be '
                             f"lowercase: write app:V1@sha256:{SHA}"),
    ("localhost:5000/App:V1", 'image "localhost:5000/App:V1": the repository name must be '
                              "lowercase: write localhost:5000/app:V1"),
])
def test_references_the_engine_refuses(text, message):
    assert reference_problem(text) == message


def test_the_longest_name_the_engine_takes():
    assert reference_problem("x" * 255) is None
