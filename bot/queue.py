"""RQ queues on the Redis named by `REDIS_URL`."""

from __future__ import annotations

import logging

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

logger = logging.getLogger(__name__)

QUEUE_NAME = "default"


def redis_connection(url: str) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def enqueue(func: str, *args, redis_url: str | None = None) -> str | None:
    """Enqueue `func` (a dotted path) with id arguments; None if Redis is down.

    `redis_url` defaults to the current app's `REDIS_URL`. Callers keep the
    work recorded in the database, so a failed enqueue delays it until the
    next periodic sweep instead of losing it.
    """
    url = current_app.config["SETTINGS"].REDIS_URL if redis_url is None else redis_url
    if not url:
        logger.warning("queue: REDIS_URL is not set, %s left for the sweep", func)
        return None
    try:
        job = Queue(QUEUE_NAME, connection=redis_connection(url)).enqueue(func, *args)
    except RedisError as exc:
        logger.warning("queue: Redis unavailable (%s), %s left for the sweep", exc, func)
        return None
    return job.id
