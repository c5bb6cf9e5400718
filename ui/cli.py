"""The ``onlooker`` command. Thin: parse, call one function, print one clear line on error."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import click

from onlooker.shim.model import InvalidTime, check_range
from onlooker.shim.obslog import LogError
from onlooker.shim.replay import UnknownProfile, replay_file
from onlooker.storage.errors import StorageError

from . import config as configmod
from . import timeparse
from .render import printable, table

EXAMPLES_PACKAGE = "onlooker.shim.examples"


from .clibase import Failure  # noqa: E402  (shared with the command modules registered below)
from .clibase import db_path as _db_path  # noqa: E402


def _config(ctx: click.Context) -> configmod.Config:
    from onlooker.storage.paths import default_config_path

    try:
        return configmod.load(default_config_path())
    except configmod.ConfigError as exc:
        raise Failure(str(exc), 2) from None


def _store(ctx: click.Context, *, readonly: bool = False):
    from onlooker.storage.db import BUSY_TIMEOUT_MS, connect
    from onlooker.storage.store import Store

    timeout = ctx.obj.get("busy_timeout_ms", BUSY_TIMEOUT_MS)  # tests inject a short one
    # notices (a loose file mode fixed) go straight to stderr: the log is silent without -v
    return Store(connect(_db_path(ctx), readonly=readonly, busy_timeout_ms=timeout,
                         notice=lambda m: click.echo(f"onlooker: {m}", err=True)))
    # errors: see _Group.invoke


def _service(ctx: click.Context, *, readonly: bool = False):
    from .service import Service

    return Service(_store(ctx, readonly=readonly), _db_path(ctx))


def _moment(text: str | None, name: str) -> float | None:
    if text is None:
        return None
    try:
        return timeparse.moment(text)
    except ValueError as exc:
        raise Failure(f"--{name}: {exc}", 2) from None


def _moment_option(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    return _moment(value, param.name.rstrip("_"))


# Options several commands share, written once.
def at_option(f):
    return click.option("--at", "at", metavar="TIME", callback=_moment_option,
                        help="When it happened, if not now (09:58, -10m, 2026-11-28T09:58).")(f)


def from_to_options(from_help: str, to_help: str):
    def decorate(f):
        f = click.option("--to", metavar="TIME", help=to_help)(f)
        return click.option("--from", "from_", metavar="TIME", help=from_help)(f)
    return decorate


class _ProfileOption(click.Option):
    """``--profile``, whose help lists the registry's ids when help is shown (not when this
    module is defined), so a profile added to the registry appears there without an edit here."""

    def get_help_record(self, ctx: click.Context):
        from onlooker.shim.profiles import PROFILES

        self.help = "Only this profile (repeatable): " + ", ".join(PROFILES) + "."
        return super().get_help_record(ctx)


def profile_options(f):
    f = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")(f)
    return click.option("--profile", "profiles", multiple=True, metavar="ID",
                        cls=_ProfileOption)(f)


def _hoist_db(args: list[str]) -> list[str]:
    """``--db PATH`` is the group's option, but people type it after the command too
    (``onlooker report --db x.db``): move it to the front, where click expects it."""
    out, hoisted, i = [], [], 0
    while i < len(args):
        a = args[i]
        if a == "--":
            out += args[i:]
            break
        if a == "--db" and i + 1 < len(args):
            hoisted += [a, args[i + 1]]
            i += 2
            continue
        if a.startswith("--db="):
            hoisted.append(a)
        else:
            out.append(a)
        i += 1
    return hoisted + out


def _one_line(exc: click.UsageError) -> Failure:
    """A usage mistake as one line that says where help is (click's own takes three)."""
    where = exc.ctx.command_path if exc.ctx is not None else "onlooker"
    return Failure(f"{exc.format_message().rstrip('.')}; see '{where} --help'", 2)


class _Group(click.Group):
    """Usage mistakes and storage trouble anywhere (a locked or unwritable database) end as
    one clear line."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _hoist_db(list(args)))

    def make_context(self, *args, **kwargs) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as exc:
            raise _one_line(exc) from None

    def invoke(self, ctx: click.Context):
        import sqlite3

        from onlooker.storage.errors import describe

        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as exc:
            raise _one_line(exc) from None
        except StorageError as exc:
            raise Failure(str(exc)) from None
        except sqlite3.Error as exc:  # one that escaped storage's own translation
            raise Failure(str(describe(exc) or f"the database failed: {exc}; run the command "
                              "again with -v, and report it if it persists")) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", type=click.Path(), envvar="ONLOOKER_DB",
              help="Database file (default: the per-user data directory; env ONLOOKER_DB).")
@click.option("-v", "--verbose", is_flag=True, help="Show the log on stderr (debug detail).")
@click.version_option(package_name="onlooker")
@click.pass_context
def cli(ctx: click.Context, db: str | None, verbose: bool) -> None:
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
    ctx.obj["verbose"] = verbose
    from . import logs

    logs.configure(verbose)


# --- recording ------------------------------------------------------------------------------

@cli.command()
@click.pass_context
def watch(ctx: click.Context) -> None:
    """Record focus, minimize, lock and input activity until Ctrl-C.

    Nothing about which keys you press, how many, or where the pointer is is recorded: only
    whether each second had keyboard or pointer input. On X11 that comes from the X server's
    idle counters, so no key press reaches Onlooker at all. Window titles are kept only if
    keep_titles is on in the config file.

    \b
    Environment:
      ONLOOKER_BACKEND  x11, wlroots, gnome, kde, xwayland or fake
                        (default: the one for this session)
      ONLOOKER_INPUT    xsync or pynput: where X11 input activity comes from
                        (default: xsync if the X server has it, else pynput)

    \b
    Example:
      onlooker --db /tmp/test.db watch
    """
    from onlooker.shim.errors import ShimError

    cfg = _config(ctx)
    try:
        from . import logs
        from .watch import watch as run_watch

        logs.configure(ctx.obj.get("verbose", False), logs.default_log_file())

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
    from onlooker.storage.lockfile import holder

    path = _db_path(ctx)
    pid = holder(path)
    click.echo(f"recording: {'yes (pid %d)' % pid if pid else 'no'}")
    click.echo(f"database: {path}")
    if not path.exists():
        click.echo("nothing recorded yet")
        return
    service = _service(ctx, readonly=True)
    click.echo(f"size: {service.size_bytes() / 1024:.1f} KiB")
    store = service.store
    paused = store.paused_until()
    if paused:
        click.echo("paused: " + ("until resumed" if paused == float("inf")
                                 else f"until {time.strftime('%H:%M:%S', time.localtime(paused))}"))
    start, end = timeparse.day_range("today")
    counts = store.counts(start, end)
    keyboard, pointer = counts.pop("active_seconds_keyboard"), counts.pop("active_seconds_pointer")
    click.echo("today: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items())
               + f" (in stretches with keyboard input {keyboard}, with pointer input {pointer})")
    source = _input_source(store.get_setting("input_source"))
    if source:
        click.echo(("input: " if pid else "input (last recording): ") + source)
    apps = service.recent_apps()
    if apps:  # the names 'meeting start --app' expects
        click.echo(printable("apps seen in the last day: " + ", ".join(apps)))


def _input_source(noted: str | None) -> str | None:
    """The recorder's input source as one line: what it is and its resolution."""
    try:
        info = json.loads(noted) if noted else None
        return (f"{info['source']} - {info['description']}; "
                f"resolution {float(info['resolution_s']):g} s") if info else None
    except (ValueError, TypeError, KeyError):
        return None


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
        seconds = timeparse.duration(for_) if for_ else None
        if seconds is not None and seconds <= 0:
            raise ValueError(f"{for_!r} is no time at all; give how long, e.g. 30m")
    except ValueError as exc:
        raise Failure(f"--for: {exc}", 2) from None
    until = _service(ctx).pause(seconds)
    same_day = time.localtime(until)[:3] == time.localtime()[:3] if for_ else True
    when = time.strftime("%H:%M:%S" if same_day else "%Y-%m-%d %H:%M:%S",
                         time.localtime(until)) if for_ else ""
    click.echo("paused" + (f" until {when}" if for_ else "; 'onlooker resume' starts again"))


@cli.command()
@click.pass_context
def resume(ctx: click.Context) -> None:
    """Start recording again after a pause.

    \b
    Example:
      onlooker resume
    """
    _service(ctx).resume()
    click.echo("recording resumed")


@cli.group()
def meeting() -> None:
    """Mark a meeting by hand (for apps the rules do not recognise).

    \b
    Examples:
      onlooker meeting start --app zoom --sharing
      onlooker meeting stop
    """


@meeting.command("start")
@click.option("--app", default="meeting", show_default=True,
              help="The app whose window is the meeting window (as focus events name it).")
@click.option("--sharing", is_flag=True, help="Someone is sharing a screen from the start.")
@at_option
@click.pass_context
def meeting_start(ctx: click.Context, app: str, sharing: bool, at: float | None) -> None:
    """Mark that a meeting started now (or --at an earlier time).

    \b
    Examples:
      onlooker meeting start --app zoom --sharing
      onlooker meeting start --app teams --at -10m
    """
    service = _service(ctx)
    seen = service.recent_apps()
    known = {a.lower(): a for a in seen}
    if app.lower() in known:
        app = known[app.lower()]  # the spelling focus events use, so the rules can match it
    elif seen:
        click.echo(printable(f"onlooker: note: no window of {app!r} was recorded in the last "
                             f"day; recorded apps: {', '.join(seen[:12])}"), err=True)
    service.meeting_start(app, sharing=sharing, at=at)
    click.echo(printable(f"meeting in {app} started" + (" with screen sharing" if sharing else "")))


@meeting.command("stop")
@at_option
@click.pass_context
def meeting_stop(ctx: click.Context, at: float | None) -> None:
    """Mark that the meeting ended now (and any sharing with it).

    \b
    Examples:
      onlooker meeting stop
      onlooker meeting stop --at 10:45
    """
    _service(ctx).meeting_stop(at)
    click.echo("meeting ended")


@cli.command()
@click.argument("state", type=click.Choice(["on", "off"]))
@at_option
@click.pass_context
def sharing(ctx: click.Context, state: str, at: float | None) -> None:
    """Mark that someone in the meeting started (on) or stopped (off) sharing a screen.

    \b
    Zoom's 2020 rule only counted while someone shared. Example:
      onlooker sharing on
    """
    service = _service(ctx)
    if state == "on" and not service.in_meeting(at):
        raise Failure("no meeting is marked at that time, and Zoom's rule only counted sharing "
                      "during a meeting; start one with 'onlooker meeting start --app APP "
                      "--sharing'", 2)
    service.sharing(state == "on", at)
    click.echo(f"sharing {state}")


# --- reading --------------------------------------------------------------------------------

def _span(from_: str | None, to: str | None, *, start: float | None = None,
          end: float | None = None, limit: bool = False) -> tuple[float | None, float | None]:
    """The one range check of log, forget, report (and the dashboard's, through the same model
    function): --from/--to parsed, defaults filled in, the end after the start, and (``limit``)
    no longer than a report may cover. Runs before any prompt or database access."""
    a = _moment(from_, "from") if from_ else start
    b = _moment(to, "to") if to else end
    if from_ and not to and a is not None and b is not None and b <= a:
        raise Failure(f"--from: {from_!r} has not come yet; give an earlier time (for "
                      "yesterday's, a date: 2026-11-28T09:00, or -12h)", 2)
    if a is not None and b is not None:
        try:
            if limit:
                check_range(a, b, "range")
            elif b <= a:
                raise InvalidTime("the end of the range must be after its start")
        except InvalidTime as exc:
            raise Failure(f"--from/--to: {exc}", 2) from None
    return a, b


def _range(ctx, date: str | None, from_: str | None, to: str | None) -> tuple[float, float]:
    if date and (from_ or to):
        raise Failure("give --date or --from/--to, not both", 2)
    if date or not (from_ or to):
        try:
            return timeparse.day_range(date or "today")
        except ValueError as exc:
            raise Failure(f"--date: {exc}", 2) from None
    now = time.time()
    b = _moment(to, "to") if to else now
    return _span(from_, to, start=b - 86400, end=now, limit=True)


@cli.command()
@from_to_options("Start (ISO time, HH:MM, yesterday, -2h).", "End (default: now).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of standard output.")
@click.pass_context
def log(ctx: click.Context, from_: str | None, to: str | None, output: str | None) -> None:
    """Write recorded observations as an observation log (JSON Lines, version 1).

    \b
    Examples:
      onlooker log --from 09:00 --to 12:00 -o morning.jsonl
      onlooker replay morning.jsonl
    """
    start, end = _span(from_, to, end=time.time() + 1)
    service = _service(ctx, readonly=True)
    lines = service.log_lines(start, end)
    if output is None:
        for line in lines:
            sys.stdout.write(line + "\n")
        return
    # like the diary: 0600, whole or absent, never through a link planted at the name
    _write_output(Path(output), ((line + "\n").encode() for line in lines))


@cli.command()
@from_to_options("Start of the range to delete.", "End of the range to delete.")
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
    start, end = _span(from_, to)
    what = ("everything recorded" if everything else
            f"everything from {_local(start)} to {_local(end)}")
    if not yes:
        try:
            agreed = click.confirm(f"Delete {what}?", default=False)
        except click.Abort:  # no answer (no terminal, Ctrl-D): nothing is deleted
            agreed = False
        if not agreed:
            raise Failure("nothing deleted (give --yes to delete without the question)", 1)
    service = _service(ctx)
    n = service.forget() if everything else service.forget(start, end)
    if n == 0:
        click.echo("nothing was recorded " + ("at all" if everything else "in that range") +
                   "; nothing deleted")
        return
    click.echo(f"deleted {n} rows; the bytes are gone from the database and its WAL")


def _local(epoch: float) -> str:
    """A moment as the person reads it: local time, with the zone named."""
    return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(epoch))


