"""`onlooker browser install|uninstall|status` as a user runs them."""

import json
import os
import subprocess

from .harness import onlooker


def test_install_writes_a_manifest_and_launcher_that_uninstall_removes(tmp_path, user):
    profile = tmp_path / "chromium-profile"
    r = onlooker(user, "browser", "install", "--browser", "chromium", "--profile-dir", str(profile))
    assert r.returncode == 0, r.stderr
    assert "Load unpacked" in r.stdout and "browser_extension" in r.stdout
    manifest = profile / "NativeMessagingHosts" / "org.onlooker.browser.json"
    data = json.loads(manifest.read_text())
    assert data["allowed_origins"] == ["chrome-extension://hgakaigllhbfkhafccnpdaolbhglokgp/"]
    launcher = data["path"]
    assert os.access(launcher, os.X_OK)
    assert user["ONLOOKER_DB"] in open(launcher).read()   # the database chosen at install time
    # the launcher really starts a host that answers (as Chromium would start it)
    proc = subprocess.run([launcher, "chrome-extension://hgakaigllhbfkhafccnpdaolbhglokgp/"],
                          input=b"", capture_output=True, env=user, timeout=30)
    assert proc.returncode == 0, proc.stderr
    status = onlooker(user, "browser", "status", "--browser", "chromium", "--profile-dir",
                      str(profile))
    assert f"host manifest for chromium: {manifest}" in status.stdout
    assert "not connected" in status.stdout
    r = onlooker(user, "browser", "uninstall", "--browser", "chromium", "--profile-dir",
                 str(profile))
    assert "removed" in r.stdout and not manifest.exists()
    assert not os.path.exists(launcher)
    status = onlooker(user, "browser", "status", "--browser", "chromium", "--profile-dir",
                      str(profile))
    assert "no host manifest for chromium (onlooker browser install --browser chromium" \
        in status.stdout


def test_firefox_manifest_names_the_add_on(tmp_path, user):
    r = onlooker(user, "browser", "install", "--browser", "firefox")
    assert r.returncode == 0, r.stderr
    data = json.loads((tmp_path / ".mozilla" / "native-messaging-hosts" /
                       "org.onlooker.browser.json").read_text())
    assert data["allowed_extensions"] == ["onlooker@onlooker.invalid"]


def test_uninstall_leaves_files_that_are_not_ours(tmp_path, user):
    folder = tmp_path / ".config" / "chromium" / "NativeMessagingHosts"
    folder.mkdir(parents=True)
    other = folder / "org.onlooker.browser.json"
    other.write_text('{"name": "org.onlooker.browser", "description": "someone else"}')
    r = onlooker(user, "browser", "uninstall", "--browser", "chromium")
    assert "nothing to remove" in r.stdout and other.exists()


def test_profile_dir_needs_one_browser(tmp_path, user):
    r = onlooker(user, "browser", "install", "--profile-dir", str(tmp_path / "p"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--browser" in r.stderr
