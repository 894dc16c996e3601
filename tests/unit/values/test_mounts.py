import re

import pytest

from dfwctl.values.mounts import (
    BIND,
    KNOWN_OPTIONS,
    VOLUME,
    Mount,
    is_windows_path,
    parse_mount,
)

USAGE = "write source:target[:options], like data:/cache:ro or C:\\Users\\me\\data:/data"
SOURCES = "use an absolute path, ./relative path, or a volume name made of letters, digits, _ . -"
TARGETS = (
    "is not an absolute path: container paths start with /, like /data "
    "(or a drive, like C:\\data, in Windows containers)"
)


@pytest.mark.parametrize(
    "text, expected",
    [
        # Windows drive paths, as written
        (r"C:\Users\x\data:/data", Mount(BIND, r"C:\Users\x\data", "/data")),
        (r"C:\Users\chicken\Docker\apline-data:/data",
         Mount(BIND, r"C:\Users\chicken\Docker\apline-data", "/data")),
        ("c:/x:/data:ro", Mount(BIND, "c:/x", "/data", read_only=True)),
        (r"D:\:/d", Mount(BIND, "D:\\", "/d")),
        ("D:/:/d", Mount(BIND, "D:/", "/d")),
        (r"C:\Program Files\app:/app", Mount(BIND, r"C:\Program Files\app", "/app")),
        (r"C:\x:/y:rw", Mount(BIND, r"C:\x", "/y")),
        # targets of one letter: a folder, not the root
        ("data:/X", Mount(VOLUME, "data", "/X")),
        (r"data:C:\X", Mount(VOLUME, "data", "C:\\X")),
        ("data:C:/d", Mount(VOLUME, "data", "C:/d")),
        (r"C:\x:/y:ro,z", Mount(BIND, r"C:\x", "/y", True, ("z",))),
        # UNC paths and named pipes
        (r"\\server\share\x:/data", Mount(BIND, r"\\server\share\x", "/data")),
        (r"\\server\share:/data:ro", Mount(BIND, r"\\server\share", "/data", True)),
        ("//server/share:/data", Mount(BIND, "//server/share", "/data")),
        ("//server/share/x/y:/data", Mount(BIND, "//server/share/x/y", "/data")),
        (r"\\.\pipe\docker_engine:\\.\pipe\docker_engine",
         Mount(BIND, r"\\.\pipe\docker_engine", r"\\.\pipe\docker_engine")),
        # Docker Desktop's POSIX spellings of Windows paths are plain POSIX binds
        ("/c/Users/x:/data", Mount(BIND, "/c/Users/x", "/data")),
        ("//c/x:/y", Mount(BIND, "//c/x", "/y")),
        ("/host_mnt/c/x:/y", Mount(BIND, "/host_mnt/c/x", "/y")),
        ("/run/desktop/mnt/host/c/x:/y", Mount(BIND, "/run/desktop/mnt/host/c/x", "/y")),
        ("/mnt/c/Users/x:/y:ro", Mount(BIND, "/mnt/c/Users/x", "/y", True)),
        # POSIX absolute paths
        ("/srv/data:/data", Mount(BIND, "/srv/data", "/data")),
        ("/var/run/docker.sock:/var/run/docker.sock",
         Mount(BIND, "/var/run/docker.sock", "/var/run/docker.sock")),
        ("/:/host:ro", Mount(BIND, "/", "/host", True)),
        # relative paths, kept as written for the caller to resolve
        ("./data:/data", Mount(BIND, "./data", "/data")),
        ("../x:/y", Mount(BIND, "../x", "/y")),
        (".:/src", Mount(BIND, ".", "/src")),
        ("..:/src", Mount(BIND, "..", "/src")),
        (r".\data:/data", Mount(BIND, r".\data", "/data")),
        (r"..\x:/y", Mount(BIND, r"..\x", "/y")),
        ("./a b:/c", Mount(BIND, "./a b", "/c")),
        # named volumes
        ("data:/cache", Mount(VOLUME, "data", "/cache")),
        ("alpine-data:/cache:ro", Mount(VOLUME, "alpine-data", "/cache", True)),
        ("my_vol.1:/x", Mount(VOLUME, "my_vol.1", "/x")),
        ("1data:/x", Mount(VOLUME, "1data", "/x")),
        ("data:/cache:nocopy", Mount(VOLUME, "data", "/cache", False, ("nocopy",))),
        ("data:/cache:ro,nocopy", Mount(VOLUME, "data", "/cache", True, ("nocopy",))),
        ("data:/cache:nocopy,ro", Mount(VOLUME, "data", "/cache", True, ("nocopy",))),
        ("data:/cache:Z", Mount(VOLUME, "data", "/cache", False, ("Z",))),
        ("data:/cache:cached", Mount(VOLUME, "data", "/cache", False, ("cached",))),
        # anonymous volumes
        ("/data", Mount(VOLUME, "", "/data")),
        ("/var/lib/postgresql/data", Mount(VOLUME, "", "/var/lib/postgresql/data")),
        (r"C:\data", Mount(VOLUME, "", r"C:\data")),
        # a single letter then a colon is a drive, as the docker CLI reads it
        ("a:/data", Mount(VOLUME, "", "a:/data")),
        ("a:/b:/c:ro", Mount(BIND, "a:/b", "/c", True)),
        # Windows container targets
        (r"C:\x:C:\data", Mount(BIND, r"C:\x", r"C:\data")),
        (r"C:\x:C:\data:ro", Mount(BIND, r"C:\x", r"C:\data", True)),
        ("data:c:/data", Mount(VOLUME, "data", "c:/data")),
        # every bind option, in the order written
        ("/x:/y:z", Mount(BIND, "/x", "/y", False, ("z",))),
        ("/x:/y:rprivate", Mount(BIND, "/x", "/y", False, ("rprivate",))),
        ("/x:/y:shared", Mount(BIND, "/x", "/y", False, ("shared",))),
        ("/x:/y:slave", Mount(BIND, "/x", "/y", False, ("slave",))),
        ("/x:/y:private", Mount(BIND, "/x", "/y", False, ("private",))),
        ("/x:/y:rshared", Mount(BIND, "/x", "/y", False, ("rshared",))),
        ("/x:/y:rslave", Mount(BIND, "/x", "/y", False, ("rslave",))),
        ("/x:/y:consistent", Mount(BIND, "/x", "/y", False, ("consistent",))),
        ("/x:/y:delegated", Mount(BIND, "/x", "/y", False, ("delegated",))),
        ("/x:/y:z,rshared,cached", Mount(BIND, "/x", "/y", False, ("z", "rshared", "cached"))),
        ("/x:/y:cached,ro,Z", Mount(BIND, "/x", "/y", True, ("cached", "Z"))),
    ],
)
def test_parse_mount(text, expected):
    assert parse_mount(text) == expected


