"""The ``onlooker`` command. Thin: parse, call one function, print one clear line on error."""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import nullcontext
from importlib import resources
from pathlib import Path

import click

from shim.obslog import LogError
from shim.replay import UnknownProfile, replay_events, replay_file
from storage.errors import StorageError

from . import config as configmod
from . import timeparse
from .render import table

EXAMPLES_PACKAGE = "shim.examples"


class Failure(click.ClickException):
    """One line on stderr, exit 2 for usage-like problems or 1 otherwise."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.exit_code = code

    def show(self, file=None):
        click.echo(f"onlooker: {self.message}", err=True)


def _db_path(ctx: click.Context) -> Path:
    from storage.paths import default_db_path

    return Path(ctx.obj["db"]) if ctx.obj.get("db") else default_db_path()


def _config(ctx: click.Context) -> configmod.Config:
    from storage.paths import default_config_path

    try:
        return configmod.load(default_config_path())
    except configmod.ConfigError as exc:
        raise Failure(str(exc), 2) from None


def _store(ctx: click.Context, *, readonly: bool = False):
    from storage.db import connect
    from storage.store import Store

    return Store(connect(_db_path(ctx), readonly=readonly))  # errors: see _Group.invoke


def _moment(text: str | None, name: str) -> float | None:
    if text is None:
        return None
    try:
        return timeparse.moment(text)
    except ValueError as exc:
        raise Failure(f"--{name}: {exc}", 2) from None


def _nudge_recorder(ctx: click.Context) -> None:
    from storage.lockfile import nudge_recorder

    nudge_recorder(_db_path(ctx))


class _Group(click.Group):
    """Storage trouble anywhere (a locked or unwritable database) ends as one clear line."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except StorageError as exc:
            raise Failure(str(exc)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", type=click.Path(dir_okay=False), envvar="ONLOOKER_DB",
              help="Database file (default: the per-user data directory; env ONLOOKER_DB).")
