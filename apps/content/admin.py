"""The admin of posts, comments and tags: staff moderate; authors write through the site.

A post's status, publication time and slug change only through apps.content.services
(publish_post needs the post's author, and it chooses the public slug), so the admin shows
them read-only and cannot add posts or comments. Staff may still correct a post's text or
tags and delete posts and comments, under the content rules the site's forms follow.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from apps.content import rules
from apps.content.errors import InvalidContent
from apps.content.models import Comment, Post, Tag


def _by_rule(rule, value):
    """`value` as `rule` cleans it; its InvalidContent as the form field's error."""
    try:
        return rule(value)
    except InvalidContent as error:
        raise ValidationError(str(error), code=error.code) from None


class PostAdminForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ("title", "body", "tags")

    def clean_title(self) -> str:
        return _by_rule(rules.clean_title, self.cleaned_data["title"])

    def clean_body(self) -> str:
        return _by_rule(rules.clean_body, self.cleaned_data["body"])

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        _by_rule(rules.clean_tag_names, [tag.name for tag in tags])  # their count
        return tags


class CommentAdminForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ("body",)

    def clean_body(self) -> str:
        return _by_rule(rules.clean_comment_body, self.cleaned_data["body"])


class TagAdminForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ("name",)

    def clean_name(self) -> str:
        # Stored as the rules normalize it: a post's tags are looked up by that name.
        return _by_rule(rules.clean_tag_names, [self.cleaned_data["name"]])[0]


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
    form = PostAdminForm
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
    form = CommentAdminForm
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
    form = TagAdminForm
    list_display = ("name",)
    search_fields = ("name",)