@pytest.mark.parametrize(
    "text, spec",
    [
        (r"C:\Users\x\data:/data", r"C:\Users\x\data:/data"),
        ("c:/x:/data:ro", "c:/x:/data:ro"),
        (r"D:\:/d", r"D:\:/d"),
        (r"\\server\share:/data", r"\\server\share:/data"),
        ("data:/cache:ro", "data:/cache:ro"),
        ("data:/cache:rw", "data:/cache"),  # rw is the default
        ("data:/cache:nocopy,ro", "data:/cache:ro,nocopy"),  # ro first
        ("/x:/y:z,rw", "/x:/y:z"),
        ("/x:/y:cached,ro,Z", "/x:/y:ro,cached,Z"),
        ("./data:/data", "./data:/data"),
        ("/data", "/data"),
        (r"C:\data", r"C:\data"),
    ],
)
def test_spec(text, spec):
    mount = parse_mount(text)
    assert mount.spec() == spec
    assert parse_mount(spec) == mount


@pytest.mark.parametrize(
    "mount, spec",
    [
        (Mount(VOLUME, "", "/data"), "/data"),
        (Mount(VOLUME, "data", "/cache", True), "data:/cache:ro"),
        (Mount(BIND, r"C:\x", "/y", False, ("z", "rshared")), r"C:\x:/y:z,rshared"),
        # not docker -v syntax, but says what an inspected anonymous volume holds
        (Mount(VOLUME, "", "/data", True), "/data:ro"),
    ],
)
def test_spec_of_built_mounts(mount, spec):
    assert mount.spec() == spec


