"""The sources of chainrule's static site; ``python web/build.py`` (``make site``) builds it into site/."""
