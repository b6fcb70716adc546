"""The admin of posts, comments and tags: staff moderate; authors write through the site.

Every save, delete and action calls apps.content.services, so the admin obeys the rules the
site does (input rules, tag names, permissions, events): a post's text and tags through
`update_post`, deletions through `delete_post` and `delete_comment` (which announce them),
hiding through `hide_comment`. Which objects a staff member may view, change or delete is
asked per object of `user.has_perm` (apps/content/rules.py), as on every other surface.

A post's status, publication time and slug change only through publish_post (which chooses
the public slug), so the admin shows them read-only, and it cannot add posts or comments:
a post needs its author, a comment a published post, and both come from the site.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from rules.contrib.admin import ObjectPermissionsModelAdmin

from apps.content import input_rules, services
from apps.content.errors import InvalidContent
from apps.content.models import Comment, Post, Tag
from apps.kernel.errors import DomainError


def _by_rule(rule, value):
    """`value` as `rule` cleans it; its InvalidContent as the form field's error."""
    try:
        return rule(value)
    except InvalidContent as error:
        raise ValidationError(str(error), code=error.code) from None


# The forms check input by the services' own rules, to show a refusal next to its field;
# the services apply the same rules again when the admin saves through them.
class PostAdminForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ("title", "body", "tags")

    def clean_title(self) -> str:
        return _by_rule(input_rules.clean_title, self.cleaned_data["title"])

    def clean_body(self) -> str:
        return _by_rule(input_rules.clean_body, self.cleaned_data["body"])

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        _by_rule(input_rules.clean_tag_names, [tag.name for tag in tags])
        return tags


class CommentAdminForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ("body",)

    def clean_body(self) -> str:
        return _by_rule(input_rules.clean_comment_body, self.cleaned_data["body"])


class TagAdminForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ("name",)

    def clean_name(self) -> str:
        # Stored as the rules normalize it: a post's tags are looked up by that name.
        return _by_rule(input_rules.clean_tag_names, [self.cleaned_data["name"]])[0]


class CommentInline(admin.TabularInline):
    """A post's comments, to read and delete; comments are written on the site only."""

    model = Comment
    extra = 0
    fields = ("author", "body", "created_at", "hidden_at")
    readonly_fields = ("author", "body", "created_at", "hidden_at")
    can_delete = True

    def has_add_permission(self, request, obj=None) -> bool:
        # Comments go through add_comment, which refuses drafts and announces each comment.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def _each_through_service(modeladmin, request, objects, service, done: str) -> None:
    """Call `service(obj, actor)` for each object; report how many it did and any refusal."""
    count = 0
    for obj in objects:
        try:
            service(obj, request.user)
        except DomainError as error:
            modeladmin.message_user(request, f"{obj}: {error}", messages.ERROR)
        else:
            count += 1
    if count:
        modeladmin.message_user(request, f"{count} {done}.", messages.SUCCESS)


@admin.register(Post)
class PostAdmin(ObjectPermissionsModelAdmin):
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

    def save_model(self, request, obj, form, change) -> None:
        services.update_post(
            post=obj,
            actor=request.user,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            tags=[tag.name for tag in form.cleaned_data["tags"]],
        )

    def save_related(self, request, form, formsets, change) -> None:
        # Not form.save_m2m(): update_post has set the tags, by the tag rules.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change) -> None:
        # The inline's comments are read-only: deleting some is all it can do.
        formset.save(commit=False)
        for comment in formset.deleted_objects:
            services.delete_comment(comment=comment, actor=request.user)

    def delete_model(self, request, obj) -> None:
        services.delete_post(post=obj, actor=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset) -> None:
        for post in queryset:
            services.delete_post(post=post, actor=request.user)


@admin.register(Comment)
class CommentAdmin(ObjectPermissionsModelAdmin):
    form = CommentAdminForm
    list_display = ("post", "author", "created_at", "hidden_at")
    list_filter = (
        ("created_at", admin.DateFieldListFilter),
        ("hidden_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("body", "author__email", "post__title")
    # Moving a comment to another post (a draft, say) would bypass add_comment's rules.
    readonly_fields = ("post", "author", "created_at", "hidden_at", "hidden_by")
    list_select_related = ("post", "author")
    actions = ["hide_comments"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_hide_permission(self, request) -> bool:
        # Offered to holders of the model permission (the moderator role, superusers);
        # hide_comment asks again for each comment.
        return request.user.has_perm("content.hide_comment")

    @admin.action(description="Hide the selected comments", permissions=["hide"])
    def hide_comments(self, request, queryset) -> None:
        _each_through_service(
            self,
            request,
            queryset.select_related("post"),
            lambda comment, actor: services.hide_comment(comment=comment, actor=actor),
            "comment(s) hidden",
        )

    def save_model(self, request, obj, form, change) -> None:
        services.update_comment(comment=obj, actor=request.user, body=form.cleaned_data["body"])

    def delete_model(self, request, obj) -> None:
        services.delete_comment(comment=obj, actor=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset) -> None:
        for comment in queryset:
            services.delete_comment(comment=comment, actor=request.user)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    form = TagAdminForm
    list_display = ("name",)
    search_fields = ("name",)

    def save_model(self, request, obj, form, change) -> None:
        tag = services.save_tag(
            actor=request.user, name=form.cleaned_data["name"], tag=obj if change else None
        )
        # The admin goes on (its log, its redirect) with the tag the service saved.
        vars(obj).update(vars(tag))

    def delete_model(self, request, obj) -> None:
        services.delete_tag(tag=obj, actor=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset) -> None:
        for tag in queryset:
            services.delete_tag(tag=tag, actor=request.user)
