from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context: template.Context, number: int) -> str:
    """This page's address with ``page=number``, keeping the filters already in the query."""
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()
