from django.conf import settings


def hub(request):
    """What every page's layout needs: the service name and whether this is the demo."""
    return {"service_name": "Victims' Hub", "demo_mode": settings.DEMO_MODE}