def test_mount_is_frozen_and_hashable():
    mount = parse_mount("data:/cache:ro")
    with pytest.raises(AttributeError, match="cannot assign to field 'target'"):
        mount.target = "/other"  # type: ignore[misc]
    assert {mount, parse_mount("data:/cache:ro")} == {mount}


@pytest.mark.parametrize(
    "text, message",
    [
        ("", f'"" is not a mount: {USAGE}'),
        (None, f"null is not a mount: {USAGE}"),
        (80, f"80 is not a mount: {USAGE}"),
        ("/a:/b:/c:ro", f'"/a:/b:/c:ro" has too many colons: {USAGE}'),
        ("data:/x:ro:z", f'"data:/x:ro:z" has too many colons: {USAGE}'),
        (r"C:\a:C:\b:ro:z", f'"C:\\a:C:\\b:ro:z" has too many colons: {USAGE}'),
        (":/data", f'":/data" has an empty source: {USAGE}'),
        (":", f'":" has an empty source: {USAGE}'),
        ("data:", '"data:" has an empty target: write the container path after the source, '
                  "like data:/data"),
        ("data::ro", '"data::ro" has an empty target: write the container path after the '
                     "source, like data:/data"),
        (r"C:\x:", '"C:\\x:" has an empty target: write the container path after the '
                   "source, like data:/data"),
        ("data:/x:", '"data:/x:" ends with an empty list of options: remove the last colon, '
                     "or add options like ro"),
        ("data", f'"data" has no target: {USAGE}'),
        ("./data", f'"./data" has no target: {USAGE}'),
        ("/data:ro", '"/data:ro" has options but no source: an anonymous volume takes no '
                     "options; name the volume, like data:/data:ro"),
        ("/data:ro,z", '"/data:ro,z" has options but no source: an anonymous volume takes no '
                       "options; name the volume, like data:/data:ro,z"),
        ("data:ro", '"data:ro" has no target: write the container path before the options, '
                    "like data:/data:ro"),
        ("data:rel", f'target "rel" {TARGETS}'),
        ("data:./rel", f'target "./rel" {TARGETS}'),
        ("data:C:rel", f'target "C:rel" {TARGETS}'),
        ("data:/", 'target "/" is the container\'s root: mount on a directory below it, '
                   "like /data"),
        ("data://", 'target "//" is the container\'s root: mount on a directory below it, '
                    "like /data"),
        ("/x:/.", 'target "/." is the container\'s root: mount on a directory below it, '
                  "like /data"),
        ("/", 'target "/" is the container\'s root: mount on a directory below it, like /data'),
        ("data:C:\\", 'target "C:\\" is the root of a drive: mount on a folder on it, '
                      "like C:\\data"),
        ("data:d:/", 'target "d:/" is the root of a drive: mount on a folder on it, '
                     "like d:\\data"),
        ("data:C:\\/", 'target "C:\\/" is the root of a drive: mount on a folder on it, '
                       "like C:\\data"),
        ("/a:/b:z:ro", f'"/a:/b:z:ro" has too many colons: {USAGE}'),
        ("data/x:/y", f'source "data/x" is neither a path nor a volume name: {SOURCES}'),
        ("~/x:/y", f'source "~/x" is neither a path nor a volume name: {SOURCES}'),
        (".data:/y", f'source ".data" is neither a path nor a volume name: {SOURCES}'),
        ("-data:/y", f'source "-data" is neither a path nor a volume name: {SOURCES}'),
        ("da ta:/y", f'source "da ta" is neither a path nor a volume name: {SOURCES}'),
        (" data:/y", f'source " data" is neither a path nor a volume name: {SOURCES}'),
        ("$HOME/x:/y", f'source "$HOME/x" is neither a path nor a volume name: {SOURCES}'),
        ("C:data:/y", 'source "C:data" is not an absolute Windows path: write it like C:\\data'),
        ("C::/y", 'source "C:" is not an absolute Windows path: write it like C:\\'),
        ("/x:/y:RO", 'unknown mount option "RO": known options are ro, rw, z, Z, shared, slave, '
                     "private, rshared, rslave, rprivate, nocopy, consistent, cached, delegated"),
        ("/x:/y:readonly", 'unknown mount option "readonly": known options are '
                           + ", ".join(KNOWN_OPTIONS)),
        ("/x:/y:ro,,z", 'options "ro,,z" have an empty entry: separate options with single '
                        "commas, like ro,z"),
        ("/x:/y:ro,", 'options "ro," have an empty entry: separate options with single '
                      "commas, like ro,z"),
        ("/x:/y:ro,rw", 'mount options "ro" and "rw" conflict: keep one'),
        ("/x:/y:rw,ro", 'mount options "rw" and "ro" conflict: keep one'),
        ("/x:/y:ro,ro", 'mount option "ro" is given twice'),
        ("/x:/y:z,z", 'mount option "z" is given twice'),
        ("/x:/y:z,Z", 'mount options "z" and "Z" conflict: keep one'),
        ("/x:/y:shared,rslave", 'mount options "shared" and "rslave" conflict: keep one'),
        ("/x:/y:cached,delegated", 'mount options "cached" and "delegated" conflict: keep one'),
        ("data:/y:nocopy,nocopy", 'mount option "nocopy" is given twice'),
        ("/x:/y:nocopy", 'mount option "nocopy" is for volumes only, and "/x" is a bind mount'),
        (r"C:\x:/y:nocopy",
         'mount option "nocopy" is for volumes only, and "C:\\x" is a bind mount'),
        ("data:/y:rshared", 'mount option "rshared" is for bind mounts only, and "data" is a '
                            "volume"),
    ],
)
def test_parse_mount_rejects(text, message):
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        parse_mount(text)
    assert str(error.value) == message