def _write_output(target: Path, data) -> None:
    """-o's file, whole or not at all; a path that cannot be written is a usage problem (2)."""
    from .files import write_atomic

    try:
        write_atomic(target, data)
    except OSError as exc:
        raise Failure(f"cannot write {target}: {exc.strerror or exc}; nothing was written "
                      "(give -o a path in a folder you can write to)", 2) from None


@contextmanager
def _reading_log(path: Path, consequence: str) -> Iterator[None]:
    """An observation log that cannot be read or parsed, as one line naming it."""
    try:
        yield
    except FileNotFoundError:
        raise Failure(f"{path}: no such file (check the path; 'onlooker log -o FILE' writes "
                      "a log of your recordings)", 2) from None
    except (UnicodeDecodeError, IsADirectoryError, PermissionError) as exc:
        raise Failure(f"{path}: cannot read it as text ({exc.__class__.__name__})", 2) from None
    except LogError as exc:
        raise Failure(f"{path}: {exc}; {consequence}", 2) from None


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

        # bytes straight out: a year's JSON is 50 MB, and a str copy (and its re-encoding) twice that
        sys.stdout.flush()
        out = sys.stdout.buffer
        out.write(orjson.dumps(replay.to_json(), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))
        out.flush()
    else:
        click.echo(table(replay))


