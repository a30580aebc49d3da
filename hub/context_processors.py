from django.conf import settings

from hub.roles import CASE_ROLES, DIRECTORY_ROLES, Role


def hub(request):
    """What every page's layout needs: the service name and whether this is the demo."""
    user = getattr(request, "user", None)
    return {
        "service_name": "Victims' Hub",
        "demo_mode": settings.DEMO_MODE,
        # An API client (Swagger UI under a token) has no roles.
        "is_manager": bool(getattr(user, "has_role", None) and user.has_role(Role.MANAGER)),
        # The roles that work on cases: they search and enter referrals by hand.
        "works_on_cases": bool(CASE_ROLES & getattr(user, "role_names", frozenset())),
        # Managers and the commissioner's analysts read the dashboard.
        "reads_dashboard": bool(
            {Role.MANAGER, Role.ANALYST} & getattr(user, "role_names", frozenset())
        ),
        "uses_directory": bool(DIRECTORY_ROLES & getattr(user, "role_names", frozenset())),
    }
