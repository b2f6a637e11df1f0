"""Whether a command can listen where it was asked to, checked before it does any work."""

from __future__ import annotations

import socket

from .errors import KbError


def check_free(host: str, port: int) -> None:
    """A clear error now for an address in use, where gunicorn would retry for five seconds and then log it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    probe = socket.socket(family, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds: TIME_WAIT is no obstacle
    try:
        probe.bind((host, port))
    except OSError as error:
        raise KbError(f"cannot serve on {host}:{port}: {error.strerror}; pass another --port (or --host)") from None
    finally:
        probe.close()
