"""``make bench``: the referral API measured under gunicorn and PostgreSQL (see README.md)."""
