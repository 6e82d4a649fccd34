from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("language/", views.language_switch, name="language_switch"),
]
