"""Who may review, and how a review request proves it is not forged.

- The review token is set when the server starts (``--review-token`` or generated and
  printed). Whoever holds it may review; ``--read-only`` turns review off entirely.
- JSON clients send the token in the ``X-Review-Token`` header. A custom header cannot be
  set by a cross-site form or image, so header-authenticated calls are CSRF-safe.
- Browsers sign in once with the token and a name. The session cookie holds the name and
  an HMAC of it under the token (nothing to store server-side; it dies with a new token),
  is ``HttpOnly`` and ``SameSite=Strict``. Forms also carry a random CSRF value that must
  equal the ``dateline_csrf`` cookie (double submit): another site can neither read the
  cookie nor make the browser send it (``SameSite=Strict``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from fastapi import HTTPException, Request, Response

SESSION_COOKIE = "dateline_session"
CSRF_COOKIE = "dateline_csrf"
TOKEN_HEADER = "X-Review-Token"
#: Reviewer names are shown in the audit log; keep them short and printable.
NAME_RE = re.compile(r"^[\w .@'-]{1,64}$")


def generate_token() -> str:
    """A fresh review token (printed by ``dateline serve`` when none is given)."""
    return secrets.token_urlsafe(18)


@dataclass(frozen=True)
class ReviewAuth:
    """Review settings of one server run; ``token`` is None when review is off."""

    token: str | None

    @property
    def enabled(self) -> bool:
        return self.token is not None

    def _sign(self, name: str) -> str:
        assert self.token is not None
        return hmac.new(self.token.encode(), f"session:{name}".encode(), hashlib.sha256).hexdigest()

    def token_ok(self, candidate: str | None) -> bool:
        return self.enabled and candidate is not None and hmac.compare_digest(candidate.encode(), self.token.encode())

    def session_cookie(self, name: str) -> str:
        return f"{name}|{self._sign(name)}"

    def reviewer(self, request: Request) -> str | None:
        """The signed-in reviewer's name from the session cookie, or None."""
        if not self.enabled:
            return None
        value = request.cookies.get(SESSION_COOKIE, "")
        name, _, sig = value.rpartition("|")
        if name and hmac.compare_digest(sig.encode(), self._sign(name).encode()):
            return name
        return None

    def sign_in(self, response: Response, name: str, *, secure: bool) -> None:
        """Set the session and CSRF cookies (both ``SameSite=Strict``)."""
        response.set_cookie(SESSION_COOKIE, self.session_cookie(name), httponly=True, samesite="strict",
                            secure=secure, path="/")
        response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(18), httponly=True, samesite="strict",
                            secure=secure, path="/")

    @staticmethod
    def sign_out(response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/")
        response.delete_cookie(CSRF_COOKIE, path="/")

    def require_form(self, request: Request, form: dict[str, str]) -> str:
        """The reviewer of a form POST: signed in, and its CSRF field equals the CSRF cookie."""
        if not self.enabled:
            raise HTTPException(403, "review is disabled (read-only server)")
        who = self.reviewer(request)
        if who is None:
            raise HTTPException(401, "sign in with the review token first")
        cookie = request.cookies.get(CSRF_COOKIE, "")
        sent = form.get("csrf", "")
        if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
            raise HTTPException(403, "CSRF check failed; reload the page and try again")
        return who

    def require_header(self, request: Request, who: str | None) -> str:
        """The reviewer of a JSON call: the token in ``X-Review-Token`` and a valid name."""
        if not self.enabled:
            raise HTTPException(403, "review is disabled (read-only server)")
        if not self.token_ok(request.headers.get(TOKEN_HEADER)):
            raise HTTPException(401, f"a valid {TOKEN_HEADER} header is required")
        return valid_name(who or "api")


def valid_name(name: str) -> str:
    name = name.strip()
    if not NAME_RE.match(name):
        raise HTTPException(422, "reviewer name: 1-64 letters, digits, spaces or . @ ' -")
    return name
