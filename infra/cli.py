"""The `klientportal` command: local stack, dev tokens, OpenAPI, audit verification, EHF tools."""

from __future__ import annotations

import argparse
import json
import os
import sys


def _cmd_local(args: argparse.Namespace) -> int:
    from infra.local.runner import run

    return run(args.host, args.port, args.verbose, args.expose_local_routes)


def _cmd_token(args: argparse.Namespace) -> int:
    from infra.local.runner import local_key_file
    from klientportal.auth.tokens import DevIssuer

    if args.step_up or args.auth_age:
        from infra.local import step_up_tokens

        issuer = DevIssuer(local_key_file())
        print(
            step_up_tokens.issue(
                issuer, args.user, step_up=args.step_up, auth_age_s=args.auth_age, minutes=args.minutes
            )
        )
        return 0
    print(DevIssuer(local_key_file()).issue(args.user, minutes=args.minutes, auth_level=args.acr))
    return 0


def _cmd_openapi(args: argparse.Namespace) -> int:
    from functions.apidocs.document import openapi_document

    print(json.dumps(openapi_document(), indent=2, ensure_ascii=False))
    return 0


def _cmd_audit_verify(args: argparse.Namespace) -> int:
    from klientportal import aws
    from klientportal.repository import keys
    from klientportal.repository.store import Store
    from klientportal.settings import settings

    if not _use_target(args.target):
        return 2
    from klientportal.repository.audit_anchors import AnchorStore

    pk = keys.client_pk(args.client)
    anchors = AnchorStore(aws.client("s3"), settings().vouchers_bucket).all(pk)
    result = Store(aws.client("dynamodb"), settings().main_table).verify_audit(pk, anchors)
    print(
        json.dumps(
            {**result.as_dict(), "anchors": len(anchors), "last_anchor": anchors[-1].__dict__ if anchors else None},
            indent=2,
        )
    )
    return 0 if result.ok else 1


def _use_target(target: str) -> bool:
    """Point boto3 at the running local stack (target local); False if none is running."""
    if target != "local":
        return True
    from infra.local import environment
    from infra.local.runner import state

    running = state()
    if running is None:
        print("no local stack is running (start it with `make run`), or use --target aws", file=sys.stderr)
        return False
    os.environ["AWS_ENDPOINT_URL"] = running["endpoint"]
    environment.apply(running["env"])
    return True


def _cmd_quarantine_unrouted(args: argparse.Namespace) -> int:
    from klientportal import aws
    from klientportal.repository.keys import QUARANTINE_PREFIX, UNROUTED_PK
    from klientportal.repository.store import Store
    from klientportal.settings import settings

    if not _use_target(args.target):
        return 2
    items = Store(aws.client("dynamodb"), settings().main_table).query_all(UNROUTED_PK, QUARANTINE_PREFIX)
    print(json.dumps([r.data for r in items], indent=2, ensure_ascii=False))
    return 0


def _cmd_ehf_validate(args: argparse.Namespace) -> int:
    from klientportal.formats.ehf.validation import main

    return main(args.files)


def _cmd_ehf_read(args: argparse.Namespace) -> int:
    from klientportal.formats.ehf.reader import main

    return main(args.files)


def _cmd_bank_read(args: argparse.Namespace) -> int:
    from infra.bank_read import main

    return main(args.args)


def _cmd_ledger_backfill(args: argparse.Namespace) -> int:
    if not _use_target(args.target):
        return 2
    from infra.ledger_backfill import main

    return main(None if args.all else args.client, overview=not args.no_overview)


def _cmd_payroll_tabelltrekk(args: argparse.Namespace) -> int:
    from klientportal.payroll.tabelltrekk_lines import main

    return main(args.files)