@pytest.mark.parametrize(
    "source, expected",
    [
        (r"C:\Users\x", True),
        ("c:/x", True),
        ("D:\\", True),
        ("d:/", True),
        (r"\\server\share", True),
        (r"\\server\share\dir", True),
        ("//server/share", True),
        ("//server/share/dir", True),
        (r"\\.\pipe\docker_engine", True),
        ("C:", False),
        ("C:data", False),
        ("/c/Users/x", False),
        ("//c/x", False),
        ("//c", False),
        ("/host_mnt/c/x", False),
        ("/run/desktop/mnt/host/c/x", False),
        ("/srv/data", False),
        ("./data", False),
        (r".\data", False),
        ("data", False),
        (r"\\server", False),
        ("//server", False),
        ("", False),
    ],
)
def test_is_windows_path(source, expected):
    assert is_windows_path(source) is expected


# compose's long syntax -----------------------------------------------------------------------
from dfwctl.values.mounts import TMPFS, MountError, long_mount, mount_of  # noqa: E402


@pytest.mark.parametrize("long, short", [
    ({"type": "volume", "source": "data", "target": "/data"}, "data:/data"),
    ({"type": "volume", "source": "data", "target": "/data", "read_only": True,
      "volume": {"nocopy": True}}, "data:/data:ro,nocopy"),
    ({"type": "volume", "target": "/anon"}, "/anon"),
    ({"type": "bind", "source": "/srv", "target": "/srv"}, "/srv:/srv"),
    ({"type": "bind", "source": r"C:\Users\me\site", "target": "/site", "read_only": True,
      "bind": {"create_host_path": True, "propagation": "rslave"}},
     "C:\\Users\\me\\site:/site:ro,rslave"),
    ({"type": "bind", "source": "./src", "target": "/src", "consistency": "cached"},
     "./src:/src:cached"),
    ({"type": "npipe", "source": r"\\.\pipe\docker_engine", "target": r"\\.\pipe\docker_engine"},
     r"\\.\pipe\docker_engine:\\.\pipe\docker_engine"),
])
def test_a_long_mount_that_v_syntax_can_say_is_its_v_text(long, short):
    mount = mount_of(long)
    assert mount.short
    assert mount.spec() == parse_mount(short).spec()
    assert parse_mount(mount.spec()) == mount


