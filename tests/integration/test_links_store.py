"""The link, counter and rate-limit stores on moto: the item format, batched writes, atomic counter
blocks across threads and processes, slugs that never come back after their links are deleted,
and a rate-limit burst that never passes the limit."""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from brandlink.config import settings
from brandlink.core.common.rate_limit import RateLimiter
from brandlink.core.links.records import LinkRecord, from_item, to_item
from brandlink.core.links.slugs import SlugCipher, SlugMinter
from brandlink.store.common import batches
from brandlink.store.common.rate_limits import DynamoTokenWindows
from brandlink.store.links import DynamoCounterBlocks, DynamoLinkRepository, LinkItem, SlugCounterItem
from local.aws_endpoint import serialize_dynamodb_item_writes
from local.provision import provision

KEY = b"integration slug key, 32 bytes!!"
T0 = 1_900_000_000.0


def record(slug: str, message_sid: str = "SM" + "1" * 32, position: int = 0, **changes: Any) -> LinkRecord:
    fields: dict[str, Any] = {
        "slug": slug,
        "link": "https://shop.example.com/o/4711?utm_source=sms&x=%C3%A9#top",
        "message_sid": message_sid,
        "account_sid": "AC" + "a" * 32,
        "service_sid": "MG" + "b" * 32,
        "to": "+14155550100",
        "from_": "+14155552671",
        "domain_sid": "DN" + "d" * 32,
        "domain_name": "go.brand.example",
        "created_at": 1_900_000_000,
        "expires_at": 1_900_000_000 + 90 * 86400,
        "position": position,
        "tags": {"campaign": "spring", "ab": "B"},
    }
    return LinkRecord(**{**fields, **changes})


def raw_item(slug: str) -> dict[str, Any]:
    client = boto3.client("dynamodb", region_name=settings().region)
    item: dict[str, Any] = client.get_item(TableName=settings().table_name("links"), Key={"slug": {"S": slug}})["Item"]
    return item


def test_the_model_writes_exactly_the_item_the_redirect_reads(aws: dict[str, str]) -> None:
    with_tags, without_tags = record("AbCdEf1234"), record("AbCdEf1235", tags={})
    assert LinkItem.from_record(with_tags).serialize() == to_item(with_tags)
    assert LinkItem.from_record(without_tags).serialize() == to_item(without_tags)
    DynamoLinkRepository().put_many([with_tags, without_tags])
    assert raw_item("AbCdEf1234") == to_item(with_tags)
    assert from_item(raw_item("AbCdEf1235")) == without_tags
    assert DynamoLinkRepository().get("AbCdEf1234") == with_tags


