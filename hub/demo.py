"""The demo's published sign-ins. They work only in demo mode (``HUB_DEMO=1``, which the
settings refuse without ``DEBUG=1``); seeding under any other settings leaves them unusable.
"""

DEMO_USERS = ("vcc", "caseworker", "volunteer", "manager", "admin", "analyst")
DEMO_PASSWORD = "victims-hub-demo"  # noqa: S105 - published on purpose, demo mode only
# The demo's police crime-recording system, to try the referral API against.
DEMO_API_CLIENT = "Cambridgeshire crime recording"
DEMO_API_TOKEN = "vh_demo-cambridgeshire-crime-recording"  # noqa: S105 - demo mode only
# Every demo sign-in's authenticator key (base32), to add to an authenticator app.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105 - demo mode only
