from django.urls import path

from apps.operations import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]
