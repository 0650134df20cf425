from .nav import items_for


def navigation(request):
    """The menu a user sees (`core.nav`): each app lists the pages the user may open."""
    return {"nav": [(item.label, item.url) for item in items_for(getattr(request, "user", None))]}
