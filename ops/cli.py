"""``brandlink``: the operator command (installed into the venv by ``make venv``).

    brandlink --local env                         # export API=... AC=... TOKEN=... for `eval`
    brandlink --local create-account --name NAME  # accounts are made by an operator, not over the API
    brandlink --local rotate-token AC...          # the old token stops working at once
    brandlink --local list-accounts
    brandlink --local set-status AC... active|suspended|closed
    brandlink --local set-limits AC... --send-rate 20 --daily-segments 5000 --scheduled-cap 1000 --countries US,CA
                                                  # abuse limits; `default` puts one back to the deployment's
    brandlink --local assign-sender AC... +14155552671               # the number is this account's alone
    brandlink --local assign-sender AC... --short-code 24680 --country US
    brandlink --local release-sender +14155552671                    # the holder's registrations go too
    brandlink --local allow-alpha AC... ACME                         # --remove takes it away again
    brandlink --stack NAME migrate-senders --dry-run                 # existing senders: first come, first claimed
    brandlink --stack NAME migrate-tokens         # seal the tokens of a deployment from before per-account secrets
    brandlink --stack NAME migrate-domains        # unverified domains release the names they claimed
    brandlink --local replay-dlq clicks           # move dead-lettered click events back (status_callbacks, send too)
    brandlink --local receiver                    # print the webhooks Brandlink posts, signatures checked
    brandlink --local clock advance 91d           # move the local stack's clock (show, reset)
    brandlink --local carrier deliver SM...       # the outbox's carrier: sent, deliver, undeliver --code 30005, fail
    brandlink --local sweep                       # settle messages stuck in sending now (the sweeper function's run)
    brandlink --local reply --from +15551230000 --to +14155552671 "STOP"   # a handset texts a sender
    brandlink test-cert go.acme.localhost         # a certificate bundle for a .localhost domain
    brandlink --stack Brandlink create-account    # the same against a deployed stack (your AWS credentials)

``--local`` uses the stack `make run` started (its state file, ``$BRANDLINK_STATE_DIR/local.json``,
default ``.brandlink/local.json``; ``--state FILE`` names another). ``--stack NAME`` finds a deployed
stack's tables and token key through its CloudFormation outputs. The options go before or after
the command. Errors are one sentence on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from brandlink.core.accounts.model import ACCOUNT_STATUSES
from ops.target import Target, TargetError, resolve

PROG = "brandlink"


class CommandError(Exception):
    """A command could not do its work; the message is the one sentence to show."""


def _target_options(suppress: bool) -> argparse.ArgumentParser:
    """The target options, on the main parser and (so they may follow the command) on each command."""
    parser = argparse.ArgumentParser(add_help=False)
    default: dict[str, Any] = {"default": argparse.SUPPRESS} if suppress else {}
    group = parser.add_argument_group("which Brandlink")
    group.add_argument(
        "--local",
        action="store_true",
        help="the local stack `make run` started ($BRANDLINK_STATE_DIR/local.json, default .brandlink/local.json)",
        **({"default": argparse.SUPPRESS} if suppress else {"default": False}),
    )
    group.add_argument("--state", metavar="FILE", help="the local stack with this state file", **default)
    group.add_argument(
        "--stack", metavar="NAME", help="a deployed stack (CloudFormation name, e.g. Brandlink)", **default
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Operate Brandlink: accounts, senders, migrations, local credentials, test certificates, "
            "a webhook receiver, the local clock."
        ),
        parents=[_target_options(suppress=False)],
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parent = [_target_options(suppress=True)]

    create = commands.add_parser("create-account", parents=parent, help="create an account; prints its credentials")
    create.add_argument("--name", default=None, help="friendly name")
    create.add_argument("--retention-days", type=int, default=None, help="message retention (at least 7 days)")
    rotate = commands.add_parser(
        "rotate-token", parents=parent, help="issue a new auth token; the old one stops working"
    )
    rotate.add_argument("account_sid", metavar="AC...")
    commands.add_parser("list-accounts", parents=parent, help="list accounts (sid, name, status)")
    status = commands.add_parser("set-status", parents=parent, help="activate, suspend or close an account")
    status.add_argument("account_sid", metavar="AC...")
    status.add_argument("status", choices=ACCOUNT_STATUSES)
    limits = commands.add_parser(
        "set-limits",
        parents=parent,
        help="set an account's abuse limits (no option: show them); `default` restores the deployment's value",
    )
    limits.add_argument("account_sid", metavar="AC...")
    limits.add_argument("--send-rate", metavar="N", help="messages the API accepts per second")
    limits.add_argument("--daily-segments", metavar="N", help="segments sent per UTC day")
    limits.add_argument("--scheduled-cap", metavar="N", help="messages scheduled at once")
    limits.add_argument("--countries", metavar="CC,CC", help="destination countries (ISO codes), or * for all")
    migrate = commands.add_parser(
        "migrate-tokens",
        parents=parent,
        help="seal every account's current token under the KMS key (upgrading from the token master key)",
    )
    migrate.add_argument(
        "--master-key-secret",
        metavar="ARN",
        default=None,
        help="the old token master key secret (default: the stack's LegacyTokenKeySecretArn output)",
    )
    assign = commands.add_parser(
        "assign-sender", parents=parent, help="give a number or short code to one account (deployment-wide)"
    )
    assign.add_argument("account_sid", metavar="AC...")
    _sender_arguments(assign)
    release = commands.add_parser(
        "release-sender", parents=parent, help="take a number or short code back; its holder's registrations go"
    )
    _sender_arguments(release)
    alpha = commands.add_parser(
        "allow-alpha", parents=parent, help="let an account use an alphanumeric sender ID (--remove: no longer)"
    )
    alpha.add_argument("account_sid", metavar="AC...")
    alpha.add_argument("alpha_sender", metavar="ID", help="1 to 11 letters, digits or spaces, e.g. ACME")
    alpha.add_argument("--remove", action="store_true", help="take it off the list and out of the account's pools")
    migrate_senders = commands.add_parser(
        "migrate-senders",
        parents=parent,
        help="upgrading: claim existing senders first come, first served; take conflicts out of use",
    )
    migrate_senders.add_argument("--dry-run", action="store_true", help="write nothing; show what would happen")
    commands.add_parser(
        "migrate-domains",
        parents=parent,
        help="upgrading: unverified domains release their name claim and lapse; verified ones keep it",
    )
    replay = commands.add_parser(
        "replay-dlq",
        parents=parent,
        help="move the messages of a queue's DLQ back onto the queue (after a receiver or provider outage)",
    )
    replay.add_argument("queue", metavar="QUEUE", help="clicks, status_callbacks, send or certificates")
    commands.add_parser(
        "env", parents=parent, help="print `export API=... AC=... TOKEN=... LINKS=... HOOKS=...` for eval"
    )
    cert = commands.add_parser("test-cert", parents=parent, help="write DOMAIN.pem: certificate, chain and PKCS#8 key")
    cert.add_argument("domain", metavar="DOMAIN", help="a .localhost name, e.g. go.acme.localhost")
    cert.add_argument("--dir", type=Path, default=Path("."), help="where to write DOMAIN.pem (default: here)")
    receiver = commands.add_parser(
        "receiver", parents=parent, help="print the webhooks Brandlink posts and check their signatures"
    )
    receiver.add_argument("--port", type=int, default=None, help="default: $BRANDLINK_RECEIVER_PORT or 8082")
    receiver.add_argument("--auth-token", default=None, help="check signatures with this token (default: --local's)")
    clock = commands.add_parser(
        "clock", parents=parent, help="move the local stack's clock forward (e.g. past a short link's expiry)"
    )
    clock.add_argument("action", choices=("show", "advance", "reset"))
    clock.add_argument("duration", nargs="?", default=None, help="with advance: e.g. 91d, 12h, 1d12h, 90s")
    reply = commands.add_parser(
        "reply", parents=parent, help="play a handset: text one of the local stack's senders (an inbound message)"
    )
    reply.add_argument("--from", dest="from_", required=True, metavar="+E164", help="the handset's number")
    reply.add_argument("--to", required=True, metavar="SENDER", help="the sender texted (number or short code)")
    reply.add_argument("--media-url", action="append", default=[], help="a media URL (repeat for several)")
    reply.add_argument("body", metavar="TEXT", help="what the handset says, e.g. STOP")
    carrier = commands.add_parser(
        "carrier", parents=parent, help="play the carrier for an outbox message: queue its delivery receipt"
    )
    carrier.add_argument("action", choices=("sent", "deliver", "undeliver", "fail"))
    carrier.add_argument("message_sid", metavar="SM...")
    carrier.add_argument("--code", type=int, default=None, help="with undeliver/fail: the error code (default 30003)")
    carrier.add_argument("--account", metavar="AC...", default=None, help="the sending account (default: --local's)")
    commands.add_parser(
        "sweep", parents=parent, help="settle messages stuck in sending past the timeout now (failed, 30008)"
    )
    return parser


def _run_sweep(args: argparse.Namespace) -> None:
    from brandlink import wiring

    _target(args)
    result = wiring.sweeper().sweep()
    _print_json({"found": result.found, "settled": result.settled})


def _run_carrier(args: argparse.Namespace) -> None:
    from ops import carrier

    target = _target(args)
    account_sid = args.account or target.account_sid
    if not account_sid:
        raise CommandError("carrier needs the sending account: pass --account AC...")
    try:
        _print_json(carrier.play(account_sid, args.message_sid, args.action, args.code))
    except carrier.CarrierCommandError as exc:
        raise CommandError(str(exc)) from None


def _run_reply(args: argparse.Namespace) -> None:
    """Queue an inbound message as the outbox provider's carrier would (the inbound function takes it)."""
    import uuid

    from brandlink import wiring
    from brandlink.core.common.dates import utcnow
    from brandlink.core.inbound.model import InboundEvent

    if _target(args).kind != "local":
        raise CommandError("reply plays a handset for the local stack only: use --local.")
    event = InboundEvent(
        provider="outbox",
        provider_message_id=str(uuid.uuid4()),
        from_=args.from_.strip(),
        to=args.to.strip(),
        body=args.body,
        received_at=utcnow(),
        media_urls=tuple(args.media_url),
    )
    wiring.inbound_queue().enqueue(event)
    _print_json({"message_sid": event.message_sid, "from": event.from_, "to": event.to, "body": event.body})


