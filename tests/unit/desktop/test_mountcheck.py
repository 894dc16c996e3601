"""The unshared-drive check: a table of path forms, with and without shared drives, for both
engines; then the sources that never work (network drives, UNC, subst, relative)."""
from __future__ import annotations

import pytest

from dfwctl.providers.desktop.model import DriveInfo
from dfwctl.providers.desktop.mountcheck import Sharing, check
from dfwctl.providers.docker.model import ContainerSpec

FOLDER = r"C:\Users\chicken\Docker\apline-data"
FORMS = [
    FOLDER,
    "c:/Users/chicken/Docker/apline-data",
    "/c/Users/chicken/Docker/apline-data",
    "//c/Users/chicken/Docker/apline-data",
    "/host_mnt/c/Users/chicken/Docker/apline-data",
    "/run/desktop/mnt/host/c/Users/chicken/Docker/apline-data",
]
EMPTY_FOLDER = "drive C is not shared with Docker Desktop, so the container would see an empty folder"

# (engine, shared drives, shared folders, outcome) for a bind from drive C
SHARING = [
    ("hyperv", set(), (), "error"),
    ("hyperv", {"D"}, (r"D:\Projects",), "error"),
    ("hyperv", {"C"}, (), "ok"),
    ("hyperv", {"c"}, (), "ok"),
    ("hyperv", set(), (r"C:\Users",), "ok"),
    ("hyperv", set(), ("c:/users/chicken/docker/apline-data",), "case"),
    ("hyperv", None, None, "unchecked"),
    ("wsl2", set(), (), "ok"),
    ("wsl2", None, None, "ok"),
    (None, set(), (), "maybe"),
    (None, {"C"}, (), "ok"),
]


def _box(*mounts: str) -> dict:
    return {"shell": ContainerSpec("shell", "alpine:3.20", mounts=tuple(mounts))}


def _sharing(engine, drives, folders, **kw) -> Sharing:
    return Sharing(engine=engine, drives=None if drives is None else frozenset(drives),
                   folders=folders, **kw)


@pytest.mark.parametrize("source", FORMS)
@pytest.mark.parametrize("engine,drives,folders,outcome", SHARING)
def test_forms_against_sharing(source, engine, drives, folders, outcome):
    found = check(_box(f"{source}:/data"), _sharing(engine, drives, folders), {})
    if outcome == "ok":
        assert found.errors == () and found.warnings == ()
    elif outcome == "error":
        assert len(found.errors) == 1 and found.warnings == ()
        message = found.errors[0]
        assert message.startswith(f"container shell: mount {source}:/data: {EMPTY_FOLDER}")
        assert "at /data instead of" in message
        assert "add C to docker_desktop.shared_drives" in message
        assert f"or {FOLDER} (or a folder above it) to docker_desktop.file_sharing" in message
    elif outcome == "case":
        assert found.errors == () and "original case" in found.warnings[0]
    elif outcome == "unchecked":
        assert found.errors == ()
        assert found.warnings == (
            f"bind mounts from {FOLDER} could not be checked against Docker Desktop's file "
            "sharing: neither the playbook nor the settings file lists what is shared; name "
            "docker_desktop.shared_drives or file_sharing to check them",)
    else:  # the engine is unknown: the same words, as a warning
        assert found.errors == () and EMPTY_FOLDER in found.warnings[0]
        assert "name docker_desktop.engine" in found.warnings[0]


def test_other_forms_name_the_canonical_folder():
    found = check(_box("/host_mnt/c/Users/me:/data"), _sharing("hyperv", set(), ()), {})
    assert "instead of /host_mnt/c/Users/me (that is C:\\Users\\me)" in found.errors[0]


def test_paths_with_spaces():
    source = r"D:\My Projects\web site"
    assert check(_box(f"{source}:/site"), _sharing("hyperv", set(), (r"D:\My Projects",)),
                 {}).errors == ()
    assert "drive D is not shared" in check(_box(f"{source}:/site"),
                                            _sharing("hyperv", set(), ()), {}).errors[0]


def test_every_problem_is_listed():
    found = check(_box(r"C:\a:/a", r"D:\b:/b", r"E:\c:/c:ro"), _sharing("hyperv", {"D"}, ()), {})
    assert [e.split(": drive ")[1][0] for e in found.errors] == ["C", "E"]


def test_volumes_pipes_and_vm_paths_are_not_checked():
    box = _box("data:/data", r"\\.\pipe\docker_engine:\\.\pipe\docker_engine",
               "/var/run/docker.sock:/var/run/docker.sock")
    assert check(box, _sharing("hyperv", set(), ()), {}).errors == ()


