"""Pick carts that should get a reminder email."""
from dataclasses import dataclass
from datetime import datetime, timedelta

REMINDER_AFTER = timedelta(hours=24)
CODE_VALID_FOR = timedelta(hours=48)


@dataclass
class Cart:
    cart_id: str
    user_id: str
    last_activity: datetime
    checked_out: bool
    reminder_sent: bool
    user_opted_out: bool
    item_count: int


def is_due(cart: Cart, now: datetime) -> bool:
    """A cart is due when it is idle for 24h, not bought, not already reminded, user did not opt out."""
    if cart.checked_out or cart.reminder_sent or cart.user_opted_out:
        return False
    if cart.item_count == 0:
        return False
    return now - cart.last_activity >= REMINDER_AFTER


def code_expiry(sent_at: datetime) -> datetime:
    return sent_at + CODE_VALID_FOR
