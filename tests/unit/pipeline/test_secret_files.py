"""Secret files as validate reads them: what cannot be a secret is an error naming the file,
and the shipped example reads its password from a file beside it."""
from __future__ import annotations

import os
import shutil
import textwrap

import pytest

from dfwctl import secretfiles
from dfwctl.values.secrets import MAX_SIZE
from tests.paths import PLAYBOOKS
from tests.run import run_dfwctl


def test_a_missing_file_is_named_as_written_and_where_that_is(tmp_path):
    path = secretfiles.path_of("./db/pw.txt", tmp_path)
    with pytest.raises(ValueError, match=(
            rf"^secret file \./db/pw\.txt \({path}\) does not exist: create it \(and keep it "
            r"out of git\), or fix the path; relative paths start at the playbook's folder$")):
        secretfiles.read_file(path, "./db/pw.txt")


def test_an_absolute_file_is_named_once(tmp_path):
    path = tmp_path / "nothing.txt"
    with pytest.raises(ValueError, match=rf"^secret file {path} does not exist"):
        secretfiles.read_file(path, str(path))


def test_a_folder_is_not_a_secret(tmp_path):
    with pytest.raises(ValueError, match=rf"^secret file {tmp_path} is a folder: name the file"):
        secretfiles.read_file(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_not_read(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=rf"^secret file {fifo} is not a regular file"):
        secretfiles.read_file(fifo)


def test_a_file_larger_than_a_secret_is_refused(tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * (MAX_SIZE + 1))
    with pytest.raises(ValueError, match=rf"holds {MAX_SIZE + 1} bytes, more than a secret may"):
        secretfiles.read_file(big)
    big.write_bytes(b"x" * MAX_SIZE)
    assert len(secretfiles.read_file(big)) == MAX_SIZE


def test_a_file_is_read_as_bytes_with_its_line_end(tmp_path):
    path = tmp_path / "pw.txt"
    path.write_bytes(b"p\xc3\xa4ss\r\n")
    assert secretfiles.read_file(path) == b"p\xc3\xa4ss\r\n"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="file permissions do not stop root (nor work this way on Windows)")
def test_an_unreadable_file_says_so(tmp_path):
    path = tmp_path / "pw.txt"
    path.write_text("x")
    path.chmod(0)
    with pytest.raises(ValueError, match=rf"^secret file {path} cannot be read: Permission "
                                         r"denied \(check its permissions\)$"):
        secretfiles.read_file(path)


def test_the_example_database_reads_its_password_from_a_file(tmp_path):
    shutil.copy(PLAYBOOKS / "database.yml", tmp_path / "database.yml")
    shutil.copytree(PLAYBOOKS / "database", tmp_path / "database")
    (tmp_path / "database" / "db-password.txt").unlink(missing_ok=True)
    missing = run_dfwctl("validate", tmp_path / "database.yml")
    assert missing.code == 1, missing
    assert missing.err.startswith(
        f"{tmp_path / 'database.yml'}:14:11: secrets.db-password.file: secret file "
        f"./database/db-password.txt ({tmp_path / 'database' / 'db-password.txt'}) does not "
        "exist"), missing.err
    (tmp_path / "database" / "db-password.txt").write_text("choose-one\n")
    valid = run_dfwctl("validate", tmp_path / "database.yml")
    assert valid.code == 0, valid


@pytest.mark.skipif(os.name == "nt", reason="a Windows path is this machine's own there")
def test_a_windows_path_elsewhere_says_where_dfwctl_runs(tmp_path):
    with pytest.raises(ValueError, match=(
            r"^secret file E:\\keys\\site\.txt is a Windows path, and dfwctl runs on \w+ here, "
            r"where it cannot read it: run dfwctl on Windows, or name the file as this machine "
            r"sees it$")):
        secretfiles.read_file(secretfiles.path_of("E:\\keys\\site.txt", tmp_path),
                              "E:\\keys\\site.txt")


def test_validate_refuses_a_bind_mounted_secret_file_the_playbook_leaves_unshared(tmp_path):
    from dfwctl.load import parse
    from dfwctl.validate import validate

    text = textwrap.dedent(r"""
        version: 1
        name: sharing
        docker_desktop: {engine: hyperv, shared_drives: [C], file_sharing: ['D:\Projects']}
        secrets:
          site-key: {file: 'E:\keys\site.txt'}
          shared-key: {file: 'D:\Projects\key.txt'}
          copied-key: {file: 'E:\keys\copied.txt'}
        containers:
          web:
            image: busybox:latest
            secrets: [site-key, {source: shared-key, target: s},
                      {source: copied-key, target: o, mode: 0o400}]
        """)
    doc = parse(text, tmp_path / "p.yml", display_name="p.yml")
    unshared = [str(d) for d in validate(doc) if "not shared" in str(d)]
    assert unshared == [
        r"p.yml:6:20: secrets.site-key.file: secret file E:\keys\site.txt is not shared with "
        "Docker Desktop, and containers get it bind-mounted, so the engine would mount an "
        "empty folder in its place: add its drive to docker_desktop.shared_drives or its "
        "folder to docker_desktop.file_sharing"]


def test_a_nul_in_a_path_or_target_is_said_once(tmp_path):
    from dfwctl.load import parse
    from dfwctl.validate import validate

    text = ('version: 1\nname: nul\nsecrets:\n  x: {file: "a\\0b"}\ncontainers:\n  ab:\n'
            '    image: busybox\n    secrets: [{source: x, target: "t\\0"}]\n')
    doc = parse(text, tmp_path / "p.yml", display_name="p.yml")
    assert [str(d) for d in validate(doc)] == [
        "p.yml:4:13: secrets.x.file: the secret file's path contains a NUL character: remove it",
        "p.yml:8:35: containers.ab.secrets[0].target: the value contains a NUL character (\\0), "
        "which the engine cannot pass to a process: remove it"]


def _unshared(text: str, tmp_path) -> list:
    from dfwctl.load import parse
    from dfwctl.validate import validate

    doc = parse(textwrap.dedent(text), tmp_path / "p.yml", display_name="p.yml")
    return [d.path for d in validate(doc) if "not shared" in d.message]


SHARING = """
    version: 1
    name: sharing
    docker_desktop: {engine: hyperv, shared_drives: [C], file_sharing: ['D:\\Projects']}
    """


def test_which_granted_secret_files_the_engine_mounts(tmp_path):
    # a grant by name or with source and target is bind-mounted; with uid, gid or mode the
    # file is copied in; a secret no container is granted is not mounted at all
    assert _unshared(SHARING + r"""
    secrets:
      spare: {file: 'E:\keys\spare.txt'}
      by-name: {file: 'E:\keys\a.txt'}
      by-source: {file: 'E:\keys\b.txt'}
      with-uid: {file: 'E:\keys\c.txt'}
      with-gid: {file: 'E:\keys\d.txt'}
    containers:
      web:
        image: busybox:latest
        secrets: [by-name, {source: by-source, target: b}, {source: with-uid, uid: '1'},
                  {source: with-gid, gid: '1'}]
    """, tmp_path) == ["secrets.by-name.file", "secrets.by-source.file"]