@cli.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--example", metavar="NAME", help="Replay a bundled demonstration log instead.")
@click.option("--list-examples", is_flag=True, help="List the bundled demonstration logs.")
@profile_options
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
        with _reading_log(path, "nothing was replayed"):
            result = replay_file(str(path), profiles or None)
    except UnknownProfile as exc:
        raise Failure(str(exc), 2) from None
    _emit(result, as_json)


@cli.command()
@click.option("--date", metavar="DAY", help="A day: 2026-11-28, today (default), yesterday.")
@from_to_options("Start of a range instead of a day.", "End of the range (default: now).")
@profile_options
@click.pass_context
def report(ctx, date, from_, to, profiles, as_json) -> None:
    """What each tracker would have inferred from what was recorded.

    \b
    Examples:
      onlooker report
      onlooker report --date yesterday --profile zoom-2020
      onlooker report --from 09:00 --to 12:00 --json
    """
    start, end = _range(ctx, date, from_, to)
    service = _service(ctx, readonly=True)
    try:  # only the observed part of the range counts: unrecorded time is not idle
        period = service.replay_observed(start, end, profiles or None)
    except UnknownProfile as exc:
        raise Failure(str(exc), 2) from None
    _emit(period.replay, as_json)


@cli.command("diary")
@click.option("--date", metavar="DAY", help="A day: 2026-11-28, today (default), yesterday.")
@from_to_options("First day (2026-11-01, yesterday).", "Last day, included (default: today).")
@click.option("--week", metavar="WEEK", help="An ISO week: 2026-W48, this, last.")
@click.option("--month", metavar="MONTH", help="A month: 2026-11, this, last.")
@click.option("--format", "fmt", type=click.Choice(["html", "md", "json", "csv", "pdf"]),
              default="html", show_default=True, help="PDF needs Chromium or Google Chrome.")
