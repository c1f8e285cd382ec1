def navigation_for(actor, match):
    return []
