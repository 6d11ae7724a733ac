"""Abandoned-cart reminder job.

Run as a Kubernetes CronJob every 10 minutes:  python -m app.reminders
"""
from __future__ import annotations

import argparse
import logging
import os
import random
import secrets
from datetime import datetime, timedelta, timezone

from prometheus_client import CollectorRegistry, Counter, Gauge, push_to_gateway

from app.db import session_scope
from app.models import Cart, DiscountCode, User
from app.mail import PostmarkError, send_template

log = logging.getLogger("reminders")

ABANDON_AFTER = timedelta(hours=24)
WINDOW = timedelta(minutes=10)
CODE_VALID_FOR = timedelta(hours=48)

registry = CollectorRegistry()
SENT = Counter("reminders_sent_total", "Reminder emails accepted by Postmark", registry=registry)
FAILED = Counter("reminders_failed_total", "Reminder emails that failed after retries", registry=registry)
LAST_OK = Gauge("reminder_job_last_success_timestamp", "Unix time of last successful run", registry=registry)


def find_abandoned(session, now: datetime):
    """Carts idle for >= 24h (within the last window), not ordered, not reminded, user not opted out."""
    upper = now - ABANDON_AFTER
    lower = upper - WINDOW
    return (
        session.query(Cart)
        .join(User, Cart.user_id == User.id)
        .filter(Cart.last_activity_at <= upper)
        .filter(Cart.last_activity_at > lower)
        .filter(Cart.order_id.is_(None))
        .filter(Cart.reminder_sent_at.is_(None))
        .filter(User.marketing_opt_out.is_(False))
        .filter(User.email.isnot(None))
        .all()
    )


def make_code(session, cart: Cart, now: datetime) -> DiscountCode:
    code = DiscountCode(
        code="CR-" + secrets.token_hex(4).upper(),
        percent=10,
        single_use=True,
        cart_id=cart.id,
        expires_at=now + CODE_VALID_FOR,
    )
    session.add(code)
    return code


def send_reminder(session, cart: Cart, now: datetime, dry_run: bool = False) -> bool:
    code = make_code(session, cart, now)
    if dry_run:
        log.info("dry-run: would email cart=%s code=%s", cart.id, code.code)
        return True
    try:
        message_id = send_template(
            to=cart.user.email,
            template="cart-reminder",
            model={
                "items": [{"name": i.product.name, "qty": i.quantity, "price": str(i.price)} for i in cart.items],
                "code": code.code,
                "expires": code.expires_at.strftime("%d %b %H:%M UTC"),
                "unsubscribe_url": cart.user.unsubscribe_url(),
            },
            tag="cart_reminder",
        )
    except PostmarkError:
        log.exception("postmark failed for cart=%s", cart.id)
        session.delete(code)
        FAILED.inc()
        return False
    cart.reminder_sent_at = now
    cart.reminder_message_id = message_id
    SENT.inc()
    return True


def run(dry_run: bool = False) -> int:
    if os.environ.get("REMINDERS_ENABLED", "false") != "true":
        log.info("REMINDERS_ENABLED is not true, nothing to do")
        return 0
    sample = int(os.environ.get("REMINDER_SAMPLE_PERCENT", "100"))
    now = datetime.now(timezone.utc)
    sent = 0
    with session_scope() as session:
        for cart in find_abandoned(session, now):
            if random.randint(1, 100) > sample:
                continue
            sent += send_reminder(session, cart, now, dry_run=dry_run)
    LAST_OK.set_to_current_time()
    gateway = os.environ.get("PUSHGATEWAY_URL")
    if gateway and not dry_run:
        push_to_gateway(gateway, job="cart-reminder", registry=registry)
    return sent


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    print(f"sent={run(dry_run=args.dry_run)}")