@click.option("-o", "--output", metavar="FILE",  # checked when written: one line, no partial file
              help="Write to this file (a PDF: default onlooker-diary-DAY.pdf here).")
@click.option("--profile", "profiles", multiple=True, metavar="ID", cls=_ProfileOption)
@click.option("--anonymize", is_flag=True, help="App names and web addresses become their kind.")
@click.option("--log", "log_file", type=click.Path(dir_okay=False),
              help="From an observation log instead of the recordings.")
@click.option("--example", metavar="NAME", help="From a bundled demonstration log.")
@click.pass_context
def diary_cmd(ctx, date, from_, to, week, month, fmt, output, profiles, anonymize, log_file,
              example) -> None:
    """The privacy diary: what trackers could have concluded, day by day, to keep or share.

    \b
    Examples:
      onlooker diary --week last -o week.html
      onlooker diary --month 2026-11 --format pdf --anonymize
      onlooker diary --example email-during-lecture --format md
    """
    from .diary import build, collect, output as out
    from .files import write_atomic
    from .diary.period import days
    from .diary.pdf import PdfUnavailable
    from .diary.zone import Zone

    if log_file and example:
        raise Failure("give --log FILE or --example NAME, not both", 2)
    if (log_file or example) and (date or from_ or to or week or month):
        raise Failure("a diary from a log covers the log's own days: drop the range options", 2)
    try:
        from onlooker.shim.replay import pick

        pick(profiles)
        first, last = (None, None) if (log_file or example) else days(
            date_=date, from_=from_, to=to, week_=week, month_=month)
    except (ValueError, UnknownProfile) as exc:
        raise Failure(str(exc), 2) from None
    if output is None and fmt == "pdf":
        output = "-pdf-"  # named once the period is known
    if log_file or example:
        path = _example_path(example) if example else Path(log_file)
        with _reading_log(path, "no diary was written"), collect.log_service(path) as src:
            diary = collect.make(src.service, src.first, src.last, src.zone, profiles,
                                 source="log", title=src.title, anonymize=anonymize,
                                 clip=src.span)
    else:
        zone = Zone()
        keep_titles = _config(ctx).keep_titles
        service = _service(ctx, readonly=True)
        stored = build.stored(service.inventory(), zone, keep_titles)
        diary = collect.make(service, first, last, zone, profiles, stored=stored,
                             anonymize=anonymize)
    try:
        data = out.render(diary, fmt)
    except PdfUnavailable as exc:
        raise Failure(str(exc), 2) from None
    if output is None:
        text = data.decode()
        sys.stdout.write(printable(text) if sys.stdout.isatty() else text)
        return
    target = Path(out.file_name(diary, fmt) if output == "-pdf-" else output)
    _write_output(target, data)
    click.echo(f"onlooker: wrote {target}", err=True)


