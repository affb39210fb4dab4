"""The documentation pages: the record (events, persons, acts, sources), the lists of
persons and their matches, and the figures."""

from django.urls import URLPattern, URLResolver, include, path

from waystation.documentation.views import figures, lists, record

app_name = "documentation"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include(record.urlpatterns)),
    path("", include(lists.urlpatterns)),
    path("", include(figures.urlpatterns)),
]
