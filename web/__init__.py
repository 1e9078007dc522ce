"""The editors' review app. So far: users, passwords, logins and sessions (``auth.py``) and the
server (``app.py``) with login, logout, CSRF, security headers and the pending list; the review
queue itself is still to come (see the review-queue issue)."""
