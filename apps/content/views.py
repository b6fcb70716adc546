"""Pages of posts and comments: they parse forms, call the content services and selectors,
and turn domain errors into form errors or messages, keeping what the user typed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.caching.edge import edge_cached, mark_for_edge, surrogate_keys
from apps.content import input_rules, selectors, services
from apps.content.cache_tags import CONTENT_MODELS, EDGE_TTL
from apps.content.errors import CommentsClosed, InvalidContent, PostAlreadyPublished
from apps.content.forms import CommentForm, PostForm
from apps.content.models import Post
from apps.kernel.web import show_as_message, show_on_form

# A domain error these views do not catch (PostNotFound, NotPostAuthor, NotAllowed...)
# becomes the error page of its status (apps/kernel/web.py). Who may do what is asked of
# `user.has_perm` (apps/content/rules.py): by the services, and by the templates to show
# only the actions the viewer may take.


_FEED_TAGS = surrogate_keys(CONTENT_MODELS)


def feed(request: HttpRequest) -> HttpResponse:
    raw_tag, raw_page = request.GET.get("tag"), request.GET.get("page")
    try:
        # On the raw value: normalizing strips some control characters away.
        input_rules.check_tag_filter(raw_tag)
    except InvalidContent as error:
        return _refused_feed_filter(request, error)
    tag = input_rules.normalize_tag_name(raw_tag or "") or None
    page = selectors.feed_page(tag=tag, number=_page_number(raw_page))
    response = render(request, "content/feed.html", {"page": page, "tag": tag})
    # Kept at the edge only as asked for in canonical form: a page number it had to
    # correct, a tag spelt otherwise or one nothing carries would each make one more
    # copy of a page, for any query string an attacker cares to send.
    if (
        raw_page in (None, str(page.number))
        and raw_tag in (None, tag)
        and (tag is None or page.posts)
    ):
        mark_for_edge(request, response, ttl=EDGE_TTL, tags=_FEED_TAGS, params=("page", "tag"))
    return response


def _refused_feed_filter(request: HttpRequest, error: InvalidContent) -> HttpResponse:
    # The reason above the unfiltered first page, as a 400: never kept at the edge, and
    # the filter itself is not shown back.
    messages.error(request, str(error))
    page = selectors.feed_page(tag=None, number=1)
    return render(request, "content/feed.html", {"page": page, "tag": None}, status=400)


def _page_number(raw: str | None) -> int:
    # Anything but a plain positive number reads as the first page, as Django's get_page
    # does; the selector brings a number past the end back to the last page.
    if not raw or not raw.isascii() or not raw.isdecimal():
        return 1
    # Too long to be a page (and to parse cheaply): past the end, whatever it says.
    return int(raw) if len(raw) <= 9 else 10**9


def _render_post(
    request: HttpRequest, post: Post, comment_form: CommentForm | None = None
) -> HttpResponse:
    context = {
        "post": post,
        "tag_names": [tag.name for tag in post.tags.all()],
        "comments": selectors.comments_for_post(post),
        "comment_form": comment_form or CommentForm(),
    }
    return render(request, "content/post_detail.html", context)


@edge_cached(ttl=EDGE_TTL, tags=CONTENT_MODELS, params=())
def post_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_post(request, selectors.post_for_viewer(request.user, slug=slug))


@login_required
def post_create(request: HttpRequest) -> HttpResponse:
    form = PostForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        publish_now = request.POST.get("action") == "publish"
        try:
            post = services.create_post(
                actor=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                tags=form.cleaned_data["tags"],
                publish_now=publish_now,
            )
        except InvalidContent as error:
            show_on_form(form, error)
        else:
            messages.success(request, "Your post is published." if publish_now else "Draft saved.")
            return redirect("content:post", slug=post.slug)
    return render(request, "content/post_form.html", {"form": form, "post": None})


@login_required
def post_edit(request: HttpRequest, slug: str) -> HttpResponse:
    post = selectors.post_for_editing(request.user, slug=slug)
    if request.method != "POST":
        form = PostForm(initial=PostForm.initial_for(post))
        return render(request, "content/post_form.html", {"form": form, "post": post})
    form = PostForm(request.POST)
    if form.is_valid():
        try:
            services.update_post(
                post=post,
                actor=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                tags=form.cleaned_data["tags"],
            )
        except InvalidContent as error:
            show_on_form(form, error)
        else:
            messages.success(request, "Your changes are saved.")
            return redirect("content:post", slug=post.slug)
    # The service may have changed the instance before refusing; show the stored post.
    post.refresh_from_db()
    return render(request, "content/post_form.html", {"form": form, "post": post})


@login_required
@require_POST
def post_publish(request: HttpRequest, slug: str) -> HttpResponse:
    post = selectors.post_for_viewer(request.user, slug=slug)
    try:
        services.publish_post(post=post, actor=request.user)
    except PostAlreadyPublished as error:
        messages.info(request, str(error))
    else:
        messages.success(request, "Your post is published.")
    return redirect("content:post", slug=post.slug)


@login_required
@require_POST
def comment_create(request: HttpRequest, slug: str) -> HttpResponse:
    post = selectors.post_for_viewer(request.user, slug=slug)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.add_comment(
                post=post, actor=request.user, body=form.cleaned_data["body"]
            )
        except InvalidContent as error:
            show_on_form(form, error)
        except CommentsClosed as error:
            # A draft's page has no comment form to show the error in.
            show_as_message(request, error)
            return redirect("content:post", slug=post.slug)
        else:
            post_url = reverse("content:post", kwargs={"slug": post.slug})
            return redirect(f"{post_url}#comment-{comment.pk}")
    return _render_post(request, post, comment_form=form)


@login_required
@require_POST
def post_delete(request: HttpRequest, slug: str) -> HttpResponse:
    post = selectors.post_for_viewer(request.user, slug=slug)
    services.delete_post(post=post, actor=request.user)
    messages.success(request, "The post is deleted.")
    return redirect("content:drafts" if not post.is_published else "content:feed")


@login_required
@require_POST
def comment_hide(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    post = selectors.post_for_viewer(request.user, slug=slug)
    comment = selectors.comment_for_viewer(request.user, pk=comment_id, post=post)
    services.hide_comment(comment=comment, actor=request.user)
    messages.success(request, "The comment is hidden.")
    return redirect(f"{reverse('content:post', kwargs={'slug': post.slug})}#comments-heading")


@login_required
@require_POST
def comment_delete(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    post = selectors.post_for_viewer(request.user, slug=slug)
    comment = selectors.comment_for_viewer(request.user, pk=comment_id, post=post)
    services.delete_comment(comment=comment, actor=request.user)
    messages.success(request, "The comment is deleted.")
    return redirect(f"{reverse('content:post', kwargs={'slug': post.slug})}#comments-heading")


@login_required
def drafts(request: HttpRequest) -> HttpResponse:
    posts = selectors.summarize(selectors.drafts_of(request.user))
    return render(request, "content/drafts.html", {"posts": posts})