@cli.group("import")
def import_() -> None:
    """Bring in data recorded by other tools.

    \b
    Example:
      onlooker import activitywatch aw-buckets-export.json
    """


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
    import os
    import stat

    from onlooker.shim.aw import AWFormatError, translate

    from .awfetch import FetchError, fetch_export

    if bool(file) == bool(server):
        raise Failure("give an export FILE or --server URL", 2)
    try:
        if server:
            data = fetch_export(server)
        else:
            import orjson  # strict, fast, and refuses nesting deeper than 1024

            # O_NONBLOCK: a FIFO named here must not hang us before the check below
            with open(os.open(file, os.O_RDONLY | os.O_NONBLOCK), "rb") as fh:
                kind = os.fstat(fh.fileno()).st_mode
                if stat.S_ISDIR(kind):
                    raise IsADirectoryError
                if not stat.S_ISREG(kind):
                    raise Failure(f"{file}: not a regular file; give an export FILE", 2)
                data = orjson.loads(fh.read())
        translated = translate(data, _config(ctx).classifier)
        counts = _service(ctx).import_activitywatch(translated)
    except FileNotFoundError:
        raise Failure(f"{file}: no such file (check the path of the ActivityWatch export)",
                      2) from None
    except IsADirectoryError:
        raise Failure(f"{file}: is a directory, not an export file", 2) from None
    except OSError as exc:  # unreadable, or /proc/self/mem and the like (EIO)
        raise Failure(f"{file}: cannot read it ({exc.strerror or exc}); nothing was imported",
                      2) from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        why = str(exc).split(":")[0] if not isinstance(exc, RecursionError) else "nested too deeply"
        raise Failure(f"{file}: not JSON ({why}); nothing was imported", 2) from None
    except (AWFormatError, FetchError) as exc:
        raise Failure(f"{exc}; nothing was imported", 2) from None
    said = (f"{_plural(counts['window_changes'], 'window change')}, "
            f"{_plural(counts['meetings'], 'meeting')} and "
            f"{_plural(counts['active_periods'], 'active period')}")
    if counts["replaced"]:  # the same export again: replaced, not added twice
        click.echo(f"stored {said}; they replace what an earlier import of the same range brought")
    else:
        click.echo(f"imported {said}")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


