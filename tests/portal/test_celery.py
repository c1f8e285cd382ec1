"""A real Celery task sent through Redis to a worker this test starts."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from portal.celery import app
from portal.tasks import ping
from tests.support import skip_or_fail

BASE_DIR = Path(__file__).resolve().parents[2]


def test_without_a_broker_tasks_run_eagerly_in_process():
    assert app.conf.task_always_eager
    assert ping.delay("eager").get(timeout=5)["token"] == "eager"


@pytest.mark.services
def test_task_round_trip_through_redis_to_a_real_worker():
    broker = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
    if not broker or not broker.startswith("redis"):
        skip_or_fail("No Redis broker configured (set CELERY_BROKER_URL=redis://…)")
    import redis

    try:
        redis.Redis.from_url(broker, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis at {broker} is not reachable: {error}")

    queue = f"round-trip-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.local",
        "CELERY_BROKER_URL": broker,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        token = uuid.uuid4().hex
        result = ping.apply_async(args=[token], queue=queue)
        assert result.get(timeout=90)["token"] == token
        assert result.status == "SUCCESS"
    finally:
        app.conf.task_always_eager = eager
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert f"Task portal.ping[{result.id}] succeeded" in output
