"""The home page's guided tour (portal.help) as a template tag, so the home view needs no
change to show it: ``{% guided_tour as tour %}`` gives the tour to show, or None."""

from django import template

from portal.help import Tour, tour_for

register = template.Library()

# The home page's address with this query shows the tour again (the help page links to it).
REPLAY = "replay"


@register.simple_tag(takes_context=True)
def guided_tour(context) -> Tour | None:
    request = context.get("request")
    if request is None:
        return None
    return tour_for(user=request.user, replay=request.GET.get("tour") == REPLAY)
