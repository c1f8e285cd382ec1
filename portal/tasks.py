"""Tasks of the shared core."""

from celery import shared_task


@shared_task(name="portal.ping", time_limit=30, soft_time_limit=20)
def ping(token: str) -> dict:
    """Echo a token back with the worker's host name: proves a broker round trip."""
    import socket

    return {"token": token, "host": socket.gethostname()}
