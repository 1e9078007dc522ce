"""The editors' review app. So far: users, passwords, logins and sessions (``auth.py``); the
queue's web server is still to come (see the review-queue issue)."""