# sources that never work, with either engine
@pytest.mark.parametrize("engine", ["hyperv", "wsl2"])
@pytest.mark.parametrize("source,drive_info,expected", [
    (r"\\fileserver\team\data", None,
     r"\\fileserver\team\data is a network share (a UNC path), which Docker Desktop cannot "
     "bind-mount: copy the files to a local drive, or mount the share as a named volume"),
    ("//fileserver/team/data", None, r"\\fileserver\team\data is a network share"),
    (r"Z:\data", DriveInfo("Z", "network", r"\\fileserver\team"),
     r"drive Z is a mapped network drive (\\fileserver\team), and Docker Desktop cannot share "
     "network drives, so the container would see an empty folder at /data"),
    (r"S:\src\app", DriveInfo("S", "fixed", r"C:\work\long\path", subst=True),
     r"drive S is a subst drive for C:\work\long\path, and Docker Desktop does not share subst "
     r"drives, so the container would see an empty folder at /data: write the source as "
     r"C:\work\long\path\src\app"),
    (r"Q:\data", DriveInfo("Q", "missing"),
     "there is no drive Q on this machine, so the container would see an empty folder"),
])
def test_sources_that_never_work(engine, source, drive_info, expected):
    drives = {drive_info.letter: drive_info} if drive_info else {}
    found = check(_box(f"{source}:/data"), _sharing(engine, {"C", "Q", "S", "Z"}, ()), drives)
    assert len(found.errors) == 1 and expected in found.errors[0], found


def test_a_local_drive_probe_changes_nothing():
    drives = {"C": DriveInfo("C", "fixed")}
    assert check(_box(r"C:\x:/x"), _sharing("hyperv", {"C"}, ()), drives).errors == ()


def test_wsl_distribution_paths_need_the_wsl2_engine():
    box = _box(r"\\wsl$\Ubuntu\home\me\src:/src")
    assert "inside the WSL distribution Ubuntu" in check(box, _sharing("hyperv", {"C"}, ()),
                                                        {}).errors[0]
    assert check(box, _sharing("wsl2", None, None), {}).errors == ()


def test_windows_containers_share_every_local_drive():
    sharing = _sharing("hyperv", set(), (), windows_containers=True)
    assert check(_box(r"C:\x:C:\data"), sharing, {}) == check(_box(), sharing, {})


def test_relative_sources_get_their_own_message():
    from dfwctl.providers.desktop.mountcheck import _Bind, _relative
    from dfwctl.values.winpath import parse_source

    named = _relative(_Bind("shell", "test_dir:/x", "/x", parse_source("test_dir")))
    assert ("test_dir is not an absolute path, so Docker would create a named volume called "
            "'test_dir' instead of mounting the folder: write ./test_dir") in named
    drive = _relative(_Bind("shell", "C:data:/x", "/x", parse_source("C:data")))
    assert "relative to the current folder of drive C" in drive and "like C:\\data" in drive


def test_macos_host_checks_folders():
    sharing = Sharing(host="darwin", drives=frozenset(), folders=("/Users",))
    assert check(_box("/Users/me/src:/src"), sharing, {}).errors == ()
    assert check(_box(r"C:\src:/src"), sharing, {}).errors == ()  # no drives on macOS
    found = check(_box("/opt/src:/src"), sharing, {})
    assert "/opt/src is not shared with Docker Desktop, so it would refuse to start the " \
           "container: add it, or a folder above it, to docker_desktop.file_sharing" in found.errors[0]


def test_drive_letters_are_those_of_drive_binds_only():
    from dfwctl.providers.desktop.mountcheck import drive_letters

    box = _box(r"C:\a:/a", "d:/b:/b", "data:/v", r"\\srv\share:/s", "/var/run/x.sock:/x.sock")
    assert drive_letters(box) == frozenset({"C", "D"})
    assert drive_letters(_box("data:/v")) == frozenset()


def test_a_non_windows_host_reads_drive_like_paths_as_its_own():
    sharing = Sharing(host="darwin", drives=frozenset(), folders=("/Users",))
    found = check(_box("/c/src:/src"), sharing, {})
    assert found.errors == (
        "container shell: mount /c/src:/src: /c/src is not shared with Docker Desktop, so it "
        "would refuse to start the container: add it, or a folder above it, to "
        "docker_desktop.file_sharing",)
    assert check(_box("/c/src:/src"), Sharing(host="darwin", drives=frozenset(), folders=("/c",)),
                 {}).errors == ()