def _cmd_platform_operator(args: argparse.Namespace) -> int:
    if not _use_target(args.target):
        return 2
    from infra import platform_operators

    command = {"add": platform_operators.add, "disable": platform_operators.disable, "list": platform_operators.listing}
    return command[args.operator_command](args)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="klientportal", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    local = sub.add_parser("local", help="run the whole backend locally (what `make run` calls)")
    local.add_argument("--host", default=os.environ.get("KP_HOST", "127.0.0.1"))
    local.add_argument("--port", type=int, default=int(os.environ.get("KP_PORT", "8000")))
    local.add_argument("--verbose", action="store_true", help="handler logs and the access log at INFO")
    local.add_argument(
        "--expose-local-routes",
        action="store_true",
        default=os.environ.get("KP_EXPOSE_LOCAL_ROUTES", "").lower() in {"1", "true", "yes"},
        help="serve /_local/* (outbox, events, schedules; no authentication) although --host is "
        "not loopback (env KP_EXPOSE_LOCAL_ROUTES=1)",
    )
    local.set_defaults(func=_cmd_local)

    token = sub.add_parser("token", help="print a bearer token for a local user")
    token.add_argument("--user", required=True, help="e-mail address of the user")
    token.add_argument("--minutes", type=int, default=60)
    token.add_argument("--acr", default=None, help="authentication level claim, e.g. bankid (step-up)")
    token.add_argument("--step-up", action="store_true", help="a fresh BankID-level sign-in (payment approvals)")
    token.add_argument("--auth-age", type=int, default=0, help="seconds since that sign-in (a stale one: > 300)")
    token.set_defaults(func=_cmd_token)

    openapi = sub.add_parser("openapi", help="print the OpenAPI document")
    openapi.set_defaults(func=_cmd_openapi)

    audit = sub.add_parser("audit", help="audit trail tools")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="verify a client's hash-chained audit trail")
    verify.add_argument("--client", required=True)
    verify.add_argument(
        "--target",
        choices=("local", "aws"),
        default="local",
        help="the running local stack, or AWS with the ambient credentials and KP_* env",
    )
    verify.set_defaults(func=_cmd_audit_verify)

    quarantine = sub.add_parser("quarantine", help="operator tools for quarantined input")
    quarantine_sub = quarantine.add_subparsers(dest="quarantine_command", required=True)
    unrouted = quarantine_sub.add_parser("unrouted", help="list mail and objects that reached no client")
    unrouted.add_argument("--target", choices=("local", "aws"), default="local")
    unrouted.set_defaults(func=_cmd_quarantine_unrouted)

    ehf = sub.add_parser("ehf", help="EHF (PEPPOL BIS Billing 3) tools")
    ehf_sub = ehf.add_subparsers(dest="ehf_command", required=True)
    validate = ehf_sub.add_parser("validate", help="validate against UBL XSD + CEN/PEPPOL Schematron")
    validate.add_argument("files", nargs=argparse.REMAINDER)
    validate.set_defaults(func=_cmd_ehf_validate)
    read = ehf_sub.add_parser("read", help="print what is read from an EHF document as JSON")
    read.add_argument("files", nargs=argparse.REMAINDER)
    read.set_defaults(func=_cmd_ehf_read)

    bank = sub.add_parser("bank", help="bank file tools (Nets OCR giro, camt.053/054, pain.001/002)")
    bank_sub = bank.add_subparsers(dest="bank_command", required=True)
    bank_read = bank_sub.add_parser("read", help="print what is read from a bank file as JSON (exit 1: refused)")
    bank_read.add_argument("args", nargs=argparse.REMAINDER, help="FILE [--summary]")
    bank_read.set_defaults(func=_cmd_bank_read)
    payroll = sub.add_parser("payroll", help="payroll tools")
    payroll_sub = payroll.add_subparsers(dest="payroll_command", required=True)
    trekk = payroll_sub.add_parser("tabelltrekk", help="JSON lines in, the same with withholding added")
    trekk.add_argument("files", nargs="*", help="files of JSON lines (default: standard input)")
    trekk.set_defaults(func=_cmd_payroll_tabelltrekk)
    platform = sub.add_parser("platform", help="the platform's own tools (operators: decision 0713)")
    platform_sub = platform.add_subparsers(dest="platform_command", required=True)
    operator = platform_sub.add_parser("operator", help="platform operators (they write the platform's price list)")
    operator_sub = operator.add_subparsers(dest="operator_command", required=True)
    operator_add = operator_sub.add_parser("add", help="make the user with this e-mail a platform operator (again)")
    operator_add.add_argument("--email", required=True)
    operator_add.add_argument("--name")
    operator_disable = operator_sub.add_parser("disable", help="the operator with this e-mail is one no more")
    operator_disable.add_argument("--email", required=True)
    operator_list = operator_sub.add_parser("list", help="every platform operator, active or disabled")
    for command in (operator_add, operator_disable, operator_list):
        command.add_argument("--target", choices=("local", "aws"), default="local")
        command.set_defaults(func=_cmd_platform_operator)
    ledger = sub.add_parser("ledger", help="ledger tools")
    ledger_sub = ledger.add_subparsers(dest="ledger_command", required=True)
    backfill = ledger_sub.add_parser(
        "backfill", help="book what was booked or issued before the ledger, recount the overview (idempotent)"
    )
    which = backfill.add_mutually_exclusive_group(required=True)
    which.add_argument("--client", action="append", help="a client id (repeatable)")
    which.add_argument("--all", action="store_true", help="every client")
    backfill.add_argument("--no-overview", action="store_true", help="leave the overview counters as they are")
    backfill.add_argument("--target", choices=("local", "aws"), default="local")
    backfill.set_defaults(func=_cmd_ledger_backfill)
    return p


def _handler_logs_to_stderr() -> None:
    """A command's stdout is its result (JSON lines, a document, a token); the handlers it runs
    in-process log through powertools, which writes to stdout, so their logs go to stderr."""
    import logging

    from klientportal.observability import logger

    class Stderr:  # whatever sys.stderr is when a line is written
        def write(self, text: str) -> int:
            return sys.stderr.write(text)

        def flush(self) -> None:
            sys.stderr.flush()

    handler = logger.registered_handler
    if isinstance(handler, logging.StreamHandler):
        handler.setStream(Stderr())


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.func is not _cmd_local:  # the local stack's console is its log
        _handler_logs_to_stderr()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
