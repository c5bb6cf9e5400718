"""The red team's file and process attacks (h13 report F5, F6, F7, F9, F10, F12, F13, F15), each
reproduced: a planted lock must never make Onlooker signal a stranger, a file another user owns
or a device or FIFO at the database path is refused in one line and left as it was, logs and
config writes never follow a planted link, and ``log -o`` is written privately.

The cross-user cases need root (to act as ``nobody``); the machine these run on is root."""

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from onlooker.storage.db import connect
from onlooker.storage.errors import StorageError, Unwritable
from onlooker.storage.lockfile import RecorderLock, holder, nudge_recorder
from onlooker.storage.store import Store
from onlooker.ui import config as configmod
from onlooker.ui import logs
from tests.ui.test_cli_files import onlooker, refused

NOBODY = 65534
SIG_BIT = {signal.SIGUSR1: 1 << (signal.SIGUSR1 - 1), signal.SIGTERM: 1 << (signal.SIGTERM - 1)}
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="acting as another user needs root")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert text and "\n" not in text
    return text


def pending(pid: int) -> int:
    """The signals waiting (blocked) at ``pid``: a signal sent shows here at once, no waiting."""
    fields = dict(ln.split(":\t", 1) for ln in Path(f"/proc/{pid}/status").read_text().splitlines()
                  if ":\t" in ln)
    return int(fields["SigPnd"], 16) | int(fields["ShdPnd"], 16)


BLOCKER = ("import signal, sys; signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, "
           "signal.SIGTERM}); print('ready', flush=True); sys.stdin.read()")


@pytest.fixture
def victim():
    """An innocent process of ours that blocks SIGUSR1 and SIGTERM, so a signal sent to it stays
    pending where the test can see it (an unblocked one would kill it, as in the report)."""
    proc = subprocess.Popen([sys.executable, "-c", BLOCKER], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "ready\n"
    yield proc.pid
    proc.kill()
    proc.wait()


def planted_lock(db: Path, pid: int, *, owner: int, as_nobody: bool) -> subprocess.Popen:
    """A process (of ``nobody``, or ours) holding an exclusive flock on ``<db>.lock``, a file
    owned by ``owner`` into which it wrote ``pid``."""
    fd = os.open(f"{db}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    os.fchown(fd, owner, owner)
    code = (f"import fcntl, os, sys; fcntl.flock({fd}, fcntl.LOCK_EX); os.ftruncate({fd}, 0); "
            f"os.write({fd}, b'{pid}'); print('ready', flush=True); sys.stdin.read()")
    cmd = [*(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] if as_nobody
             else []), "/usr/bin/python3", "-c", code]
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                pass_fds=(fd,))
    finally:
        os.close(fd)
    assert proc.stdout.readline() == "ready\n"
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    proc.wait(timeout=10)


# --- F12: the lock's pid is never trusted -----------------------------------------------------

@needs_root
def test_a_lock_planted_by_another_user_never_gets_a_process_signalled(tmp_path, victim):
    db = tmp_path / "shared.db"
    Store(connect(db)).conn.close()
    attacker = planted_lock(db, victim, owner=NOBODY, as_nobody=True)
    try:
        assert holder(db) is None  # status: not recording
        assert nudge_recorder(db) is False  # pause/resume/dashboard
        from onlooker.ui.tray import Actions
        assert Actions(db, tmp_path / "c.toml", []).quit_recording() is False  # the tray
        res = onlooker("resume", db=db)
        assert res.returncode == 0, res.stderr
        assert "recording: no" in onlooker("status", db=db).stdout
        assert pending(victim) & (SIG_BIT[signal.SIGUSR1] | SIG_BIT[signal.SIGTERM]) == 0
        with pytest.raises(Unwritable) as err:  # watch will not share it either
            RecorderLock(db).acquire()
        assert "another user" in one_line(err.value)
    finally:
        stop(attacker)


def test_our_own_lock_naming_a_process_that_does_not_hold_it_is_not_believed(tmp_path, victim):
    db = tmp_path / "mine.db"
    holder_proc = planted_lock(db, victim, owner=os.geteuid(), as_nobody=False)
    try:
        assert holder(db) is None
        assert nudge_recorder(db) is False
        assert pending(victim) & SIG_BIT[signal.SIGUSR1] == 0
    finally:
        stop(holder_proc)


