"""The one answer to "which address did this request come from?" (portal limits, sign-in limits, audit).

Behind `TRUSTED_PROXY_COUNT` reverse proxies, REMOTE_ADDR is the nearest proxy for every citizen; each
proxy appends the address it received the request from to X-Forwarded-For, so the client is the N-th
address from the right. Addresses further left were written by whoever sent the request and are never
trusted. A header that is missing, too short or not an address falls back to REMOTE_ADDR, which at worst
makes a request count as the proxy's (stricter), never as someone else's.
"""

import ipaddress

from django.conf import settings


def _address(text: str) -> str | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [IPv6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # IPv4:port
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_address(request) -> str:
    """The client's address as the configured proxies saw it."""
    remote = _address(request.META.get("REMOTE_ADDR", "")) or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    return _address(forwarded[-proxies]) or remote
