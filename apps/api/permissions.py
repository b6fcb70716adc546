"""Object permissions for REST views: the question every surface asks, `user.has_perm`.

A view declares which permission each of its actions needs on the object it acts on:

    permission_classes = [IsAuthenticatedOrReadOnly, DeclaredObjectPermissions]
    object_permissions = {"partial_update": "content.change_post", ...}

and calls `self.check_object_permissions(request, obj)` once it holds the object (DRF's
`get_object` does). Actions the mapping leaves out need no object permission. A refusal
raises the permission's domain error (apps/kernel/permissions.py: `not_post_author`,
`not_allowed`...), which the problem handler turns into its status and code.
"""

from django.core.exceptions import ImproperlyConfigured
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSetMixin

from apps.kernel.permissions import require_perm


class DeclaredObjectPermissions(BasePermission):
    """Asks `request.user.has_perm(view.object_permissions[view.action], obj)`."""

    def has_object_permission(self, request: Request, view: APIView, obj: object) -> bool:
        if not isinstance(view, ViewSetMixin):  # only a viewset has actions to map
            raise ImproperlyConfigured(f"{type(view).__name__}: object permissions need a viewset")
        permission = getattr(view, "object_permissions", {}).get(view.action)
        if permission is not None:
            require_perm(request.user, permission, obj)
        return True