def test_the_real_recorder_is_still_found_and_nudged(tmp_path):
    db = tmp_path / "real.db"
    code = ("import signal, sys; from pathlib import Path; "
            "from onlooker.storage.lockfile import RecorderLock; "
            "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1}); "
            f"lock = RecorderLock(Path({str(db)!r})).acquire(); print('ready', flush=True); "
            "sys.stdin.read()")
    rec = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, text=True)
    try:
        assert rec.stdout.readline() == "ready\n"
        assert holder(db) == rec.pid
        assert nudge_recorder(db) is True
        assert pending(rec.pid) & SIG_BIT[signal.SIGUSR1]
    finally:
        stop(rec)


# --- F13: files another user owns -----------------------------------------------------------

@needs_root
@pytest.mark.parametrize("which", ["", "-wal", "-shm"])
def test_a_database_file_another_user_owns_is_refused_and_left_alone(tmp_path, which):
    db = tmp_path / "pre.db"
    if which:
        Store(connect(db)).conn.close()
    planted = Path(f"{db}{which}")
    planted.touch()
    os.chown(planted, NOBODY, NOBODY)
    os.chmod(planted, 0o666)
    before = planted.read_bytes()
    for readonly in (False, True):
        with pytest.raises(StorageError) as err:
            connect(db, readonly=readonly)
        assert "another user" in one_line(err.value)
    assert planted.read_bytes() == before and mode(planted) == 0o666
    assert os.stat(planted).st_uid == NOBODY


@needs_root
def test_the_cli_refuses_a_database_another_user_created(tmp_path):
    db = tmp_path / "pre.db"
    db.touch()
    os.chown(db, NOBODY, NOBODY)
    os.chmod(db, 0o666)
    res = onlooker("meeting", "start", "--app", "VICTIMSECRETAPP", db=db)
    refused(res, "another user")
    assert db.read_bytes() == b"" and mode(db) == 0o666


@needs_root
def test_onlookers_own_data_directory_owned_by_another_user_is_refused(tmp_path):
    from onlooker.storage.paths import default_db_path
    db = default_db_path()
    db.parent.mkdir(parents=True, mode=0o755)
    os.chown(db.parent, NOBODY, NOBODY)
    with pytest.raises(StorageError) as err:
        connect(db)
    assert "another user" in one_line(err.value)
    assert os.listdir(db.parent) == [] and mode(db.parent) == 0o755


# --- F5 / F6: a device or a FIFO at the database path -------------------------------------------

@needs_root
@pytest.mark.parametrize("readonly", [False, True])
def test_a_device_at_the_database_path_is_refused_and_keeps_its_mode(tmp_path, readonly):
    dev = tmp_path / "null"  # a private /dev/null: the real one must never be at risk
    os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    os.chmod(dev, 0o666)
    with pytest.raises(StorageError) as err:
        connect(dev, readonly=readonly)
    assert "not a regular file" in one_line(err.value)
    assert mode(dev) == 0o666 and stat.S_ISCHR(os.lstat(dev).st_mode)


def test_a_link_to_a_device_is_refused_too(tmp_path):
    link = tmp_path / "n.db"
    link.symlink_to("/dev/null")
    before = mode(Path("/dev/null"))
    with pytest.raises(StorageError) as err:
        connect(link)
    assert "not a regular file" in one_line(err.value)
    assert mode(Path("/dev/null")) == before


@pytest.mark.parametrize("args", [("status",), ("meeting", "start", "--app", "x"), ("report",)])
def test_a_fifo_database_is_one_line_at_once_for_every_command(tmp_path, args):
    fifo = tmp_path / "f.db"
    os.mkfifo(fifo)
    res = onlooker(*args, db=fifo, timeout=20)  # before: status hung until killed
    refused(res, "not a regular file")


# --- F7: log files ------------------------------------------------------------------------------

def test_a_symlinked_log_is_refused_in_one_line_and_its_target_untouched(tmp_path, capfd,
                                                                            restore_logging):
    victim = tmp_path / "bashrc"
    victim.write_text("precious\n")
    os.chmod(victim, 0o644)
    log_file = tmp_path / "state" / "onlooker.log"
    log_file.parent.mkdir()
    log_file.symlink_to(victim)
    assert logs.configure(False, log_file) is None
    import logging
    logging.getLogger("onlooker.test").warning("an app name chosen by someone else")
    assert victim.read_text() == "precious\n" and mode(victim) == 0o644
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a plain file" in err[0] and "going on without it" in err[0]


