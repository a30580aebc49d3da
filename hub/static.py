"""Static files: whitenoise, plus GOV.UK and MOJ Frontend's ``/assets/`` from node_modules."""

from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware


class HubWhiteNoiseMiddleware(WhiteNoiseMiddleware):
    """Serve the design systems' fonts and images at ``/assets/``, where their CSS expects them."""

    def __init__(self, get_response=None, settings_=None):
        super().__init__(get_response)
        for path in settings.FRONTEND_ASSET_DIRS:
            if path.is_dir():
                self.add_files(str(path), prefix="assets/")
