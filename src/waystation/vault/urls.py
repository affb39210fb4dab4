from django.urls import path

from waystation.vault import views

app_name = "vault"
urlpatterns = [path("seal/", views.seal_now, name="seal_now")]