@pytest.mark.parametrize("long, text, engine", [
    ({"type": "bind", "source": "/srv", "target": "/srv", "read_only": True,
      "bind": {"create_host_path": False, "propagation": "rshared"}},
     "type=bind,source=/srv,target=/srv,readonly,bind-propagation=rshared",
     {"Type": "bind", "Source": "/srv", "Target": "/srv", "ReadOnly": True,
      "BindOptions": {"Propagation": "rshared"}}),
    ({"type": "tmpfs", "target": "/cache", "tmpfs": {"size": "64m", "mode": "1777"}},
     "type=tmpfs,target=/cache,tmpfs-size=67108864,tmpfs-mode=1777",
     {"Type": "tmpfs", "Target": "/cache", "ReadOnly": False,
      "TmpfsOptions": {"SizeBytes": 67108864, "Mode": 0o1777}}),
    ({"type": "tmpfs", "target": "/t"}, "type=tmpfs,target=/t",
     {"Type": "tmpfs", "Target": "/t", "ReadOnly": False}),
    ({"type": "tmpfs", "target": "/t", "read_only": True}, "type=tmpfs,target=/t,readonly",
     {"Type": "tmpfs", "Target": "/t", "ReadOnly": True}),
    ({"type": "bind", "source": "/srv", "target": "/srv", "consistency": "cached",
      "bind": {"create_host_path": False}},
     "type=bind,source=/srv,target=/srv,consistency=cached",
     {"Type": "bind", "Source": "/srv", "Target": "/srv", "ReadOnly": False,
      "Consistency": "cached"}),
])
def test_a_long_mount_that_v_syntax_cannot_say_is_mount_text_and_an_engine_mount(long, text,
                                                                                 engine):
    mount = long_mount(long)
    assert not mount.short
    assert mount.spec() == text
    assert parse_mount(text) == mount  # records hold the text: it reads back the same
    assert mount.engine_mount() == engine


@pytest.mark.parametrize("long, key, message", [
    ({"type": "tmpfs", "source": "x", "target": "/t"}, ("source",), "has no source"),
    ({"type": "bind", "target": "/b"}, ("source",), "needs the source"),
    ({"type": "bind", "source": "data", "target": "/b"}, ("source",), "is not a path"),
    ({"type": "volume", "source": "./x", "target": "/b"}, ("source",), "is not a volume name"),
    ({"type": "volume", "target": "/b", "read_only": True}, ("source",), "anonymous volume"),
    ({"type": "volume", "target": "/b", "volume": {"nocopy": True}}, ("source",),
     "^an anonymous volume takes no options: name the volume in source$"),
    ({"type": "volume", "source": "v", "target": "b"}, ("target",), "is not an absolute path"),
    ({"type": "volume", "source": "v", "target": "/b", "tmpfs": {"size": 1}}, ("tmpfs",),
     "tmpfs settings are for tmpfs mounts"),
    ({"type": "bind", "source": "/x", "target": "/b", "volume": {}}, ("volume",),
     "volume settings are for volume mounts"),
    ({"type": "tmpfs", "target": "/t", "tmpfs": {"size": "1q"}}, ("tmpfs", "size"),
     "is not a size"),
    ({"type": "tmpfs", "target": "/t", "tmpfs": {"mode": "rwx"}}, ("tmpfs", "mode"),
     "is not an octal file mode"),
])
def test_a_long_mount_the_engine_would_refuse(long, key, message):
    with pytest.raises(MountError, match=message) as raised:
        long_mount(long)
    assert raised.value.key == key


def test_tmpfs_mode_in_octal_with_or_without_prefix():
    assert long_mount({"type": TMPFS, "target": "/t", "tmpfs": {"mode": "0o700"}}).tmpfs_mode \
        == 0o700
    assert long_mount({"type": TMPFS, "target": "/t", "tmpfs": {"mode": "1777"}}).tmpfs_mode \
        == 0o1777


def test_a_tmpfs_size_beyond_64_bits_is_refused():
    with pytest.raises(MountError, match="too large: the engine holds sizes in 64 bits") as raised:
        long_mount({"type": TMPFS, "target": "/t", "tmpfs": {"size": "99999999999TiB"}})
    assert raised.value.key == ("tmpfs", "size")
    largest = long_mount({"type": TMPFS, "target": "/t", "tmpfs": {"size": str(2**63 - 1)}})
    assert largest.tmpfs_size == 2**63 - 1


def test_a_tmpfs_mode_that_is_not_octal_says_how_to_write_it():
    message = 'mode "8" is not an octal file mode: write it in quotes, like "1777"'
    with pytest.raises(MountError, match=re.escape(message)) as raised:
        long_mount({"type": TMPFS, "target": "/t", "tmpfs": {"mode": "8"}})
    assert str(raised.value) == message