def _sender_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("number", metavar="NUMBER", nargs="?", help="E.164, e.g. +14155552671 (covers WhatsApp too)")
    parser.add_argument("--short-code", metavar="DIGITS", default=None, help="a short code instead of a number")
    parser.add_argument("--country", metavar="CC", default=None, help="the short code's country, e.g. US")


def _run_sender_command(args: argparse.Namespace) -> None:
    from ops import senders

    _target(args)
    commands: dict[str, Callable[[], Any]] = {
        "assign-sender": lambda: senders.assign_sender(args.account_sid, args.number, args.short_code, args.country),
        "release-sender": lambda: senders.release_sender(args.number, args.short_code, args.country),
        "allow-alpha": lambda: senders.allow_alpha(args.account_sid, args.alpha_sender, args.remove),
        "migrate-senders": lambda: senders.migrate_senders(args.dry_run),
    }
    try:
        _print_json(commands[args.command]())
    except senders.SenderCommandError as exc:
        raise CommandError(str(exc)) from None


def _target(args: argparse.Namespace) -> Target:
    return resolve(getattr(args, "local", False), getattr(args, "state", None), getattr(args, "stack", None))


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2))


def _run_account_command(args: argparse.Namespace) -> None:
    from ops import accounts

    _target(args)
    commands: dict[str, Callable[[], Any]] = {
        "create-account": lambda: accounts.create_account(args.name, args.retention_days),
        "rotate-token": lambda: accounts.rotate_token(args.account_sid),
        "list-accounts": accounts.list_accounts,
        "set-status": lambda: accounts.set_status(args.account_sid, args.status),
        "set-limits": lambda: accounts.set_limits(
            args.account_sid,
            send_rate=args.send_rate,
            daily_segments=args.daily_segments,
            scheduled_cap=args.scheduled_cap,
            countries=args.countries,
        ),
        "migrate-tokens": lambda: accounts.migrate_tokens(args.master_key_secret),
    }
    try:
        _print_json(commands[args.command]())
    except accounts.AccountCommandError as exc:
        raise CommandError(str(exc)) from None


