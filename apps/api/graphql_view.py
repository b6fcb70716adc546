"""The GraphQL endpoint: session or API-token authentication, CSRF for sessions, query limits."""

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView
from graphql import GraphQLError, specified_rules
from graphql.language import FragmentDefinitionNode, OperationDefinitionNode
from graphql.validation import ValidationContext, ValidationRule
from rest_framework.authentication import CSRFCheck, TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


def _fragments_are_sound(context: ValidationContext) -> bool:
    """True when every fragment spread names a defined fragment and no fragment spreads itself.

    graphene's depth validator crashes on documents that break either (KeyError, endless
    recursion); the spec rules (KnownFragmentNames, NoFragmentCycles) report those properly.
    """
    definitions = context.document.definitions
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    spreads = {
        name: {spread.name.value for spread in context.get_fragment_spreads(f.selection_set)}
        for name, f in fragments.items()
    }
    used = set().union(
        *spreads.values(),
        *(
            {spread.name.value for spread in context.get_fragment_spreads(d.selection_set)}
            for d in definitions
            if isinstance(d, OperationDefinitionNode)
        ),
    )
    if not used <= fragments.keys():
        return False
    # Kahn's algorithm: the spread graph is acyclic when every fragment can be peeled off.
    pending = {name: set(targets) for name, targets in spreads.items()}
    while True:
        leaves = {name for name, targets in pending.items() if not targets}
        if not leaves:
            return not pending
        for name in leaves:
            del pending[name]
        for targets in pending.values():
            targets -= leaves


def depth_limit_rule(max_depth: int) -> type[ValidationRule]:
    """graphene's depth limit, applied only to documents whose fragments resolve."""
    depth_limit = depth_limit_validator(max_depth=max_depth)

    class DepthLimitRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            if not _fragments_are_sound(context):
                return
            try:
                depth_limit(context)
            except RecursionError:
                context.report_error(GraphQLError("The operation is nested too deeply."))

    return DepthLimitRule


def validation_rules() -> tuple[type[ValidationRule], ...]:
    # graphql-core uses the spec rules only when given no rules at all, so list them too.
    return (*specified_rules, depth_limit_rule(settings.GRAPHQL_MAX_DEPTH))


def _refusal(status: int, message: str, **headers: str) -> JsonResponse:
    return JsonResponse({"errors": [{"message": message}]}, status=status, headers=headers)


class KeelGraphQLView(GraphQLView):
    """GraphQL over HTTP for browsers (session cookie) and API clients (`Authorization: Token`).

    A request with a token header is authenticated by that token alone and needs no CSRF
    token: a third-party page cannot make a browser send it. A request riding on a signed-in
    session passes Django's CSRF check, as any form post would. Batching stays off.
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("validation_rules", validation_rules())
        super().__init__(**kwargs)

    @classmethod
    def as_view(cls, **initkwargs):
        # CSRF is checked in dispatch, once we know how the request is authenticated.
        return csrf_exempt(super().as_view(**initkwargs))

    def dispatch(self, request, *args, **kwargs):
        try:
            by_token = TokenAuthentication().authenticate(request)
        except AuthenticationFailed as exc:
            return _refusal(401, str(exc.detail), **{"WWW-Authenticate": "Token"})
        if by_token is not None:
            request.user = by_token[0]
        elif request.user.is_authenticated:
            csrf_failure = self._csrf_failure(request)
            if csrf_failure:
                return _refusal(403, f"CSRF failed: {csrf_failure}")
        return super().dispatch(request, *args, **kwargs)

    @staticmethod
    def _csrf_failure(request) -> str | None:
        """Django's CSRF verdict on this request: None when it passes, else the reason."""
        check = CSRFCheck(lambda request: None)
        check.process_request(request)  # reads the CSRF cookie into request.META
        return check.process_view(request, None, (), {})
