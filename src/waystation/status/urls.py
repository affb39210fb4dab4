from django.urls import path

from waystation.status import views

app_name = "status"
urlpatterns = [path("", views.status_page, name="page")]