def _run_replay_dlq(args: argparse.Namespace) -> None:
    from ops import queues

    _target(args)
    try:
        _print_json(queues.replay_dlq(args.queue))
    except queues.QueueCommandError as exc:
        raise CommandError(str(exc)) from None


def _run_migrate_domains(args: argparse.Namespace) -> None:
    from ops import domains

    _target(args)
    _print_json(domains.migrate_domains())


def env_line(target: Target, env: dict[str, str]) -> str:
    """One ``export`` line: what a shell needs for the README's curl tour."""
    from local.receiver import receiver_url

    values = {
        "API": target.api_url,
        "AC": target.account_sid,
        "TOKEN": target.auth_token,
        "LINKS": target.redirect_url,
        "HOOKS": receiver_url(env) if target.kind == "local" else None,
    }
    return "export " + " ".join(f"{name}={shlex.quote(value)}" for name, value in values.items() if value)


def _run_env(args: argparse.Namespace) -> None:
    shell = dict(os.environ)  # the receiver port is the shell's, not the one the stack started with
    target = _target(args)
    if target.kind == "environment":
        raise CommandError("env needs --local (the stack `make run` started) or --stack NAME.")
    print(env_line(target, shell))
    if target.kind == "stack":
        print("# AC and TOKEN: the values create-account printed (a token is shown only once).", file=sys.stderr)


