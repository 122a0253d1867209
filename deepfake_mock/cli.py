"""deepfake-mock: serve the emulator, proxy a vendor with validation, report drift from recordings,
list its routes, report a client's coverage, run the contract suite, print the fidelity table."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

from . import __version__


def _overrides(args) -> dict:
    keys = ("host", "port", "workers", "vendor", "state", "seed", "clock", "config",
            "worker_timeout", "access_log", "upstream", "record", "replay")
    return {k: getattr(args, k) for k in keys if getattr(args, k, None) is not None}


SERVE_SLOTS = 2    # requests of a gthread worker running at once (web/slots.py)


def serve(args) -> int:
    from gunicorn.app.base import BaseApplication

    from .admin.guard import exposure_warning
    from .app import create_app, start_up, vendor_configs
    from .registry import VENDORS
    from .serving import banner, gunicorn_options
    from .settings import SettingsError, load_settings
    from .web import access_log
    from .web.slots import RequestSlots
    from .web.request_head import GUNICORN_LIMITS

    overrides = _overrides(args)
    settings = load_settings(overrides, vendor_configs=vendor_configs())

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{settings.host}:{settings.port}")
            self.cfg.set("workers", settings.workers)
            self.cfg.set("timeout", settings.worker_timeout)
            # no control socket in $HOME: every emulator would claim the same path
            self.cfg.set("control_socket_disable", True)
            for name, value in GUNICORN_LIMITS.items():  # above the emulator's own limits
                self.cfg.set(name, value)
            for name, value in options.items():  # the command line's, over serve's choices
                self.cfg.set(name, value)

        def load(self):
            app = create_app(settings)
            gc.freeze()  # the app's objects (specs, schemas, routes) stay out of every collection
            threaded = self.cfg.worker_class_str == "gthread" or self.cfg.threads > 1
            return RequestSlots(app, SERVE_SLOTS) if threaded else app

    options = gunicorn_options(args)
    for name in ("certfile", "keyfile"):
        if name in options and not os.path.isfile(options[name]):
            print(f"deepfake-mock serve: --{name} {options[name]}: no such file", file=sys.stderr)
            return 2
    if settings.state == "memory" and settings.workers > 1:
        raise SettingsError(f"setting state: 'memory' lives in one worker, {settings.workers} "
                            "given; serve it with --workers 1, or give --state a SQLite file")
    print("\n".join(banner(settings, VENDORS, tls="certfile" in options)), flush=True)
    access_log.to_stdout(settings.access_log)
    warning = exposure_warning(settings)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    swept = start_up(settings)
    if swept.files:
        print(f"swept {swept.files} orphan file(s), {swept.bytes} bytes, from {settings.spool_dir}",
              flush=True)
    Server().run()
    return 0


def proxy(args) -> int:
    """serve, as the validation proxy of one vendor (state apart from the emulator's)."""
    missing = _contract_extra_missing("proxy")
    if missing:
        return missing
    if args.state is None:
        args.state = f"var/proxy-{args.vendor}.sqlite3"
    return serve(args)


def drift(args) -> int:
    missing = _contract_extra_missing("drift")
    if missing:
        return missing
    import json

    from .app import SPEC_DIR
    from .contracts.drift import from_recordings, render_text
    from .core.recordings import RecordingError
    from .registry import VENDORS

    try:
        report = from_recordings(args.directory, SPEC_DIR, {v.slug: v.spec for v in VENDORS})
    except (OSError, RecordingError) as error:
        print(f"deepfake-mock drift: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(json.dumps(report, indent=2) + "\n" if args.json else render_text(report))
    return 1 if args.check and report["operations"] else 0


def _contract_extra_missing(command: str) -> int:
    """4 (with a line saying what to install) when the [contract] extra is not installed."""
    try:
        import hypothesis, pytest, schemathesis, websockets  # noqa: E401, F401  ([contract])
    except ImportError as error:
        print(f"deepfake-mock {command} needs the [contract] extra ({error.name} is missing): "
              f"pip install 'deepfake-api-mock[contract]'", file=sys.stderr)
        return 4
    return 0


def routes(args) -> int:
    from .app import create_app

    app = create_app(_overrides(args) | {"state": "memory"})
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        methods = ",".join(sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS")))
        print(f"{methods:8} {rule.rule:80} {rule.endpoint}")
    return 0


def contract(args) -> int:
    missing = _contract_extra_missing("contract")
    if missing:
        return missing
    from deepfake_mock.contracts.runner import checks_table, run

    if args.list_checks:
        print(checks_table())
        return 0
    return run(vendor=args.vendor, base_url=args.base_url, max_examples=args.max_examples,
               junit_xml=args.junit_xml, report_json=args.report_json,
               admin_token=args.admin_token, keyword=args.k, exitfirst=args.exitfirst,
               hypothesis_seed=args.hypothesis_seed)


def fidelity(args) -> int:
    from .app import SPEC_DIR
    from .fidelity import NoMarkers, table, write_table
    from .registry import VENDORS

    rendered = table(SPEC_DIR, [v.slug for v in VENDORS])
    if args.write:
        try:
            changed = write_table(Path(args.write), rendered)
        except (OSError, NoMarkers) as error:
            print(f"deepfake-mock fidelity: {error}", file=sys.stderr)
            return 2
        print(f"{args.write}: {'updated' if changed else 'already current'}")
    else:
        print(rendered)
    return 0


def coverage(args) -> int:
    import json

    from .admin.client import AdminClient
    from .core.coverage import render_text

    import requests

    from .admin.client import AdminClientError

    admin = AdminClient(args.url, token=args.admin_token)
    try:
        if args.clear:
            admin.clear_coverage()
            return 0
        report = admin.get_coverage(args.vendor)
    except requests.RequestException as error:
        print(f"deepfake-mock coverage: cannot reach {admin.base_url} ({_reason(error)}); start "
              f"it with `deepfake-mock serve`, or give its address with --url", file=sys.stderr)
        return 4
    except AdminClientError as error:
        print(f"deepfake-mock coverage: {admin.base_url}/_admin/coverage answered "
              f"{error.status}: {error.body}", file=sys.stderr)
        return 4
    sys.stdout.write(json.dumps(report, indent=2) + "\n" if args.json else render_text(report))
    return 0


def _reason(error: Exception) -> str:
    """The last words of a connection error (``Connection refused``), or its kind."""
    import re

    found = re.findall(r"\[Errno -?\d+\] ([^'\")\]]+)", str(error))
    return found[-1].strip() if found else type(error).__name__


def _server_options(p: argparse.ArgumentParser) -> None:
    """The options of every command that runs the server (serve, proxy)."""
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--workers", type=int)
    p.add_argument("--state", help="SQLite file, or 'memory'")
    p.add_argument("--seed", type=int)
    p.add_argument("--clock", choices=("system", "manual"))
    p.add_argument("--config", help="settings file (JSON or YAML)")
    p.add_argument("--quiet", dest="access_log", action="store_const", const=False,
                   help="no access log (the access_log setting)")
    p.add_argument("--timeout", dest="worker_timeout", type=int, metavar="SECONDS",
                   help="a request running longer restarts its worker (gunicorn's timeout; "
                        "the worker_timeout setting)")
    p.add_argument("--keep-alive", type=int, metavar="SECONDS",
                   help="how long an idle keep-alive connection stays open (gunicorn's)")
    p.add_argument("--worker-class", choices=("sync", "gthread"),
                   help="gunicorn's worker class")
    p.add_argument("--threads", type=int, help="threads per worker (gthread)")
    p.add_argument("--certfile", help="TLS certificate (PEM); serve HTTPS with --keyfile")
    p.add_argument("--keyfile", help="TLS private key (PEM)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deepfake-mock", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="serve the emulator with gunicorn")
    p.add_argument("--vendor", help="single-vendor mode: that vendor's real paths at the root")
    p.add_argument("--replay", metavar="DIR",
                   help="answer requests that match a recording of `proxy --record` from it, "
                        "before emulating (the replay setting)")
    _server_options(p)
    p.set_defaults(func=serve)

    p = sub.add_parser("proxy", help="validation proxy: forward a vendor's requests to an "
                                     "upstream, checking both sides against the spec")
    p.add_argument("--vendor", required=True, help="the vendor whose paths are served at the root")
    p.add_argument("--upstream", required=True, metavar="URL",
                   help="where requests go: the vendor's base URL (or another emulator's)")
    p.add_argument("--record", metavar="DIR", help="write each exchange to a file in DIR")
    _server_options(p)
    p.set_defaults(func=proxy)

    p = sub.add_parser("drift", help="per operation, what recorded answers broke or added of "
                                     "the spec: what the emulator should learn")
    p.add_argument("directory", metavar="DIR", help="a folder of `proxy --record`")
    p.add_argument("--json", action="store_true", help="the report as JSON")
    p.add_argument("--check", action="store_true", help="exit 1 when anything drifted")
    p.set_defaults(func=drift)

    p = sub.add_parser("routes", help="list every route")
    p.add_argument("--vendor")
    p.set_defaults(func=routes)

    p = sub.add_parser("coverage", help="which operations and documented statuses a client's "
                                        "requests reached, and which they never saw")
    p.add_argument("--url", default="http://127.0.0.1:8080", help="the running emulator")
    p.add_argument("--vendor", help="one vendor only")
    p.add_argument("--json", action="store_true", help="the report as JSON")
    p.add_argument("--clear", action="store_true", help="forget the counts and start afresh")
    p.add_argument("--admin-token", default=os.environ.get("MOCKSERVER_ADMIN_TOKEN"),
                   help="the server's admin_token (default: $MOCKSERVER_ADMIN_TOKEN)")
    p.set_defaults(func=coverage)

    p = sub.add_parser("fidelity", help="the fidelity table (x-emulator-note of every spec)")
    p.add_argument("--write", metavar="FILE",
                   help="update the table between this file's fidelity markers (docs/FIDELITY.md)")
    p.set_defaults(func=fidelity)

    p = sub.add_parser("contract", help="run the contract suite against the emulator or a vendor")
    p.add_argument("--vendor", help="only this vendor; required for a vendor's real service")
    p.add_argument("--base-url", help="a running emulator, or a vendor's real service "
                                      "(default: an emulator in this process)")
    p.add_argument("--max-examples", type=int, help="property-based examples per operation")
    p.add_argument("--junit-xml", metavar="FILE", help="write a JUnit XML report")
    p.add_argument("--report-json", metavar="FILE", help="write the contract report as JSON")
    p.add_argument("--list-checks", action="store_true",
                   help="print the vendor checks as a Markdown table and exit")
    p.add_argument("--admin-token", default=os.environ.get("MOCKSERVER_ADMIN_TOKEN"),
                   help="the --base-url emulator's admin_token, for the tests that use the "
                        "admin API (default: $MOCKSERVER_ADMIN_TOKEN)")
    p.add_argument("-k", metavar="EXPRESSION",
                   help="only the tests pytest's -k selects, e.g. 'glair and not frames'")
    p.add_argument("-x", "--exitfirst", action="store_true", help="stop at the first failure")
    p.add_argument("--hypothesis-seed", type=int, help="replay a run's generated examples")
    p.set_defaults(func=contract)

    p = sub.add_parser("version", help="print the version")
    p.set_defaults(func=lambda a: print(__version__) or 0)

    args = parser.parse_args(argv)
    if (getattr(args, "certfile", None) is None) != (getattr(args, "keyfile", None) is None):
        parser.error("--certfile and --keyfile go together")
    from .settings import SettingsError

    try:
        return args.func(args)
    except SettingsError as error:
        for line in str(error).splitlines():
            print(f"deepfake-mock: {line}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