def test_links_are_written_in_batches_of_25_and_found_by_message(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    connection = LinkItem._get_connection()
    real = connection.batch_write_item

    def counting(put_items: list[Any], **kwargs: Any) -> Any:
        calls.append(len(put_items))
        return real(put_items=put_items, **kwargs)

    monkeypatch.setattr(connection, "batch_write_item", counting)
    message = "SM" + "2" * 32
    records = [record(f"Slug{n:06d}", message, position=n) for n in range(60)]
    DynamoLinkRepository().put_many([*records, record("OtherSlug1", "SM" + "3" * 32)])
    assert calls == [25, 25, 11]
    found = sorted(DynamoLinkRepository().for_message(message), key=lambda r: r.position)
    assert found == records


def test_unprocessed_items_are_retried_with_backoff(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB may leave items of a batch unprocessed (throttling); moto never does, so this connection does."""
    connection = LinkItem._get_connection()
    real = connection.batch_write_item
    sleeps: list[float] = []
    attempts: list[int] = []

    def throttled(put_items: list[Any], **kwargs: Any) -> Any:
        attempts.append(len(put_items))
        if len(attempts) <= 2:  # the first two calls process only the first item
            real(put_items=put_items[:1], **kwargs)
            left = [{"PutRequest": {"Item": item}} for item in put_items[1:]]
            return {"UnprocessedItems": {connection.table_name: left}}
        return real(put_items=put_items, **kwargs)

    monkeypatch.setattr(connection, "batch_write_item", throttled)
    records = [record(f"Retry{n:05d}", position=n) for n in range(5)]
    batches.batch_put(LinkItem, [to_item(r) for r in records], sleep=sleeps.append)
    assert attempts == [5, 4, 3] and sleeps == [0.05, 0.1]
    assert all(raw_item(r.slug) == to_item(r) for r in records)


def test_a_batch_that_stays_unprocessed_raises(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    connection = LinkItem._get_connection()

    def never(put_items: list[Any], **kwargs: Any) -> Any:
        return {"UnprocessedItems": {connection.table_name: [{"PutRequest": {"Item": i}} for i in put_items]}}

    monkeypatch.setattr(connection, "batch_write_item", never)
    sleeps: list[float] = []
    with pytest.raises(Exception, match="still unprocessed"):
        batches.batch_put(LinkItem, [to_item(record("NeverSlug1"))], sleep=sleeps.append)
    assert len(sleeps) == batches.MAX_ATTEMPTS - 1 and max(sleeps) <= batches.MAX_DELAY_SECONDS


def test_counter_blocks_claimed_by_many_threads_never_overlap(aws: dict[str, str]) -> None:
    serialize_dynamodb_item_writes()  # DynamoDB's single-item atomicity, which moto lacks
    counters = DynamoCounterBlocks()
    barrier = threading.Barrier(8)

    def claim() -> list[int]:
        barrier.wait(timeout=120)
        return [counters.claim("slug", 100) for _ in range(10)]

    # Each thread's own list, returned through its future: a claim that raised shows its error here
    # instead of a short list of starts.
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(claim) for _ in range(8)]
        starts = [start for future in futures for start in future.result(timeout=300)]
    assert sorted(starts) == list(range(0, 8000, 100))


# ---- several processes against one moto server ------------------------------------------------------


@pytest.fixture(name="moto_server")
def moto_server_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A moto server in this process (its item operations made atomic) with Brandlink's tables."""
    serialize_dynamodb_item_writes()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    _forget_connections()  # clients made earlier in this process point elsewhere
    try:
        provision()
        yield url
    finally:
        server.stop()
        _forget_connections()
        settings.cache_clear()


def _forget_connections() -> None:
    for model in (LinkItem, SlugCounterItem):
        model._connection = None


def _mint_in_child(endpoint: str, count: int, queue: Any) -> None:
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    settings.cache_clear()
    minter = SlugMinter(SlugCipher(KEY), DynamoCounterBlocks(), block_size=50)
    queue.put(minter.mint_many(count))


def test_slugs_minted_by_several_processes_never_repeat(moto_server: str) -> None:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    children = [context.Process(target=_mint_in_child, args=(moto_server, 120, queue)) for _ in range(4)]
    for child in children:
        child.start()
    minted = [slug for _ in children for slug in queue.get(timeout=120)]
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0
    assert len(minted) == 480 and len(set(minted)) == 480


def _mint_after_restore(minter: SlugMinter, endpoint: str, count: int, queue: Any) -> None:
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    settings.cache_clear()
    _forget_connections()  # the parent's pooled sockets stay the parent's
    minter.reset_after_restore()  # the after-restore hook (a forked child also drops it by itself)
    queue.put(minter.mint_many(count))


def test_snapshot_copies_of_one_minter_never_repeat_a_slug(moto_server: str) -> None:
    """SnapStart-style: one initialised process (which even minted, so it holds a block) is cloned into
    several environments (fork); each copy must mint slugs no other copy mints."""
    minter = SlugMinter(SlugCipher(KEY), DynamoCounterBlocks(), block_size=50)
    before = minter.mint_many(5)  # the "snapshot" now holds 45 unused values of its block
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    copies = [context.Process(target=_mint_after_restore, args=(minter, moto_server, 60, queue)) for _ in range(4)]
    for copy in copies:
        copy.start()
    minted = [slug for _ in copies for slug in queue.get(timeout=120)]
    for copy in copies:
        copy.join(timeout=60)
        assert copy.exitcode == 0
    minted += minter.mint_many(5)  # the original goes on from its own block
    assert len(set(minted) | set(before)) == len(minted) + len(before) == 250


def test_slugs_never_come_back_after_their_links_expired_and_were_deleted(aws: dict[str, str]) -> None:
    repo = DynamoLinkRepository()
    first = SlugMinter(SlugCipher(KEY), DynamoCounterBlocks(), block_size=10)
    issued = first.mint_many(35)
    repo.put_many([record(slug, position=n) for n, slug in enumerate(issued)])
    # TTL deletes them all (moto never does: delete them as DynamoDB's sweep would).
    client = boto3.client("dynamodb", region_name=settings().region)
    for slug in issued:
        client.delete_item(TableName=settings().table_name("links"), Key={"slug": {"S": slug}})
    assert client.scan(TableName=settings().table_name("links"))["Count"] == 0
    # A new environment (fresh minter, same key and counter) keeps minting: none of the old slugs.
    later = SlugMinter(SlugCipher(KEY), DynamoCounterBlocks(), block_size=10).mint_many(200)
    assert len(set(later)) == 200 and set(later).isdisjoint(issued)


def test_a_rate_limit_burst_from_parallel_environments_never_passes_the_limit(aws: dict[str, str]) -> None:
    serialize_dynamodb_item_writes()
    windows = DynamoTokenWindows("shorten")
    environments, limit, block = 6, 40, 5
    limiters = [RateLimiter(windows, limit=limit, block=block) for _ in range(environments)]
    granted = [0] * environments
    barrier = threading.Barrier(environments)

    def burst(index: int) -> None:
        barrier.wait()
        granted[index] = sum(limiters[index].try_acquire("AC1", T0 + 0.5) for _ in range(limit))

    threads = [threading.Thread(target=burst, args=(index,)) for index in range(environments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counted = windows.used("AC1", int(T0))
    assert counted <= limit
    assert sum(granted) <= counted  # no token granted twice
    assert sum(granted) >= limit - environments * (block - 1)
    ttl = boto3.client("dynamodb", region_name=settings().region).get_item(
        TableName=settings().table_name("rate_limits"), Key={"key": {"S": windows.item_key("AC1", int(T0))}}
    )["Item"]["expires_at"]
    assert int(ttl["N"]) == int(T0) + 1 + 3600


def test_the_slug_key_is_read_from_its_secret_on_the_first_mint(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from brandlink import wiring

    monkeypatch.delenv("BRANDLINK_SLUG_KEY")
    monkeypatch.setenv("BRANDLINK_SLUG_KEY_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:000000000000:secret:none")
    settings.cache_clear()
    try:
        minter = wiring.slug_minter()  # the secret does not exist yet: building reads nothing
        secrets = boto3.client("secretsmanager", region_name=settings().region)
        arn = secrets.create_secret(Name="brandlink-slug-key", SecretString="k" * 64)["ARN"]
        monkeypatch.setenv("BRANDLINK_SLUG_KEY_SECRET_ARN", arn)
        settings.cache_clear()
        assert minter.mint_many(3) == [SlugCipher(b"k" * 64).slug(value) for value in range(3)]
    finally:
        settings.cache_clear()
