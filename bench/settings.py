"""The Hub's own settings plus the bench-only ceiling view (``bench.urls``).

``bench.run`` sets the environment (DEBUG off, SECRET_KEY, the ``hub_bench`` database,
Redis) before these are imported, in its own process and in gunicorn's.
"""

from hub.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