def _run_test_cert(args: argparse.Namespace) -> None:
    from local.localhost_cert import NotALocalDomain, issue, write_bundle

    try:
        certificate = issue(args.domain)
    except NotALocalDomain as exc:
        raise CommandError(str(exc)) from None
    path = write_bundle(certificate, args.dir)
    print(path)
    print(
        f"# {path}: certificate for {certificate.domain}, its chain (a throwaway local test CA) and the PKCS#8 key, "
        f"valid until {certificate.not_after:%Y-%m-%d}; upload it as TlsCert (curl --data-urlencode TlsCert@{path}).",
        file=sys.stderr,
    )


def _run_receiver(args: argparse.Namespace) -> None:
    from local.receiver import ReceiverPortError, WebhookReceiver, receiver_port, serve

    try:  # the shell's port, read before the target's environment is applied
        port = args.port if args.port is not None else receiver_port(os.environ)
    except ReceiverPortError as exc:
        raise CommandError(str(exc)) from None
    has_target = any(getattr(args, name, None) for name in ("local", "state", "stack"))
    target = _target(args) if has_target else None
    token = args.auth_token or (target.auth_token if target else None)
    try:
        receiver = WebhookReceiver(port, token)
    except OSError as exc:
        raise CommandError(
            f"Cannot listen on 127.0.0.1:{port} ({exc.strerror}): pass --port or set BRANDLINK_RECEIVER_PORT "
            "to a free port."
        ) from None
    checked = f"checking X-Twilio-Signature with the auth token of {target.account_sid}" if target and token else ""
    checked = checked or ("checking X-Twilio-Signature with --auth-token" if token else "signatures not checked")

    def ready(url: str) -> None:
        print(f"Receiving webhooks on {url} (any path), {checked}. Ctrl+C stops.", flush=True)

    serve(receiver, ready)


def _run_clock(args: argparse.Namespace) -> None:
    from local import clock

    target = _target(args)
    path = os.environ.get(clock.CLOCK_FILE_VARIABLE, "")
    if target.kind != "local" or not path:
        raise CommandError("clock moves the local stack's clock only: use --local (or --state FILE).")
    file = Path(path)
    try:
        if args.action == "advance":
            if args.duration is None:
                raise CommandError("clock advance needs a duration, e.g. `clock advance 91d`.")
            clock.advance(file, clock.parse_duration(args.duration))
        elif args.duration is not None:
            raise CommandError(f"clock {args.action} takes no duration.")
        elif args.action == "reset":
            clock.reset(file)
        offset = clock.read_offset(file)
    except clock.ClockError as exc:
        raise CommandError(str(exc)) from None
    from datetime import UTC, datetime

    from brandlink.core.common.dates import iso8601

    now = datetime.fromtimestamp(time.time() + offset, UTC)
    _print_json({"offset_seconds": offset, "offset_days": round(offset / 86400, 3), "now": iso8601(now)})


def _aws_failure(exc: Exception) -> str:
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        return f"Cannot reach the local stack's AWS endpoint {endpoint} ({exc}): is `make run` still running?"
    return f"An AWS call failed ({exc}): check your AWS credentials, Region and the stack name."


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    runners: dict[str, Callable[[argparse.Namespace], None]] = {
        "migrate-domains": _run_migrate_domains,
        "assign-sender": _run_sender_command,
        "release-sender": _run_sender_command,
        "allow-alpha": _run_sender_command,
        "migrate-senders": _run_sender_command,
        "replay-dlq": _run_replay_dlq,
        "env": _run_env,
        "test-cert": _run_test_cert,
        "receiver": _run_receiver,
        "clock": _run_clock,
        "carrier": _run_carrier,
        "sweep": _run_sweep,
        "reply": _run_reply,
    }
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.exceptions import PynamoDBException

    try:
        runners.get(args.command, _run_account_command)(args)
    except (TargetError, CommandError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError, PynamoDBException) as exc:
        print(f"{PROG}: error: {_aws_failure(exc)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