@click.version_option(package_name="onlooker")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """See what attention-tracking software could see about you, on your own machine.

    \b
    Examples:
      onlooker demo                          the classroom scenario in the dashboard
      onlooker watch                         record this desktop (Ctrl-C stops)
      onlooker replay --example email-during-lecture
      onlooker report --date today
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db


# --- recording ------------------------------------------------------------------------------

@cli.command()
@click.pass_context
def watch(ctx: click.Context) -> None:
    """Record focus, minimize, lock and input counts until Ctrl-C.

    \b
    Nothing about which keys you press or where the pointer is is recorded: only how many
    key presses and pointer events happened in each second. Window titles are kept only if
    keep_titles is on in the config file.

    \b
    Example:
      onlooker --db /tmp/test.db watch
    """
    from shim.errors import ShimError

    cfg = _config(ctx)
    try:
        from .watch import watch as run_watch

        code = run_watch(_db_path(ctx), cfg, echo=click.echo)
    except ShimError as exc:
        raise Failure(str(exc), 2) from None
    ctx.exit(code)


@cli.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Whether a recorder runs, today's counts, the database's path and size.

    \b
    Example:
      onlooker status
    """
    from storage.lockfile import holder

    path = _db_path(ctx)
    pid = holder(path)
    click.echo(f"recording: {'yes (pid %d)' % pid if pid else 'no'}")
    click.echo(f"database: {path}")
    if not path.exists():
        click.echo("nothing recorded yet")
        return
    size = sum(os.path.getsize(str(path) + s) for s in ("", "-wal") if os.path.exists(str(path) + s))
    click.echo(f"size: {size / 1024:.1f} KiB")
    store = _store(ctx, readonly=True)
    paused = store.paused_until()
    if paused:
        click.echo("paused: " + ("until resumed" if paused == float("inf")
                                 else f"until {time.strftime('%H:%M:%S', time.localtime(paused))}"))
    start, end = timeparse.day_range("today")
    counts = store.counts(start, end)
    click.echo("today: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()))


@cli.command()
@click.option("--for", "for_", metavar="DURATION", help="Resume by itself after this long (30m, 2h).")
@click.pass_context
def pause(ctx: click.Context, for_: str | None) -> None:
    """Stop recording until 'onlooker resume' (or for a while).

    \b
    Examples:
      onlooker pause
      onlooker pause --for 30m
    """
    try:
        until = time.time() + timeparse.duration(for_) if for_ else float("inf")
    except ValueError as exc:
        raise Failure(f"--for: {exc}", 2) from None
    store = _store(ctx)
    store.set_setting("paused_until", repr(until))
    store.mark("pause")
    _nudge_recorder(ctx)
    click.echo("paused" + (f" until {time.strftime('%H:%M:%S', time.localtime(until))}" if for_ else
                           "; 'onlooker resume' starts again"))


@cli.command()
@click.pass_context
def resume(ctx: click.Context) -> None:
    """Start recording again after a pause."""
    store = _store(ctx)
    store.set_setting("paused_until", None)
    store.mark("resume")
    _nudge_recorder(ctx)
    click.echo("recording resumed")


@cli.group()
def meeting() -> None:
    """Mark a meeting by hand (for apps the rules do not recognise)."""


@meeting.command("start")
@click.option("--app", default="meeting", show_default=True,
              help="The app whose window is the meeting window (as focus events name it).")
@click.option("--sharing", is_flag=True, help="Someone is sharing a screen from the start.")
@click.option("--at", "at", metavar="TIME", help="When it happened, if not now (09:58, -10m).")
@click.pass_context
def meeting_start(ctx: click.Context, app: str, sharing: bool, at: str | None) -> None:
    """Mark that a meeting started now (or --at an earlier time).

    \b
    Examples:
      onlooker meeting start --app zoom --sharing
      onlooker meeting start --app teams --at -10m
    """
    store = _store(ctx)
    ts = _moment(at, "at")
    store.mark("meeting_start", app=app, ts=ts, data={"source": "manual"})
    if sharing:
        store.mark("share_start", ts=ts, data={"source": "manual"})
    click.echo(f"meeting in {app} started" + (" with screen sharing" if sharing else ""))


@meeting.command("stop")
@click.option("--at", "at", metavar="TIME", help="When it happened, if not now (09:58, -10m).")
@click.pass_context
def meeting_stop(ctx: click.Context, at: str | None) -> None:
    """Mark that the meeting ended now (and any sharing with it)."""
    store = _store(ctx)
    ts = _moment(at, "at")
    if store.last_state("share_start", "share_end", 2**62):
        store.mark("share_end", ts=ts, data={"source": "manual"})
    store.mark("meeting_end", ts=ts, data={"source": "manual"})
    click.echo("meeting ended")


@cli.command()
@click.argument("state", type=click.Choice(["on", "off"]))
@click.option("--at", "at", metavar="TIME", help="When it happened, if not now (09:58, -10m).")
@click.pass_context
def sharing(ctx: click.Context, state: str, at: str | None) -> None:
    """Mark that someone in the meeting started (on) or stopped (off) sharing a screen.

    \b
    Zoom's 2020 rule only counted while someone shared. Example:
      onlooker sharing on
    """
    _store(ctx).mark("share_start" if state == "on" else "share_end", ts=_moment(at, "at"),
                     data={"source": "manual"})
    click.echo(f"sharing {state}")


# --- reading --------------------------------------------------------------------------------

def _range(ctx, date: str | None, from_: str | None, to: str | None) -> tuple[float, float]:
    if date and (from_ or to):
        raise Failure("give --date or --from/--to, not both", 2)
    if date or not (from_ or to):
        try:
            return timeparse.day_range(date or "today")
        except ValueError as exc:
            raise Failure(f"--date: {exc}", 2) from None
    start = _moment(from_, "from")
    end = _moment(to, "to") or time.time()
    if start is None:
        start = end - 86400
    if end <= start:
        raise Failure("--to must be after --from", 2)
    return start, end


@cli.command()
@click.option("--from", "from_", metavar="TIME", help="Start (ISO time, HH:MM, yesterday, -2h).")
@click.option("--to", metavar="TIME", help="End (default: now).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of standard output.")
@click.pass_context
def log(ctx: click.Context, from_: str | None, to: str | None, output: str | None) -> None:
    """Write recorded observations as an observation log (JSON Lines, version 1).

    \b
    Example:
      onlooker log --from 09:00 --to 12:00 -o morning.jsonl
      onlooker replay morning.jsonl
    """
    from storage.export import log_lines

    store = _store(ctx, readonly=True)
    lines = log_lines(store, _moment(from_, "from"), _moment(to, "to") or time.time() + 1)
    try:
        target = open(output, "w", encoding="utf-8") if output else nullcontext(sys.stdout)
    except OSError as exc:
        raise Failure(f"cannot write {output}: {exc.strerror}") from None
    with target as fh:
        for line in lines:
            fh.write(line + "\n")


@cli.command()
@click.option("--from", "from_", metavar="TIME", help="Start of the range to delete.")
@click.option("--to", metavar="TIME", help="End of the range to delete.")
@click.option("--all", "everything", is_flag=True, help="Delete everything recorded.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def forget(ctx: click.Context, from_: str | None, to: str | None, everything: bool, yes: bool) -> None:
    """Delete recorded data for good (database and WAL are overwritten, not just unlinked).

    \b
    Examples:
      onlooker forget --from 2026-11-28T09:00 --to 2026-11-28T10:00
      onlooker forget --all --yes
    """
    if everything == bool(from_ or to) or (not everything and not (from_ and to)):
        raise Failure("give --from and --to, or --all", 2)
    what = "everything recorded" if everything else f"everything from {from_} to {to}"
    if not yes and not click.confirm(f"Delete {what}?", default=False):
        raise Failure("nothing deleted", 1)
    store = _store(ctx)
    n = store.forget() if everything else store.forget(_moment(from_, "from"), _moment(to, "to"))
    click.echo(f"deleted {n} rows; the bytes are gone from the database and its WAL")


def _example_path(name: str) -> Path:
    names = example_names()
    if name not in names:
        raise Failure(f"no example {name!r}; examples: {', '.join(names)}", 2)
    return Path(str(resources.files(EXAMPLES_PACKAGE).joinpath(f"{name}.jsonl")))


def example_names() -> list[str]:
    return sorted(p.name[:-6] for p in resources.files(EXAMPLES_PACKAGE).iterdir()
                  if p.name.endswith(".jsonl"))


def _emit(replay, as_json: bool) -> None:
    if as_json:
        import orjson  # json.dumps with indent falls back to the slow pure-Python encoder

        click.echo(orjson.dumps(replay.to_json(), option=orjson.OPT_INDENT_2).decode())
    else:
        click.echo(table(replay))


@cli.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--example", metavar="NAME", help="Replay a bundled demonstration log instead.")
@click.option("--list-examples", is_flag=True, help="List the bundled demonstration logs.")
@click.option("--profile", "profiles", multiple=True, metavar="ID",
              help="Only this profile (repeatable): zoom-2020, gotowebinar, canvas-quiz-log, "
                   "proctorio, hubstaff, activtrak, time-doctor, teams-presence, "
                   "slack-presence, web-page.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def replay(file: str | None, example: str | None, list_examples: bool, profiles: tuple[str, ...],
           as_json: bool) -> None:
    """Replay an observation log through the trackers' documented rules.

    \b
    Examples:
      onlooker replay --list-examples
      onlooker replay --example quiz-tab-switches --profile canvas-quiz-log
      onlooker replay my-morning.jsonl --json
    """
    if list_examples:
        for name in example_names():
            click.echo(name)
        return
    if bool(file) == bool(example):
        raise Failure("give a log FILE or --example NAME", 2)
    path = _example_path(example) if example else Path(file)
    try:
        result = replay_file(str(path), profiles or None)
    except FileNotFoundError:
        raise Failure(f"{path}: no such file", 2) from None
    except (UnicodeDecodeError, IsADirectoryError, PermissionError) as exc:
        raise Failure(f"{path}: cannot read it as text ({exc.__class__.__name__})", 2) from None
    except LogError as exc:
        raise Failure(f"{path}: {exc}; nothing was replayed", 2) from None
    except UnknownProfile as exc:
        raise Failure(str(exc), 2) from None
    _emit(result, as_json)


@cli.command()
@click.option("--date", metavar="DAY", help="A day: 2026-11-28, today (default), yesterday.")
@click.option("--from", "from_", metavar="TIME", help="Start of a range instead of a day.")
@click.option("--to", metavar="TIME", help="End of the range (default: now).")
@click.option("--profile", "profiles", multiple=True, metavar="ID", help="Only this profile.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def report(ctx, date, from_, to, profiles, as_json) -> None:
    """What each tracker would have inferred from what was recorded.

    \b
    Examples:
      onlooker report
      onlooker report --date yesterday --profile zoom-2020
      onlooker report --from 09:00 --to 12:00 --json
    """
    from storage.lockfile import holder

    start, end = _range(ctx, date, from_, to)
    store = _store(ctx, readonly=True)
    if not (from_ or to):  # a whole day: only the part that was observed counts
        observed = store.observed(start, end, live=bool(holder(_db_path(ctx))))
        start, end = observed or (start, start + 1)
    header, events = store.events(start, end + 0.001)
    try:
        result = replay_events(header, events, profiles or None, until=end - start)
    except UnknownProfile as exc:
        raise Failure(str(exc), 2) from None
    _emit(result, as_json)


@cli.group("import")
def import_() -> None:
    """Bring in data recorded by other tools."""


@import_.command("activitywatch")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--server", metavar="URL", help="Read from a running aw-server on this machine "
                                              "(e.g. http://127.0.0.1:5600), read-only.")
@click.pass_context
def import_activitywatch(ctx, file: str | None, server: str | None) -> None:
    """Import an ActivityWatch export: window events become focus, not-afk becomes input.

    \b
    Examples:
      onlooker import activitywatch aw-buckets-export.json
      onlooker import activitywatch --server http://127.0.0.1:5600
    """
    from shim.aw import AWFormatError, translate

    from .awfetch import FetchError, fetch_export

    if bool(file) == bool(server):
        raise Failure("give an export FILE or --server URL", 2)
    try:
        if server:
            data = fetch_export(server)
        else:
            with open(file, encoding="utf-8") as fh:
                data = json.load(fh)
        focus, spans = translate(data, _config(ctx).classifier)
    except FileNotFoundError:
        raise Failure(f"{file}: no such file", 2) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Failure(f"{file}: not JSON ({exc}); nothing was imported", 2) from None
    except (AWFormatError, FetchError) as exc:
        raise Failure(f"{exc}; nothing was imported", 2) from None
    store = _store(ctx)
    with store.immediate():
        if focus:  # re-importing replaces what an earlier import of the same range brought
            store.conn.execute("DELETE FROM events WHERE data = ? AND ts >= ? AND ts <= ?",
                               ('{"source":"activitywatch"}', round(focus[0].ts * 1000),
                                round(focus[-1].ts * 1000)))
        store.add_events(focus)
        for s in spans:
            store.add_span(int(s.start), max(int(s.start) + 1, int(-(-s.end // 1))))
    click.echo(f"imported {len(focus)} window changes and {len(spans)} active periods")


@cli.command()
@click.option("--example", default="email-during-lecture", show_default=True,
              help="Which bundled scenario to show.")
@click.option("--browser", is_flag=True, help="Serve the dashboard and print its URL instead "
                                               "of opening a window.")
@click.option("--once", is_flag=True, help="Load and report, then exit (no dashboard).")
@click.option("--serve-for", type=float, hidden=True, help="Stop serving after this many seconds.")
def demo(example: str, browser: bool, once: bool, serve_for: float | None) -> None:
    """The classroom scenario through the real pipeline: log -> database -> rules -> dashboard.

    \b
    Examples:
      onlooker demo
      onlooker demo --example quiz-tab-switches --browser
    """
    from .demo import run_demo

    try:
        run_demo(_example_path(example), browser=browser, once=once, echo=click.echo,
                 serve_for=serve_for, scenarios={n: _example_path(n) for n in example_names()})
    except LogError as exc:
        raise Failure(str(exc)) from None


@cli.command()
@click.option("--browser", is_flag=True, help="Serve it and print the URL for any browser on "
                                               "this machine instead of opening a window.")
@click.option("--serve-for", type=float, hidden=True, help="Stop serving after this many seconds.")
@click.pass_context
def dashboard(ctx: click.Context, browser: bool, serve_for: float | None) -> None:
    """The exposure dashboard: your day as hosts, proctors and employers would see it.

    \b
    It listens on 127.0.0.1 only, with a new key each launch, and stops when you close it.
    Examples:
      onlooker dashboard
      onlooker dashboard --browser
    """
    from .dashboard.app import open_dashboard

    store = _store(ctx)
    open_dashboard(store, _db_path(ctx), browser=browser, echo=click.echo, serve_for=serve_for)


@cli.command("config")
@click.option("--init", is_flag=True, help="Write a commented default config file.")
def config_cmd(init: bool) -> None:
    """Show where the config file is (meeting rules, keep_titles), or create it."""
    from storage.paths import default_config_path

    path = default_config_path()
    if init:
        created = configmod.write_default(path)
        click.echo(f"{'created' if created else 'already exists'}: {path}")
        return
    click.echo(str(path) + ("" if path.exists() else " (not created yet; --init writes one)"))


def main() -> None:
    cli(prog_name="onlooker")