# the docker CLI's --mount text: what plans show for a mount -v cannot say, and what an
# exported playbook holds; read with the long syntax's checks
@pytest.mark.parametrize("text, expected", [
    ("type=tmpfs,destination=/t,ro", Mount(TMPFS, "", "/t", True)),
    ("type=tmpfs,dst=/t,readonly=true,tmpfs-size=1k", Mount(TMPFS, "", "/t", True, tmpfs_size=1024)),
    ("type=tmpfs,target=/t,readonly=0", Mount(TMPFS, "", "/t")),
    ("type=bind,src=/srv,target=/srv", Mount(BIND, "/srv", "/srv", create_host_path=False)),
    ("type=bind,source=./site,target=/site,readonly=1,consistency=delegated",
     Mount(BIND, "./site", "/site", True, ("delegated",), create_host_path=False)),
    ("type=volume,source=data,target=/data,volume-nocopy", Mount(VOLUME, "data", "/data",
                                                                 options=("nocopy",))),
    ("type=volume,source=data,target=/data,volume-nocopy=false", Mount(VOLUME, "data", "/data")),
    ("type=volume,target=/anon", Mount(VOLUME, "", "/anon")),
])
def test_mount_text(text, expected):
    assert parse_mount(text) == expected
    assert parse_mount(expected.spec()) == expected


FIELDS = ("type, source, src, target, dst, destination, consistency, bind-propagation, "
          "tmpfs-size, tmpfs-mode, readonly, ro, volume-nocopy")
FLAGS = "write it like type=tmpfs,target=/cache,tmpfs-size=64m, or as a mapping (type:, " \
    "source:, target:)"


@pytest.mark.parametrize("text, message", [
    ("type=", f'"type=": "type=" is not a --mount field ({FIELDS}): {FLAGS}'),
    ("type=tmpfs,size=1k,target=/t",
     f'"type=tmpfs,size=1k,target=/t": "size=1k" is not a --mount field ({FIELDS}): {FLAGS}'),
    ("type=tmpfs,target", f'"type=tmpfs,target": "target" is not a --mount field ({FIELDS}): '
                          f"{FLAGS}"),
    ("type=tmpfs,target=/a,dst=/b", '"type=tmpfs,target=/a,dst=/b" gives target twice: keep one'),
    ("type=tmpfs,target=/a,tmpfs-size=1k,tmpfs-size=2k",
     '"type=tmpfs,target=/a,tmpfs-size=1k,tmpfs-size=2k" gives tmpfs.size twice: keep one'),
    ("type=tmpfs,target=/a,readonly=yes", '"type=tmpfs,target=/a,readonly=yes": readonly is true '
                                          'or false, not "yes"'),
    ("type=volume,target=/a,volume-nocopy=2", '"type=volume,target=/a,volume-nocopy=2": '
                                              'volume-nocopy is true or false, not "2"'),
    ("type=weird,target=/x", '"type=weird,target=/x" has type "weird": a --mount type is one of '
                             "bind, volume, tmpfs, npipe"),
    ("type=tmpfs", '"type=tmpfs" has no target: add target=, the container path, like '
                   "target=/data"),
    ("type=bind,source=/x,target=/y,bind-propagation=up", '"type=bind,source=/x,target=/y,'
     'bind-propagation=up": "up" is not one of shared, slave, private, rshared, rslave, rprivate'),
    ("type=bind,source=/x,target=/y,consistency=fast", '"type=bind,source=/x,target=/y,'
     'consistency=fast": "fast" is not one of consistent, cached, delegated'),
    ("type=bind,source=rel,target=/y", '"type=bind,source=rel,target=/y": source "rel" is not '
     "a path: a bind mount's source is an absolute path or ./relative path"),
    ("type=bind,source=/x,target=y", f'"type=bind,source=/x,target=y": target "y" {TARGETS}'),
    ("type=tmpfs,source=/x,target=/y", '"type=tmpfs,source=/x,target=/y": a tmpfs mount has no '
     "source (the engine refuses one): remove it"),
    ("type=volume,source=v,target=/y,tmpfs-size=1k", '"type=volume,source=v,target=/y,'
     'tmpfs-size=1k": tmpfs settings are for tmpfs mounts, and this one is a volume mount: remove '
     "them, or change its type"),
])
def test_mount_text_the_engine_would_refuse(text, message):
    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        parse_mount(text)
    assert str(raised.value) == message
