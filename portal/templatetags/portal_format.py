from django import template

from portal import formatting

register = template.Library()

register.filter("yuan", formatting.yuan)
register.filter("wanyuan", formatting.wanyuan)
register.filter("yiyuan", formatting.yiyuan)
register.filter("percent", formatting.percent)
