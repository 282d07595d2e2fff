"""RQ worker and scheduler processes, each running jobs in the app context.

    python worker.py             # a worker; run as many as needed
    python worker.py scheduler   # the periodic jobs; run exactly one
"""

from __future__ import annotations

import logging
import sys
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, Worker
from rq.cron import CronScheduler

from app import create_app
from bot.db import dispose_engines
from bot.queue import QUEUE_NAME, redis_connection

logger = logging.getLogger("worker")

# Seconds between two attempts to reach Redis after it went away.
REDIS_RETRY_SECONDS = 2.0

class AppWorker(Worker):
    """A forking worker whose jobs run inside the Flask app context."""

    app = None

    def main_work_horse(self, *args, **kwargs):
        # The work-horse is a fork: pooled connections belong to the parent.
        dispose_engines()
        return super().main_work_horse(*args, **kwargs)

    def perform_job(self, *args, **kwargs):
        with self.app.app_context():
            return super().perform_job(*args, **kwargs)

    def unsubscribe(self):
        """Stop listening for RQ commands without waiting on the poll interval.

        RQ 3.0 unsubscribes first and then calls the pubsub thread's stop(),
        which in redis-py 8.2 joins without a timeout. When the thread handles
        the unsubscribe reply before stop() clears its run flag, it sleeps in
        get_message for RQ's 60 s interval, and the warm shutdown waits that
        long. Clearing the flag first lets the reply end the thread.
        """
        if not self.pubsub_thread:
            return
        logger.info(
            "worker %s: unsubscribing from %s", self.name, self.pubsub_channel_name
        )
        self.pubsub_thread.stop(timeout=0)
        self.pubsub.unsubscribe()
        self.pubsub_thread.join(timeout=1)
        self.pubsub.close()


def run_worker() -> None:
    """Run an RQ worker until SIGTERM, starting it again after Redis errors.

    RQ's own loop waits for Redis while it dequeues, but creating the
    worker or registering it fails at once when Redis is down.
    """
    app = create_app()
    AppWorker.app = app
    connection = redis_connection(app.config["SETTINGS"].REDIS_URL)
    while True:
        try:
            worker = AppWorker([Queue(QUEUE_NAME, connection=connection)],
                               connection=connection)
            logger.info("worker %s: starting on queue %s", worker.name, QUEUE_NAME)
            worker.work(with_scheduler=True)
            return
        except (RedisConnectionError, RedisTimeoutError) as exc:
            logger.warning("worker: Redis unavailable (%s), starting again in %.0f s",
                           exc, REDIS_RETRY_SECONDS)
            time.sleep(REDIS_RETRY_SECONDS)


def run_scheduler() -> None:
    """Enqueue the periodic jobs of `bot.schedule`; the workers run them.

    Run exactly one scheduler however many workers there are. A second one
    would enqueue each sweep twice, which the reminder table turns into no
    extra messages but into wasted work.
    """
    from bot.schedule import periodic_jobs

    app = create_app()
    settings = app.config["SETTINGS"]
    connection = redis_connection(settings.REDIS_URL)
    while True:
        scheduler = CronScheduler(connection=connection, name="emonev-scheduler")
        for job in periodic_jobs():
            interval = job.interval(settings)
            scheduler.register(job.func, queue_name=QUEUE_NAME, interval=interval)
            logger.info("scheduler: %s every %d s", job.name, interval)
        try:
            # Returns after SIGTERM or SIGINT.
            scheduler.start()
            return
        except (RedisConnectionError, RedisTimeoutError) as exc:
            # Work waits in the database meanwhile: the sweeps find it when
            # Redis is back. A new CronScheduler runs every job at once.
            logger.warning("scheduler: Redis unavailable (%s), starting again in %.0f s",
                           exc, REDIS_RETRY_SECONDS)
            time.sleep(REDIS_RETRY_SECONDS)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "scheduler":
        run_scheduler()
    else:
        run_worker()
