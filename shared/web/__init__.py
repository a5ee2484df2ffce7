"""One page design for every person-facing page of the idp and EGISZ.

Templates (``layout.html``, ``components.html`` macros, ``error.html``), the stylesheet and the
texts they need live here once; each service builds its Jinja2 environment with
:class:`~shared.web.rendering.PageRenderer`, which looks in the service's own templates first and
then here. See ``docs/pages.md``.
"""
