"""Post and comment endpoints: thin over the content selectors and services."""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from apps.api.pagination import CommentCursorPagination, PostCursorPagination
from apps.api.permissions import DeclaredObjectPermissions
from apps.api.problems import problem_responses
from apps.api.renderers import RenderedJSON
from apps.api.validation import validated_data
from apps.caching.edge import is_canonical_host, mark_for_edge, surrogate_keys
from apps.caching.queries import remember_query
from apps.caching.query_params import declared_values
from apps.content import selectors, services
from apps.content.api.presenters import PostPresenter
from apps.content.api.serializers import (
    CommentInputSerializer,
    CommentSerializer,
    PostFilterSerializer,
    PostInputSerializer,
    PostSerializer,
)
from apps.content.cache_tags import CONTENT_MODELS, EDGE_TTL, QUERY_TTL
from apps.content.models import Comment, Post

# The query parameters each read uses; cache keys hold these alone (any other is ignored).
READ_PARAMS = {
    "list": (
        "tag",
        "mine",
        PostCursorPagination.cursor_query_param,
        PostCursorPagination.page_size_query_param,
    ),
    "retrieve": (),
}


@extend_schema_view(
    list=extend_schema(
        summary="Posts you may read, newest first",
        parameters=[PostFilterSerializer],
        responses={200: PostSerializer(many=True), **problem_responses(404, 422)},
    ),
    create=extend_schema(
        summary="Write a draft",
        request=PostInputSerializer,
        responses={201: PostSerializer, **problem_responses(400, 401, 415, 422)},
    ),
    retrieve=extend_schema(
        summary="One post",
        responses={200: PostSerializer, **problem_responses(404)},
    ),
    partial_update=extend_schema(
        summary="Change a post's title, body or tags (author only)",
        request=PostInputSerializer,
        responses={200: PostSerializer, **problem_responses(400, 401, 403, 404, 415, 422)},
    ),
    destroy=extend_schema(
        summary="Delete a post (author only)",
        responses={
            204: OpenApiResponse(description="Deleted."),
            **problem_responses(401, 403, 404),
        },
    ),
)
class PostViewSet(viewsets.GenericViewSet):
    # Published posts are for everyone, drafts for their author only: a draft of someone
    # else answers 404 to every request, as if it did not exist. What may be done to a post
    # is asked of user.has_perm (apps/content/rules.py), here and again in the services.

    permission_classes = [IsAuthenticatedOrReadOnly, DeclaredObjectPermissions]
    object_permissions = {
        "partial_update": "content.change_post",
        "destroy": "content.delete_post",
        "publish": "content.publish_post",
        "comments": "content.view_post",
        "add_comment": "content.add_comment",
    }
    serializer_class = PostSerializer
    pagination_class = PostCursorPagination
    lookup_value_converter = "int"
    # No PUT: a PATCH sends what changes.
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # Set by a list read whose tag filter matched nothing: any caller can try tag after
    # tag, so such pages are kept by neither the query cache nor the edge.
    _filter_found_nothing = False

    def get_queryset(self):
        # Only drf-spectacular asks for it (to type the schema); the actions below call the
        # selectors with the arguments each needs.
        return selectors.posts_visible_to(self.request.user)

    def _post(self) -> Post:
        post = selectors.post_for_viewer(self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, post)
        return post

    def _present(self, pk: int, *, status_code: int = status.HTTP_200_OK) -> Response:
        # Read through the selector, also after a write: the services return the bare row,
        # without the comment count or fresh tags the representation shows.
        row = selectors.post_row_for_viewer(self.request.user, pk=pk)
        return Response(PostPresenter(self.request).post(row), status=status_code)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            self.action in READ_PARAMS
            and self._canonical_path(request)
            and self._page_size_as_shown()
            and not self._filter_found_nothing
        ):
            # Anonymous reads are the same for everyone: the edge cache may keep them.
            mark_for_edge(
                request,
                response,
                ttl=EDGE_TTL,
                tags=surrogate_keys(CONTENT_MODELS),
                params=READ_PARAMS[self.action],
            )
        return response

    def _canonical_path(self, request) -> bool:
        # /api/posts/007/ reads post 7 too; only /api/posts/7/ is kept at the edge, so
        # padded ids cannot fill it with copies.
        pk = self.kwargs.get("pk")
        return pk is None or request.path_info.endswith(f"/{pk}/")

    def _page_size_as_shown(self) -> bool:
        # A page size that is not one the list serves as given (?page_size=abc, =0100,
        # =999 all read as another) would make one more copy of a page per spelling.
        raw = self.request.query_params.get(PostCursorPagination.page_size_query_param)
        return raw is None or (
            len(raw) <= 3
            and raw.isascii()
            and raw.isdecimal()
            and str(int(raw)) == raw
            and 1 <= int(raw) <= PostCursorPagination.max_page_size
        )

    def _cached_read(self, build) -> RenderedJSON:
        """A GET's body from the query cache, per viewer and representation, kept encoded.

        Keyed on what the body depends on: the viewer, the scheme and host of its links,
        the action and post, and the query parameters the action reads. A request with any
        other parameter, or one given twice, or a page size spelt otherwise than the list
        reads it, is answered without the cache (its links would repeat them), so new query
        strings never make new entries.
        """
        request = self.request
        params = declared_values(request.query_params, READ_PARAMS[self.action])
        if (
            params is None
            or not self._page_size_as_shown()
            or not is_canonical_host(request.META.get("HTTP_HOST", ""), request.get_port())
        ):
            return RenderedJSON.of(build())
        key = (
            # The entry's format is in its key: processes of an older release, running
            # beside this one during a deploy, never read entries they cannot render.
            "content.api.rendered.2",
            request.user.pk,
            request.scheme,
            request.get_host(),
            self.action,
            self.kwargs.get("pk"),
            params,
            # The representation negotiated from Accept (one renderer today: JSON).
            request.accepted_renderer.format,
        )
        return remember_query(
            key,
            ttl=QUERY_TTL,
            tags=CONTENT_MODELS,
            compute=lambda: RenderedJSON.of(build()),
            keep=lambda _body: not self._filter_found_nothing,
        )

    def list(self, request):
        return Response(self._cached_read(self._list_body))

    def _list_body(self) -> dict:
        request = self.request
        params = request.query_params
        paginator = self.paginator
        if not isinstance(paginator, PostCursorPagination):
            raise ImproperlyConfigured("PostViewSet pages its list with PostCursorPagination.")
        # The filters' defaults need no validation; most feed reads send none.
        filters: dict[str, Any] = {"tag": None, "mine": False}
        if "tag" in params or "mine" in params:
            filters |= validated_data(PostFilterSerializer, params)
        rows = paginator.paginate_rows(
            request,
            lambda **page: selectors.post_page_visible_to(
                request.user, tag=filters["tag"] or None, mine=filters["mine"], **page
            ),
        )
        self._filter_found_nothing = bool(filters["tag"]) and not rows
        return paginator.get_paginated_response(PostPresenter(request).posts(rows)).data

    def create(self, request):
        data = validated_data(PostInputSerializer, self.request.data)
        post = services.create_post(actor=request.user, **data)
        response = self._present(post.pk, status_code=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(
            reverse("api:post-detail", kwargs={"pk": post.pk})
        )
        return response

    def retrieve(self, request, pk=None):
        return Response(self._cached_read(lambda: self._present(pk).data))

    def partial_update(self, request, pk=None):
        post = self._post()
        data = validated_data(PostInputSerializer, self.request.data, partial=True)
        services.update_post(post=post, actor=request.user, **data)
        return self._present(post.pk)

    def destroy(self, request, pk=None):
        services.delete_post(post=self._post(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="posts_publish",
        summary="Publish a draft (author only)",
        request=None,
        responses={200: PostSerializer, **problem_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        post = services.publish_post(post=self._post(), actor=request.user)
        return self._present(post.pk)

    @extend_schema(
        operation_id="posts_comments_list",
        summary="Comments on a post, oldest first",
        responses={200: CommentSerializer(many=True), **problem_responses(404)},
    )
    @action(
        detail=True,
        methods=["get"],
        pagination_class=CommentCursorPagination,
        serializer_class=CommentSerializer,
    )
    def comments(self, request, pk=None):
        comments = selectors.comments_for_post(self._post())
        page = self.paginate_queryset(comments)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="posts_comments_create",
        summary="Comment on a published post",
        request=CommentInputSerializer,
        responses={201: CommentSerializer, **problem_responses(400, 401, 404, 409, 415, 422)},
    )
    @comments.mapping.post
    def add_comment(self, request, pk=None):
        post = self._post()
        data = validated_data(CommentInputSerializer, self.request.data)
        comment = services.add_comment(post=post, actor=request.user, body=data["body"])
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    destroy=extend_schema(
        summary="Delete a comment (its author, or staff)",
        responses={
            204: OpenApiResponse(description="Deleted."),
            **problem_responses(401, 403, 404),
        },
    ),
)
class CommentViewSet(viewsets.GenericViewSet):
    """Acting on one comment: delete it, or hide it from every reader."""

    permission_classes = [IsAuthenticated, DeclaredObjectPermissions]
    object_permissions = {
        "destroy": "content.delete_comment",
        "hide": "content.hide_comment",
    }
    serializer_class = CommentSerializer
    lookup_value_converter = "int"
    http_method_names = ["post", "delete", "options"]

    def get_queryset(self):
        # Only drf-spectacular asks for it (to type the schema); get_object reads the selector.
        return Comment.objects.none()

    def get_object(self) -> Comment:
        comment = selectors.comment_for_viewer(self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, comment)
        return comment

    def destroy(self, request, pk=None):
        services.delete_comment(comment=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="comments_hide",
        summary="Hide a comment from every reader (the post's author, or a moderator)",
        request=None,
        responses={
            204: OpenApiResponse(description="Hidden."),
            **problem_responses(401, 403, 404),
        },
    )
    @action(detail=True, methods=["post"])
    def hide(self, request, pk=None):
        services.hide_comment(comment=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
