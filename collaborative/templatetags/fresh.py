"""`{% load fresh %}`: a part of a page kept ready-made until the data changes (collaborative.freshness).

    {% fresh "action-log-table" membership.role request.GET.urlencode %}
        …the part, made only when it is not cached…
    {% endfresh %}

The first argument names the part; the others are what it varies with besides the data and the
quarter hour (who may see what, the filters, the page…). The view must be wrapped in
`collaborative.freshness.with_fresh_parts`, and whatever the part reads should be read only when it is
made (a lazy queryset, or `collaborative.freshness.lazily`), so that a hit reads nothing.
"""

from django import template

from collaborative.freshness import fresh

register = template.Library()


class FreshNode(template.Node):
    def __init__(self, nodelist, name, vary):
        self.nodelist, self.name, self.vary = nodelist, name, vary

    def render(self, context) -> str:
        vary = [value.resolve(context) for value in self.vary]
        return fresh(context.request, self.name.resolve(context), vary, lambda: self.nodelist.render(context))


@register.tag("fresh")
def do_fresh(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% fresh %} needs the part's name.")
    nodelist = parser.parse(("endfresh",))
    parser.delete_first_token()
    return FreshNode(nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]])
