"""Cost of the inbound function per message on moto in-process (``mock_aws``): claim, account, sender
and service reads, the opt-out settings read, the conditional message write; ``STOP`` adds the
opt-out write and the confirmation (message write + send-queue message). The number is claimed but
in no service and has no SmsUrl (drop), so no HTTP is timed. Most of the time is moto and botocore
(DESIGN.md: a GetItem costs 2-3 ms here).

    python -m bench.bench_inbound [--events 200]
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from typing import Any

os.environ.setdefault("BRANDLINK_MODE", "local")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_REGION", "us-east-1")
for _name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    os.environ.setdefault(_name, "bench")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Brandlink")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # one INFO line per event would be timed too

SENDER, HANDSET = "+14155552671", "+14155550100"


def _record(body: str) -> dict[str, Any]:
    from brandlink.core.common.dates import utcnow
    from brandlink.core.inbound.model import InboundEvent

    event = InboundEvent("outbox", str(uuid.uuid4()), HANDSET, SENDER, body, utcnow())
    return {"MessageId": str(uuid.uuid4()), "ReceiptHandle": "r", "Body": event.to_json()}


def run(events: int) -> None:
    import contextlib
    import io

    from moto import mock_aws

    from local.events import sqs_event
    from local.lambda_runtime import context_for
    from local.provision import provision

    with mock_aws():
        provision()
        from brandlink import wiring
        from brandlink.core.accounts.actions import create_account
        from brandlink.core.senders import ownership
        from brandlink.handlers.inbound import handler

        account, _token = create_account(wiring.accounts(), wiring.token_vault(), "bench")
        ownership.assign(wiring.sender_claims(), wiring.senders(), account.sid, "phone_number", SENDER)
        context = context_for("brandlink-inbound")
        for label, body in (("plain text (recorded, dropped)", "hello"), ("STOP (opt-out + confirmation)", "STOP")):
            records = [_record(body) for _ in range(events)]
            with contextlib.redirect_stdout(io.StringIO()):  # the metrics (EMF) lines
                handler(sqs_event([_record(body)], "arn:aws:sqs:us-east-1:0:inbound"), context)  # warm
                start = time.perf_counter()
                for record in records:
                    handler(sqs_event([record], "arn:aws:sqs:us-east-1:0:inbound"), context)
                elapsed = time.perf_counter() - start
            print(f"{label:<48} {elapsed / events * 1e3:8.3f} ms/event (moto in-process)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_inbound")
    parser.add_argument("--events", type=int, default=200)
    run(parser.parse_args(argv).events)


if __name__ == "__main__":
    main()
