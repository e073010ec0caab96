"""Every AWS client of a container comes from one botocore session per thread (``brandlink.aws_session``)."""

from __future__ import annotations

import importlib
import pkgutil
import threading

from pynamodb.models import Model

import brandlink.store
from brandlink import aws_session
from brandlink.store.common.base import StoreModel
from brandlink.store.common.conditions import transaction_connection


def store_models() -> list[type[Model]]:
    for module in pkgutil.walk_packages(brandlink.store.__path__, "brandlink.store."):
        importlib.import_module(module.name)

    def subclasses(cls: type[Model]) -> list[type[Model]]:
        return [sub for direct in cls.__subclasses__() for sub in (direct, *subclasses(direct))]

    return [model for model in subclasses(Model) if model.__module__.startswith("brandlink.store.")]


def test_every_store_model_and_the_transactions_use_the_threads_session() -> None:
    models = [model for model in store_models() if model is not StoreModel]

    assert len(models) >= 12
    assert [model for model in models if not issubclass(model, StoreModel)] == []
    sessions = {id(model._get_connection().connection.session) for model in models}
    assert sessions == {id(aws_session.botocore_session())}
    assert transaction_connection().session is aws_session.botocore_session()


def test_another_thread_gets_a_session_of_its_own() -> None:
    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(aws_session.botocore_session()))
    thread.start()
    thread.join()

    assert seen[0] is not aws_session.botocore_session()


def test_each_call_makes_a_client_with_the_region_and_config_asked_for() -> None:
    from botocore.config import Config

    sqs = aws_session.client("sqs", "eu-west-1", config=Config(connect_timeout=3))

    assert sqs.meta.region_name == "eu-west-1"
    assert sqs.meta.config.connect_timeout == 3
    assert aws_session.client("sqs", "eu-west-1") is not sqs
