"""Logging: structlog events (key=value or JSON) on stderr, configured once by the CLI.

Modules take a logger from `get_logger(__name__)`. Events below the configured level are
dropped before structlog is even imported, so a quiet run does not pay for it at start-up.
"""
from __future__ import annotations

import sys
import threading
from types import ModuleType
from typing import TYPE_CHECKING, Any, List, TypedDict

if TYPE_CHECKING:  # structlog is imported when the first event passes the level
    from structlog.types import Processor

LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40}


class _Settings(TypedDict):
    format: str
    level: int
    ready: bool


_settings: _Settings = {"format": "text", "level": LEVELS["warning"], "ready": False}
_lock = threading.Lock()
# Held for every write to stderr by events and by apply's progress (progress.py), so that two
# threads never glue their lines together.
STDERR_LOCK = threading.RLock()


class StderrLogger:
    """structlog's output: one whole line per event on stderr, under STDERR_LOCK; on a
    terminal it first clears the live status line that apply's progress keeps there."""

    def __init__(self, *_args: Any):
        pass

    def msg(self, message: str) -> None:
        from dfwctl.printable import printable

        with STDERR_LOCK:
            stream = sys.stderr
            clear = "\r\033[K" if stream.isatty() else ""
            stream.write(clear + printable(message) + "\n")
            stream.flush()

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


def configure(log_format: str = "text", level: str = "warning") -> None:
    with _lock:
        _settings.update({"format": log_format, "level": LEVELS[level], "ready": False})


def _structlog() -> ModuleType:
    import structlog

    with _lock:
        if not _settings["ready"]:
            from dfwctl.redact import processor as redact

            processors: List[Processor] = [
                structlog.processors.add_log_level,
                redact,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
            ]
            if _settings["format"] == "json":
                processors += [structlog.processors.dict_tracebacks,
                               structlog.processors.JSONRenderer()]
            else:
                processors += [structlog.dev.ConsoleRenderer(colors=False)]
            structlog.configure(
                processors=processors,
                wrapper_class=structlog.make_filtering_bound_logger(_settings["level"]),
                logger_factory=StderrLogger,  # whatever sys.stderr is at each event
                cache_logger_on_first_use=False,
            )
            _settings["ready"] = True
    return structlog


class Logger:
    """The structlog logger of one module, fetched when an event passes the level."""

    def __init__(self, name: str):
        self.name = name

    def _emit(self, level: str, event: str, **context: Any) -> None:
        if LEVELS[level] >= _settings["level"]:
            getattr(_structlog().get_logger(self.name), level)(event, **context)

    def debug(self, event: str, **context: Any) -> None:
        self._emit("debug", event, **context)

    def info(self, event: str, **context: Any) -> None:
        self._emit("info", event, **context)

    def warning(self, event: str, **context: Any) -> None:
        self._emit("warning", event, **context)

    def error(self, event: str, **context: Any) -> None:
        self._emit("error", event, **context)


def get_logger(name: str) -> Logger:
    return Logger(name)
