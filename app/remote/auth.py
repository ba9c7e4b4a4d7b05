"""Who may open a viewer connection: the viewer token and the browser Origin, checked before the upgrade.

The token is accepted as `Authorization: Bearer TOKEN` or as `?token=TOKEN` in the URL (a browser's
WebSocket cannot set headers) and compared in constant time. A browser says where the page that opens
the connection came from (`Origin`); it must be the server's own origin (the page it serves) or one
listed in the settings. A client that sends no Origin is not a browser and is judged by its token alone.
"""

from __future__ import annotations

import hmac
import http
from collections.abc import Iterable
from urllib.parse import parse_qs, urlsplit

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

__all__ = ["OriginPolicy", "TokenCheck", "presented_token", "refusal"]

_BEARER = "bearer"


def presented_token(request: Request) -> str | None:
    """The token the request carries (header first, then `?token=`); None when absent or ambiguous."""
    authorizations = request.headers.get_all("Authorization")
    if authorizations:
        if len(authorizations) != 1:
            return None
        scheme, _, value = authorizations[0].strip().partition(" ")
        return value.strip() if scheme.lower() == _BEARER and value.strip() else None
    query = parse_qs(urlsplit(request.path).query, keep_blank_values=True)
    tokens = query.get("token", [])
    return tokens[0] if len(tokens) == 1 and tokens[0] else None


class TokenCheck:
    """Compares presented tokens with the viewer token in constant time."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("the remote server needs a viewer token; none was given")
        self._expected = token.encode("utf-8")

    def matches(self, presented: str | None) -> bool:
        """True only for the exact token; the time taken does not depend on how much of it matched."""
        if presented is None:
            return False
        return hmac.compare_digest(presented.encode("utf-8"), self._expected)

    def refuse(self, request: Request) -> Response | None:
        """A 401 response for a request without the right token, else None."""
        presented = presented_token(request)
        if self.matches(presented):
            return None
        if presented is None:
            text = (
                "A viewer token is required: send 'Authorization: Bearer TOKEN' or add ?token=TOKEN to the "
                "URL. The token is shown in the desk's settings (Remote viewing).\n"
            )
        else:
            text = "The viewer token is wrong: copy it again from the desk's settings (Remote viewing).\n"
        response = refusal(http.HTTPStatus.UNAUTHORIZED, text)
        response.headers["WWW-Authenticate"] = 'Bearer realm="MT5 Desk viewer"'
        return response


class OriginPolicy:
    """Browser origins allowed to connect: the server's own pages plus the listed ones."""

    def __init__(self, allowed: Iterable[str], *, tls: bool) -> None:
        self._allowed = frozenset(origin.lower().rstrip("/") for origin in allowed)
        self._scheme = "https" if tls else "http"

    def allows(self, request: Request) -> bool:
        """True when the request has no Origin (not a browser), its own origin, or an allowed one."""
        origins = request.headers.get_all("Origin")
        if not origins:
            return True
        if len(origins) != 1:
            return False
        origin = origins[0].strip().lower()
        if origin in self._allowed:
            return True
        hosts = request.headers.get_all("Host")
        # Same origin: the page this server sent. A DNS-rebinding page also looks "same origin", which
        # is why the token is still required on every connection.
        return len(hosts) == 1 and origin == f"{self._scheme}://{hosts[0].strip().lower()}"

    def refuse(self, request: Request) -> Response | None:
        """A 403 response for a browser page from an origin that is not allowed, else None."""
        if self.allows(request):
            return None
        return refusal(
            http.HTTPStatus.FORBIDDEN,
            "This web page's origin may not open the desk's viewer connection. Add it to "
            "remote.allowed_origins in the desk's settings if you trust it.\n",
        )


def refusal(status: http.HTTPStatus, text: str) -> Response:
    """A plain-text HTTP response that ends the connection."""
    body = text.encode("utf-8")
    headers = Headers(
        [
            ("Connection", "close"),
            ("Content-Length", str(len(body))),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Cache-Control", "no-store"),
        ]
    )
    return Response(status.value, status.phrase, headers, body)
