"""RFC 9457 problem details: every REST error leaves as `application/problem+json`.

A problem carries `type`, `title`, `status` and `detail`, plus two members of ours: `code`, a
stable machine-readable string, and for invalid input `errors`, one {field, message, code}
per complaint. Errors with no meaning beyond their HTTP status use the type `about:blank`
and the status phrase as title; Keel's own problems use `urn:keel:problem:<code>`.
"""

from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from apps.kernel.errors import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"
GENERIC_TYPE = "about:blank"
VALIDATION_CODE = "invalid"


def problem_type(code: str) -> str:
    return f"urn:keel:problem:{code}"


def problem_response(
    *,
    status: int,
    detail: str,
    code: str,
    title: str | None = None,
    type_: str = GENERIC_TYPE,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A DRF response holding one problem, with the problem+json content type."""
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    return Response(body, status=status, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: domain, Django and DRF errors as problems; others stay 500."""
    response = _domain_problem(exc) or _framework_problem(exc, context)
    if response is not None:
        # As DRF's own handler does: an error must not commit half of an ATOMIC_REQUESTS view.
        set_rollback()
    return response


def _domain_problem(exc: Exception) -> Response | None:
    """A `DomainError` as its class describes it (apps/kernel/errors.py); None for others."""
    if not isinstance(exc, DomainError):
        return None
    headers = exc.headers()
    if exc.status == 401:
        # RFC 9110: a 401 names a scheme the client can use.
        headers.setdefault("WWW-Authenticate", "Bearer")
    errors = None
    if exc.field is not None:
        errors = [{"field": exc.field, "message": str(exc), "code": exc.code}]
    return problem_response(
        status=exc.status,
        title=exc.title,
        type_=problem_type(exc.code),
        detail=str(exc),
        code=exc.code,
        errors=errors,
        headers=headers,
    )


def _framework_problem(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        # Django's message may name a model ("No Post matches..."); say nothing of the kind.
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None

    if isinstance(exc, exceptions.ValidationError):
        return _validation_problem(exc)

    status = exc.status_code
    detail = str(exc.detail)
    headers: dict[str, str] = {}
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        # DRF turns these into 403 when the first authentication class (session) sends no
        # challenge. API clients need 401 to know they should authenticate, and RFC 9110
        # requires a 401 to name a scheme they can use: the token one.
        status = 401
        headers["WWW-Authenticate"] = getattr(exc, "auth_header", None) or "Bearer"
    wait = getattr(exc, "wait", None)  # Throttled's
    if wait:
        headers["Retry-After"] = str(int(wait))
    if isinstance(exc, exceptions.UnsupportedMediaType):
        detail, accept_headers = _unsupported_media_type(exc, context)
        headers.update(accept_headers)
    return problem_response(
        status=status,
        detail=detail,
        code=getattr(exc.detail, "code", None) or exc.default_code,
        headers=headers,
    )


def _validation_problem(exc: exceptions.ValidationError) -> Response:
    errors = list(_flatten_errors(exc.detail))
    if len(errors) == 1:
        detail = errors[0]["message"]
    else:
        detail = f"The request has {len(errors)} invalid values; see errors."
    return problem_response(
        # 422: the JSON was well-formed but its content is not acceptable; 400 stays for
        # requests that cannot be parsed at all.
        status=422,
        title="Invalid input",
        type_=problem_type(VALIDATION_CODE),
        detail=detail,
        code=VALIDATION_CODE,
        errors=errors,
    )


def _flatten_errors(detail: Any, field: str | None = None) -> Iterator[dict[str, Any]]:
    """DRF's nested error detail as flat {field, message, code} items; `tags.2` for list items."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _flatten_errors(value, str(key) if field is None else f"{field}.{key}")
    elif isinstance(detail, list):
        for item in detail:
            yield from _flatten_errors(item, field)
    else:
        yield {
            "field": field,
            "message": str(detail),
            "code": getattr(detail, "code", None) or VALIDATION_CODE,
        }


def _unsupported_media_type(
    exc: exceptions.UnsupportedMediaType, context: dict[str, Any]
) -> tuple[str, dict[str, str]]:
    """Say which media types the endpoint reads, in the detail and in Accept-Post/-Patch."""
    view = context.get("view")
    request = context.get("request")
    parsers = view.get_parsers() if view is not None else []
    accepted = ", ".join(parser.media_type for parser in parsers) or "application/json"
    headers = {}
    method = getattr(request, "method", "")
    if method == "POST":
        headers["Accept-Post"] = accepted
    elif method == "PATCH":
        headers["Accept-Patch"] = accepted
    return f"{exc.detail} Send the body as {accepted}.", headers


# --- schema ---------------------------------------------------------------------------------


class ProblemErrorSerializer(serializers.Serializer[dict[str, Any]]):
    field = serializers.CharField(
        allow_null=True,
        help_text=f"The input field at fault (`tags.2` for an item of a list), "
        f"`{api_settings.NON_FIELD_ERRORS_KEY}` or null for the input as a whole.",
    )
    message = serializers.CharField()
    code = serializers.CharField()


class ProblemSerializer(serializers.Serializer[dict[str, Any]]):
    """An RFC 9457 problem details object, as every error response carries."""

    type = serializers.CharField(help_text="`about:blank` or `urn:keel:problem:<code>`.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text="Stable machine-readable error code.")
    # DRF's metaclass takes declared fields out of the class, so this field leaves the
    # `errors` property of serializers alone; the stubs cannot know that.
    errors = ProblemErrorSerializer(  # type: ignore[assignment]
        many=True, required=False, help_text="Present when the input was invalid."
    )


_PROBLEM_DESCRIPTIONS = {
    400: "Malformed request (unparseable or too deeply nested JSON) or invalid credentials.",
    401: "Not authenticated: send `Authorization: Bearer <token>` or a session cookie.",
    403: "Authenticated, but not allowed (an object permission said no, or CSRF failure).",
    404: "No such resource, or hidden from you (drafts of others).",
    409: "The request conflicts with the resource's state.",
    413: "The body is larger than the server accepts (`DATA_UPLOAD_MAX_MEMORY_SIZE`).",
    415: "The body is not JSON.",
    422: "The input is invalid; `errors` says where.",
    429: "Too many attempts; `Retry-After` says when to try again.",
}


def problem_responses(*statuses: int) -> dict[tuple[int, str], OpenApiResponse]:
    """Schema entries for error responses, to merge into `extend_schema(responses=...)`."""
    return {
        (status, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            response=ProblemSerializer, description=_PROBLEM_DESCRIPTIONS[status]
        )
        for status in statuses
    }
