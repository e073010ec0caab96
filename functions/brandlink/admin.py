"""Operator CLI: create accounts, rotate tokens, list accounts.

    python -m brandlink.admin create-account [--name NAME] [--retention-days N]
    python -m brandlink.admin rotate-token AC...
    python -m brandlink.admin list-accounts
    python -m brandlink.admin set-status AC... active|suspended|closed

Against a deployed stack it uses the operator's AWS credentials and the table names from the
stack (``--stack NAME`` reads them from the CloudFormation outputs, or set the
``BRANDLINK_TABLE_*`` variables). Against local mode, ``--local`` reads ``.brandlink/local.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any


def _configure_local(state_file: Path) -> None:
    if not state_file.exists():
        sys.exit(f"{state_file} not found: start the local stack with `make run` first.")
    state = json.loads(state_file.read_text())
    os.environ.update(state.get("environment", {}))


def _configure_stack(stack: str) -> None:
    import boto3

    outputs = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    from brandlink import resources

    by_key = {o["OutputKey"]: o["OutputValue"] for o in outputs}
    if "TokenKeySecretArn" in by_key:
        os.environ["BRANDLINK_TOKEN_KEY_SECRET_ARN"] = by_key["TokenKeySecretArn"]
    for spec in resources.TABLES:
        key = "Table" + "".join(part.capitalize() for part in spec.logical.split("_"))
        if key in by_key:
            os.environ[spec.env_var] = by_key[key]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m brandlink.admin", description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--local", nargs="?", const=".brandlink/local.json", help="use the local stack's state file")
    target.add_argument("--stack", help="CloudFormation stack name of a deployed Brandlink")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-account", help="create an account and print its credentials")
    create.add_argument("--name", default=None)
    create.add_argument("--retention-days", type=int, default=None)
    rotate = commands.add_parser("rotate-token", help="issue a new auth token; the old one stops working")
    rotate.add_argument("account_sid")
    commands.add_parser("list-accounts", help="list accounts (sid, name, status)")
    status = commands.add_parser("set-status", help="activate, suspend or close an account")
    status.add_argument("account_sid")
    status.add_argument("status", choices=["active", "suspended", "closed"])
    args = parser.parse_args(argv)

    if args.local:
        _configure_local(Path(args.local))
    elif args.stack:
        _configure_stack(args.stack)

    from brandlink.adapters.token_key import token_master_key
    from brandlink.core import accounts
    from brandlink.store.accounts import DynamoAccountRepository

    repo = DynamoAccountRepository()
    result: Any
    if args.command == "create-account":
        try:
            account, token = accounts.create_account(repo, token_master_key(), args.name, args.retention_days)
        except ValueError as exc:
            parser.error(str(exc))
        result = {"account_sid": account.sid, "auth_token": token, "friendly_name": account.friendly_name}
    elif args.command == "rotate-token":
        token = _or_exit(accounts.rotate_token, repo, token_master_key(), args.account_sid)
        result = {"account_sid": args.account_sid, "auth_token": token}
    elif args.command == "set-status":
        account = repo.get(args.account_sid)
        if account is None:
            sys.exit(f"Account {args.account_sid} not found.")
        repo.save(accounts.update_account(account, None, args.status))
        result = {"account_sid": args.account_sid, "status": args.status}
    else:
        result = [{"sid": a.sid, "friendly_name": a.friendly_name, "status": a.status} for a in repo.list_all()]
    print(json.dumps(result, indent=2))
    return 0


def _or_exit(func: Any, *args: Any) -> Any:
    from brandlink.core.errors import TwilioError

    try:
        return func(*args)
    except TwilioError as exc:
        sys.exit(exc.message)


if __name__ == "__main__":
    raise SystemExit(main())
