from django.core.exceptions import BadRequest
from django.utils.cache import add_never_cache_headers

from .audit import current_actor


class NoStoreMiddleware:
    """No page or API answer is kept by a browser, a proxy or a shared PC's disk cache.

    Almost every answer carries personal data or depends on who asks, so the rule is the simple one:
    everything Django answers is `no-store`. Static files (WhiteNoise, above this middleware) are not
    personal and stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


class ActorMiddleware:
    """Makes the signed-in user the actor of every audit entry written during the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_actor.set(getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            current_actor.reset(token)


class ChineseFirstMiddleware:
    """The system speaks Chinese unless the user chose English with the language button.

    Django's LocaleMiddleware would otherwise follow the browser's Accept-Language, and an office PC
    with an English browser would get English pages nobody asked for. Goes before LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class RejectNullCharacters:
    """400 for a NUL character in the path or query string: no view needs one, and PostgreSQL refuses
    it in any string, so it would otherwise surface as a 500 wherever a parameter reaches a query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "").lower():
            raise BadRequest("NUL")
        return self.get_response(request)
