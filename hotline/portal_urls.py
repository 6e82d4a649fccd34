from django.urls import path

from hotline import portal_views

app_name = "portal"

urlpatterns = [
    path("", portal_views.submit, name="submit"),
    path("submitted/", portal_views.submitted, name="submitted"),
    path("track/", portal_views.track, name="track"),
    path("track/<int:pk>/rate/", portal_views.rate, name="rate"),
]
