"""Relocation's pages, one module of views per area, each with its own patterns."""

from django.urls import include, path

from waystation.relocation.views import documents, houses, money, numbers, travel

app_name = "relocation"

urlpatterns = [
    path("houses/", include(houses.urlpatterns)),
    path("travel/", include(travel.urlpatterns)),
    path("documents/", include(documents.urlpatterns)),
    path("money/", include(money.urlpatterns)),
    path("numbers/", include(numbers.urlpatterns)),
]
