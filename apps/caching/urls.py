from django.urls import path

from apps.caching import views

app_name = "caching"

urlpatterns = [
    path("ops/cache/", views.cache_stats, name="stats"),
    path("metrics", views.metrics, name="metrics"),
]
