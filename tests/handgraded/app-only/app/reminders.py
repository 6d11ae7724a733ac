"""Find carts abandoned for 24 hours and build their reminder with a one-time coupon."""

import datetime as dt
import secrets

CUTOFF = dt.timedelta(hours=24)
COUPON_LIFETIME = dt.timedelta(hours=48)


def due(carts, now):
    """Carts idle for at least 24 hours whose owner did not opt out."""
    return [c for c in carts if now - c["updated"] >= CUTOFF and not c.get("opted_out")]


def coupon(now):
    return {"code": secrets.token_hex(4).upper(), "percent": 10, "expires": now + COUPON_LIFETIME}
