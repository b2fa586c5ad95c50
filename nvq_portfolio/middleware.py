"""Headers every response gets that no single view should have to remember."""

from django.utils.cache import patch_cache_control


class NoStoreWhenSignedInMiddleware:
    """Nothing shown to a signed-in person is kept in the browser's cache.

    Training centres share computers: after signing out, the back button or the cache must not
    show the next person a learner's portfolio, judgements or files. Every response to a
    signed-in person is marked, downloads included; static files never pass through here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
