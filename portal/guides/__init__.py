"""The one-page guide of each role (操作指南) and of the public, shown at /help/ and printed on
one A4 page each; ``portal.help.guide_for`` picks one."""
