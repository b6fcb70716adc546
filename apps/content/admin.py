"""The admin of posts, comments and tags: staff moderate; authors write through the site.

A post's status, publication time and slug change only through apps.content.services
(publish_post needs the post's author, and it chooses the public slug), so the admin shows
them read-only and cannot add posts or comments. Staff may still correct a post's text or
tags and delete posts and comments.
"""

from django.contrib import admin

from apps.content.models import Comment, Post, Tag


class CommentInline(admin.TabularInline):
    """A post's comments, to read and delete; comments are written on the site only."""

    model = Comment
    extra = 0
    fields = ("author", "body", "created_at")
    readonly_fields = ("author", "body", "created_at")
    can_delete = True

    def has_add_permission(self, request, obj=None) -> bool:
        # Comments go through add_comment, which refuses drafts and announces each comment.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("title", "author", "status", "published_at", "created_at")
    list_filter = ("status", "tags", ("published_at", admin.DateFieldListFilter))
    search_fields = ("title", "slug", "body", "author__email")
    fields = ("title", "author", "slug", "status", "published_at", "body", "tags")
    # Publishing goes through publish_post (the author's act, with its event and slug).
    readonly_fields = ("author", "slug", "status", "published_at")
    filter_horizontal = ("tags",)
    list_select_related = ("author",)
    date_hierarchy = "created_at"
    inlines = [CommentInline]

    def has_add_permission(self, request) -> bool:
        # A post needs its author and a slug from create_post; staff are not its authors.
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("post", "author", "created_at")
    list_filter = (("created_at", admin.DateFieldListFilter),)
    search_fields = ("body", "author__email", "post__title")
    # Moving a comment to another post (a draft, say) would bypass add_comment's rules.
    readonly_fields = ("post", "author", "created_at")
    list_select_related = ("post", "author")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)
