"""Server-rendered HTML: the page machinery (:mod:`~verifiers.web.pages`: templates,
security headers, form tokens) shared by every page of the service, and the inspector's
page (:mod:`~verifiers.web.inspector`, 核验页面) with its templates and static files."""
