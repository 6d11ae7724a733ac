"""Decide which abandoned carts get a reminder, and build the reminder."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

REMINDER_DELAY = timedelta(hours=24)
CODE_VALIDITY = timedelta(hours=48)
DISCOUNT_PERCENT = 10


@dataclass
class Cart:
    id: str
    email: str
    updated_at: datetime
    checked_out: bool = False
    opted_out: bool = False
    reminded: bool = False


@dataclass
class Reminder:
    cart_id: str
    email: str
    code: str
    expires_at: datetime


def reminder_due(cart: Cart, now: datetime) -> bool:
    """A cart gets one reminder, 24 h after its last change, unless bought or opted out."""
    if cart.checked_out or cart.opted_out or cart.reminded:
        return False
    return now - cart.updated_at >= REMINDER_DELAY


def make_reminder(cart: Cart, now: datetime) -> Reminder:
    code = f"BACK{DISCOUNT_PERCENT}-{secrets.token_hex(3).upper()}"
    return Reminder(cart.id, cart.email, code, now + CODE_VALIDITY)


def code_valid(reminder: Reminder, now: datetime) -> bool:
    return now < reminder.expires_at