def test_the_browser_hosts_log_does_not_follow_a_link(tmp_path):
    victim = tmp_path / "victim_log.txt"
    victim.write_text("precious\n")
    os.chmod(victim, 0o644)
    state = tmp_path / "st" / "onlooker"
    state.mkdir(parents=True)
    (state / "browser-host.log").symlink_to(victim)
    subprocess.run([sys.executable, "-m", "onlooker.ui.browser_host", "chrome-extension://x/"],
                   input=b"\x02\x00\x00\x00{}", capture_output=True, timeout=60,
                   env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "st"),
                        "ONLOOKER_DB": str(tmp_path / "bh.db")})
    assert victim.read_text() == "precious\n" and mode(victim) == 0o644


# --- F15: config writes -------------------------------------------------------------------------

def test_config_writes_never_follow_a_planted_tmp_link(tmp_path):
    cfg = tmp_path / "config.toml"
    victim = tmp_path / "victim"
    victim.write_text("mine\n")
    (tmp_path / "config.tmp").symlink_to(victim)
    configmod.set_value(cfg, "keep_titles", True)
    assert victim.read_text() == "mine\n"
    assert configmod.load(cfg).keep_titles is True and mode(cfg) == 0o600


def test_a_symlinked_config_is_written_through_and_stays_a_link(tmp_path):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "onlooker.toml"
    target.write_text('keep_titles = false\nvictim_key = "precious"\n')
    os.chmod(target, 0o640)
    cfg = tmp_path / "config.toml"
    cfg.symlink_to(target)
    configmod.set_value(cfg, "keep_titles", True)
    assert cfg.is_symlink() and os.readlink(cfg) == str(target)
    assert configmod.load(cfg).keep_titles is True
    assert 'victim_key = "precious"' in target.read_text()
    assert mode(target) == 0o600
    assert sorted(os.listdir(dotfiles)) == ["onlooker.toml"]  # no temp file left behind


def test_the_default_config_is_private(tmp_path):
    cfg = tmp_path / "c" / "config.toml"
    assert configmod.write_default(cfg) is True
    assert mode(cfg) == 0o600 and configmod.write_default(cfg) is False


# --- F10: log -o ------------------------------------------------------------------------------

@pytest.fixture
def recorded(tmp_path):
    db = tmp_path / "o.db"
    Store(connect(db)).mark("meeting_start", app="zoom")
    return db


def test_log_output_is_private_and_replaces_a_loose_file(tmp_path, recorded):
    old = os.umask(0o022)
    try:
        new, loose = tmp_path / "l2.jsonl", tmp_path / "e.jsonl"
        loose.write_text("x\n")
        os.chmod(loose, 0o666)
        for target in (new, loose):
            res = onlooker("log", "-o", str(target), db=recorded)
            assert res.returncode == 0, res.stderr
            assert mode(target) == 0o600 and '"zoom"' in target.read_text()
    finally:
        os.umask(old)


def test_log_output_never_writes_through_a_planted_link(tmp_path, recorded):
    victim = tmp_path / "victim"
    victim.write_text("mine\n")
    link = tmp_path / "lnk.jsonl"
    link.symlink_to(victim)
    res = onlooker("log", "-o", str(link), db=recorded)
    assert res.returncode == 0, res.stderr
    assert victim.read_text() == "mine\n"
    assert not link.is_symlink() and mode(link) == 0o600


@needs_root
def test_log_output_to_a_device_is_one_line_and_the_device_is_kept(tmp_path, recorded):
    dev = tmp_path / "null"
    os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    os.chmod(dev, 0o666)
    refused(onlooker("log", "-o", str(dev), db=recorded), "not a regular file")
    assert stat.S_ISCHR(os.lstat(dev).st_mode) and mode(dev) == 0o666


# --- F9: importing something that is not a file -------------------------------------------------

def test_importing_proc_mem_or_a_fifo_is_one_line(tmp_path):
    db = tmp_path / "i.db"
    refused(onlooker("import", "activitywatch", "/proc/self/mem", db=db), "/proc/self/mem")
    fifo = tmp_path / "aw.json"
    os.mkfifo(fifo)
    refused(onlooker("import", "activitywatch", str(fifo), db=db, timeout=20), "not a regular file")