@cli.command()
@click.option("--example", metavar="NAME", default="email-during-lecture", show_default=True,
              help="Which bundled scenario to show (one of those listed above).")
@click.option("--browser", is_flag=True, help="Serve the dashboard and print its URL instead "
                                               "of opening a window.")
@click.option("--once", is_flag=True, help="Load and report, then exit (no dashboard).")
@click.option("--live", is_flag=True, help="Record the scenario as it happens (env "
                                            "ONLOOKER_FAKE_SPEED=20: twenty times faster) while the "
                                            "dashboard follows.")
def demo(example: str, browser: bool, once: bool, live: bool) -> None:
    """The classroom scenario through the real pipeline: log -> database -> rules -> dashboard.

    \b
    Scenarios (--example NAME):
      attentive-student, email-during-lecture, phone-break, quiz-tab-switches,
      remote-worker-day

    \b
    Examples:
      onlooker demo
      onlooker demo --example quiz-tab-switches --browser
      ONLOOKER_FAKE_SPEED=20 onlooker demo --live
    """
    from .demo import run_demo

    try:
        run_demo(_example_path(example), browser=browser, once=once, echo=click.echo,
                 scenarios={n: _example_path(n) for n in example_names()}, stop=_stop_on_sigterm(),
                 live=live)
    except LogError as exc:
        raise Failure(str(exc)) from None


@cli.command()
@click.option("--browser", is_flag=True, help="Serve it and print the URL for any browser on "
                                               "this machine instead of opening a window.")
@click.pass_context
def dashboard(ctx: click.Context, browser: bool) -> None:
    """The exposure dashboard: your day as hosts, proctors and employers would see it.

    It listens on 127.0.0.1 only, with a new key each launch, and stops when you close it.

    \b
    Examples:
      onlooker dashboard
      onlooker dashboard --browser
    """
    from .dashboard.app import open_dashboard

    from onlooker.storage.paths import default_config_path

    open_dashboard(_service(ctx), default_config_path(), browser=browser, echo=click.echo,
                   stop=_stop_on_sigterm())


def _stop_on_sigterm():
    """SIGTERM ends a served dashboard as Ctrl-C does: cleanly, temporary files removed."""
    import signal
    import threading

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    return stop


# --- the browser shim ------------------------------------------------------------------------

BROWSER_CHOICES = ["chromium", "chrome", "brave", "edge", "firefox", "all"]


def _browsers(name: str) -> list[str]:
    from .browser_install import BROWSERS

    return list(BROWSERS) if name == "all" else [name]


@cli.group()
def browser() -> None:
    """Connect the browser extension: what meeting, quiz and exam pages can observe.

    \b
    Examples:
      onlooker browser install --browser chromium
      onlooker browser status
      onlooker browser uninstall
    """


@browser.command("install")
@click.option("--browser", "name", type=click.Choice(BROWSER_CHOICES), default="all",
              show_default=True, help="Which browser to connect.")
@click.option("--profile-dir", type=click.Path(file_okay=False), help="A browser user-data "
              "directory (chromium --user-data-dir) instead of the per-user default.")
