"""Pages of posts and comments, mounted at the site root."""

from django.urls import path

from apps.content import views

app_name = "content"

urlpatterns = [
    path("", views.feed, name="feed"),
    path("drafts/", views.drafts, name="drafts"),
    path("posts/new/", views.post_create, name="post_create"),
    path("posts/<slug:slug>/", views.post_detail, name="post"),
    path("posts/<slug:slug>/edit/", views.post_edit, name="post_edit"),
    path("posts/<slug:slug>/publish/", views.post_publish, name="post_publish"),
    path("posts/<slug:slug>/delete/", views.post_delete, name="post_delete"),
    path("posts/<slug:slug>/comments/", views.comment_create, name="comment_create"),
    path(
        "posts/<slug:slug>/comments/<int:comment_id>/hide/",
        views.comment_hide,
        name="comment_hide",
    ),
    path(
        "posts/<slug:slug>/comments/<int:comment_id>/delete/",
        views.comment_delete,
        name="comment_delete",
    ),
]
