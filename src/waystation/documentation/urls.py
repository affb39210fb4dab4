"""The documentation pages: the record (events, persons, acts, sources), the lists of
persons and their matches, and the figures."""

from django.urls import URLPattern, URLResolver

from waystation.documentation.views import figures

app_name = "documentation"

urlpatterns: list[URLPattern | URLResolver] = []
urlpatterns += figures.urlpatterns