def test_a_linux_host_compares_folders_exactly():
    sharing = Sharing(host="linux", drives=frozenset(), folders=("/home/Me",))
    assert check(_box("/home/Me/src:/src"), sharing, {}).errors == ()
    assert "/home/me/src is not shared" in check(_box("/home/me/src:/src"), sharing, {}).errors[0]


def test_relative_sources_reach_the_check_as_errors():
    found = check(_box("./data:/data"), _sharing("hyperv", {"C"}, ()), {})
    assert found.errors == (
        "container shell: mount ./data:/data: ./data is not an absolute path, so Docker would "
        "create a named volume called './data' instead of mounting the folder: write ././data "
        "(relative to the playbook) or the full path, like C:\\Users\\me\\data",)


def test_a_drive_relative_source_is_written_out_from_its_root():
    from dfwctl.providers.desktop.mountcheck import _Bind, _relative
    from dfwctl.values.winpath import parse_source

    for text in ("C:data", "C:\\/data"):
        message = _relative(_Bind("shell", f"{text}:/x", "/x", parse_source(text)))
        assert message.endswith("which Docker cannot know: write the full path, like C:\\data")
    message = _relative(_Bind("shell", "C:Xdata:/x", "/x", parse_source("C:Xdata")))
    assert message.endswith("write the full path, like C:\\Xdata")


def test_the_wsl_message_in_full():
    found = check(_box(r"\\wsl$\Ubuntu\home\me\src:/src"), _sharing("hyperv", {"C"}, ()), {})
    assert found.errors == (
        r"container shell: mount \\wsl$\Ubuntu\home\me\src:/src: \\wsl$\Ubuntu\home\me\src is "
        "inside the WSL distribution Ubuntu, which the Hyper-V engine cannot see: move the "
        "folder to a Windows drive, or use the WSL 2 engine (docker_desktop.engine: wsl2)",)


def test_a_bare_server_name_is_refused_before_the_check():
    from dfwctl.values.mounts import parse_mount

    with pytest.raises(ValueError, match=r'source "\\\\server" is neither a path nor a volume'):
        parse_mount(r"\\server:/data")


def test_every_unchecked_source_is_named_in_one_warning():
    found = check(_box(r"C:\a:/a", r"D:\b:/b"), _sharing("hyperv", None, None), {})
    assert found.errors == ()
    assert found.warnings == (
        r"bind mounts from C:\a, D:\b could not be checked against Docker Desktop's file "
        "sharing: neither the playbook nor the settings file lists what is shared; name "
        "docker_desktop.shared_drives or file_sharing to check them",)


def test_a_subst_drive_root_points_at_the_real_folder():
    drives = {"S": DriveInfo("S", "fixed", "C:\\work\\", subst=True)}
    found = check(_box("S:\\:/src"), _sharing("hyperv", {"C", "S"}, ()), drives)
    assert found.errors[0].endswith("write the source as C:\\work")
    found = check(_box(r"S:\app\src:/src"), _sharing("hyperv", {"C", "S"}, ()), drives)
    assert found.errors[0].endswith(r"write the source as C:\work\app\src")


def test_network_and_missing_drives_in_full():
    unnamed = {"Z": DriveInfo("Z", "network")}
    found = check(_box(r"Z:\data:/data"), _sharing("hyperv", {"Z"}, ()), unnamed)
    assert found.errors[0].startswith(
        r"container shell: mount Z:\data:/data: drive Z is a mapped network drive, and Docker")
    missing = {"Q": DriveInfo("Q", "missing")}
    found = check(_box(r"Q:\data:/data"), _sharing("hyperv", {"Q"}, ()), missing)
    assert found.errors == (
        r"container shell: mount Q:\data:/data: there is no drive Q on this machine, so the "
        "container would see an empty folder at /data: connect the drive, or fix the path",)


def test_case_and_engine_warnings_in_full():
    found = check(_box(r"C:\Users\me\src:/src"), _sharing("hyperv", set(), (r"c:\users",)), {})
    assert found.warnings == (
        r"container shell: mount C:\Users\me\src:/src: the file-sharing entry c:\users differs "
        "from the source in letter case; Docker Desktop wants shared folders used in their "
        "original case: write the source with the same case as the entry",)
    found = check(_box(r"C:\src:/src"), _sharing(None, set(), ()), {})
    assert found.errors == ()
    assert found.warnings == (
        r"container shell: mount C:\src:/src: drive C is not shared with Docker Desktop, so the "
        r"container would see an empty folder at /src instead of C:\src, and nothing it writes "
        r"there would reach Windows: add C to docker_desktop.shared_drives, or C:\src (or a "
        "folder above it) to docker_desktop.file_sharing (this matters with the Hyper-V engine; "
        "the settings file does not say which engine runs: name docker_desktop.engine)",)