@click.pass_context
def browser_install(ctx: click.Context, name: str, profile_dir: str | None) -> None:
    """Write the native-messaging host manifest for the current user and say how to load the
    extension (it ships inside this package).

    \b
    Examples:
      onlooker browser install --browser chromium
      onlooker --db /tmp/t.db browser install --browser chromium --profile-dir /tmp/chromium-profile
    """
    import os

    from onlooker.storage.paths import default_config_path

    from .browser_install import InstallError, how_to_load, install

    if profile_dir and name == "all":
        raise Failure("--profile-dir needs one --browser (the folder is that browser's)", 2)
    db = Path(ctx.obj["db"]).absolute() if ctx.obj.get("db") else None
    config = default_config_path().absolute() if os.environ.get("ONLOOKER_CONFIG") else None
    try:
        done = install(_browsers(name), profile_dir=Path(profile_dir) if profile_dir else None,
                       db=db, config=config)
    except InstallError as exc:
        raise Failure(str(exc)) from None
    for item in done:
        click.echo(f"{item.browser}: host manifest {item.manifest}")
    click.echo("Then load the extension:")
    for item in done:
        click.echo("  " + how_to_load(item.browser))


@browser.command("uninstall")
@click.option("--browser", "name", type=click.Choice(BROWSER_CHOICES), default="all",
              show_default=True)
@click.option("--profile-dir", type=click.Path(file_okay=False))
def browser_uninstall(name: str, profile_dir: str | None) -> None:
    """Remove what 'browser install' wrote (remove the extension in the browser itself).

    \b
    Example:
      onlooker browser uninstall
    """
    from .browser_install import uninstall

    removed = uninstall(_browsers(name), profile_dir=Path(profile_dir) if profile_dir else None)
    for path in removed:
        click.echo(f"removed {path}")
    if not removed:
        click.echo("nothing to remove: the host was not installed there")


@browser.command("status")
@click.option("--profile-dir", type=click.Path(file_okay=False))
@click.option("--browser", "name", type=click.Choice(BROWSER_CHOICES), default="all",
              show_default=True)
def browser_status(profile_dir: str | None, name: str) -> None:
    """Which browsers have the host installed, and when the extension last sent something.

    \b
    Example:
      onlooker browser status
    """
    from .browser_host import read_status
    from .browser_install import installed, status_line

    for browser_name, path in installed(_browsers(name), profile_dir=Path(profile_dir)
                                        if profile_dir else None).items():
        click.echo(status_line(browser_name, path, profile_dir))
    st = read_status()
    if not st:
        click.echo("extension: has never connected")
        return
    last = st.get("last_message")
    when = _local(last) if isinstance(last, (int, float)) else "never"
    click.echo(f"extension: {'connected' if st['connected'] else 'not connected'} "
               f"({st.get('browser')}); last message {when}; "
               f"{st.get('accepted', 0)} accepted, {st.get('rejected', 0)} rejected")


@cli.command()
@click.option("--record", is_flag=True, help="Also record the probe page's events in the "
                                              "database, like the extension's.")
@click.pass_context
def probe(ctx: click.Context, record: bool) -> None:
    """Serve a page that uses exactly what meeting and exam pages use, and shows what it learns.

    Open the printed address in any browser on this machine (Ctrl-C stops).

    \b
    Examples:
      onlooker probe
      onlooker probe --record
    """
    from onlooker.storage.paths import default_config_path

    from .dashboard.app import serve_probe

    serve_probe(_service(ctx), default_config_path(), record=record, echo=click.echo,
                stop=_stop_on_sigterm())


@cli.command("config")
@click.option("--init", is_flag=True, help="Write a commented default config file.")
def config_cmd(init: bool) -> None:
    """Show where the config file is (meeting rules, keep_titles), or create it.

    \b
    Examples:
      onlooker config
      onlooker config --init
    """
    from onlooker.storage.paths import default_config_path

    path = default_config_path()
    if init:
        created = configmod.write_default(path)
        click.echo(f"{'created' if created else 'already exists'}: {path}")
        return
    click.echo(str(path) + ("" if path.exists() else " (not created yet; --init writes one)"))


# Commands kept in modules of their own (the desktop group is open to other integrations).
from .cli_desktop import desktop  # noqa: E402
from .cli_session import autostart, completion, doctor, tray  # noqa: E402
from .desktop_helpers import install_helper, uninstall_helper  # noqa: E402

desktop.add_command(install_helper)    # the Wayland helpers (GNOME extension, KWin script)
desktop.add_command(uninstall_helper)

for _command in (desktop, autostart, tray, doctor, completion):
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="onlooker")
