"""The operations endpoints mounted under /api/."""

from django.urls import path

from apps.operations import views

urlpatterns = [
    path("hello/", views.hello, name="hello"),
]