# secret files: the engine bind-mounts them as it does folders ---------------------------------
SECRET_FILE = r"C:\Users\chicken\proj\db\password.txt"


def _granted(**grant) -> dict:
    from dfwctl.values.secrets import Grant

    spec = ContainerSpec("db", "postgres:16", grants=(Grant("db-password",
                                                             "/run/secrets/db-password",
                                                             **grant),))
    return {"db": spec}


def _sources(file: str = SECRET_FILE) -> dict:
    from dfwctl.values.secrets import SecretSource

    return {"db-password": SecretSource("db-password", file=file)}


def test_a_secret_file_on_an_unshared_drive_is_an_error_naming_the_file():
    found = check(_granted(), _sharing("hyperv", {"D"}, ()), {}, _sources())
    (error,) = found.errors
    assert error.startswith(f"container db: secret db-password ({SECRET_FILE}): "
                            f"{EMPTY_FOLDER} at /run/secrets/db-password")
    assert "add C to docker_desktop.shared_drives" in error


def test_a_secret_file_on_a_shared_drive_or_folder_is_fine():
    assert check(_granted(), _sharing("hyperv", {"C"}, ()), {}, _sources()).errors == ()
    shared = _sharing("hyperv", set(), (r"C:\Users\chicken",))
    assert check(_granted(), shared, {}, _sources()).errors == ()


def test_copied_secret_files_need_no_sharing():
    # with a mode, or on an engine that is not on this computer (no sources passed), the
    # file's bytes are copied in: Docker Desktop never mounts it
    assert check(_granted(mode=0o400), _sharing("hyperv", set(), ()), {}, _sources()) \
        .errors == ()
    assert check(_granted(), _sharing("hyperv", set(), ()), {}).errors == ()


def test_a_secret_file_on_a_network_drive_is_an_error():
    found = check(_granted(), _sharing("hyperv", {"C"}, ()),
                  {"C": DriveInfo("C", "network", target=r"\\nas\home")}, _sources())
    assert "drive C is a mapped network drive" in found.errors[0]


def test_drive_letters_count_the_secret_files_the_engine_mounts():
    from dfwctl.providers.desktop.mountcheck import drive_letters

    assert drive_letters(_granted(), _sources(r"D:\keys\pw.txt")) == frozenset({"D"})
    assert drive_letters(_granted()) == frozenset()


def test_secret_files_are_read_as_the_host_spells_paths():
    # on Windows /c/... is drive C, which must be shared; on macOS it is a folder of the Mac
    windows = check(_granted(), _sharing("hyperv", {"D"}, ()), {}, _sources("/c/keys/pw.txt"))
    assert len(windows.errors) == 1 and EMPTY_FOLDER in windows.errors[0]
    mac = Sharing(host="darwin", drives=frozenset(), folders=("/c",))
    assert check(_granted(), mac, {}, _sources("/c/keys/pw.txt")).errors == ()
    mac = Sharing(host="darwin", drives=frozenset(), folders=("/Users",))
    (error,) = check(_granted(), mac, {}, _sources("/c/keys/pw.txt")).errors
    assert "/c/keys/pw.txt is not shared with Docker Desktop, so it would refuse" in error


def test_a_macos_folder_shared_in_another_case_or_unknown_sharing_is_a_warning():
    case = check(_box("/Users/Me/src:/src"),
                 Sharing(host="darwin", drives=frozenset(), folders=("/users/me",)), {})
    assert case.errors == () and case.warnings == (
        "container shell: mount /Users/Me/src:/src: the file-sharing entry /users/me differs "
        "from the source in letter case; Docker Desktop wants shared folders used in their "
        "original case: write the source with the same case as the entry",)
    unknown = check(_box("/Users/me/src:/src"), Sharing(host="darwin"), {})
    assert unknown.errors == () and unknown.warnings[0].startswith(
        "bind mounts from /Users/me/src could not be checked")


def test_a_subst_drive_of_a_folder_ending_in_x_keeps_its_name():
    drives = {"S": DriveInfo("S", "fixed", "C:\\BOX\\", subst=True)}
    found = check(_box(r"S:\app:/src"), _sharing("hyperv", {"C", "S"}, ()), drives)
    assert found.errors[0].endswith(r"write the source as C:\BOX\app")
