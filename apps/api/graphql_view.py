"""The GraphQL endpoint: session or API-token authentication, CSRF for sessions, query limits."""

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView
from graphql import GraphQLError, specified_rules
from graphql.language import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.validation import ValidationContext, ValidationRule
from rest_framework.authentication import CSRFCheck
from rest_framework.exceptions import AuthenticationFailed

from apps.accounts.api.authentication import CachedTokenAuthentication


def _fragments_in_dependency_order(context: ValidationContext) -> list[str] | None:
    """The document's fragments, each after the fragments it spreads; None when they don't resolve.

    They don't resolve when a spread names an undefined fragment or a fragment spreads itself,
    directly or through others. graphene's depth validator crashes on such documents (KeyError,
    endless recursion); the spec rules (KnownFragmentNames, NoFragmentCycles) report them.
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
        return None
    # Kahn's algorithm, linear in the spreads: a fragment is ready once all it spreads are.
    # The spread graph is acyclic exactly when every fragment becomes ready.
    waiting = {name: len(targets) for name, targets in spreads.items()}
    spread_by: dict[str, list[str]] = {name: [] for name in fragments}
    for name, targets in spreads.items():
        for target in targets:
            spread_by[target].append(name)
    ready = [name for name, count in waiting.items() if count == 0]
    order: list[str] = []
    while ready:
        name = ready.pop()
        order.append(name)
        for dependent in spread_by[name]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                ready.append(dependent)
    return order if len(order) == len(fragments) else None


def depth_limit_rule(max_depth: int) -> type[ValidationRule]:
    """graphene's depth limit, applied only to documents whose fragments resolve."""
    depth_limit = depth_limit_validator(max_depth=max_depth)

    class DepthLimitRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            if _fragments_in_dependency_order(context) is None:
                return
            try:
                depth_limit(context)
            except RecursionError:
                context.report_error(GraphQLError("The operation is nested too deeply."))

    return DepthLimitRule


def _aliases_in(selection_set: SelectionSetNode, aliases_per_fragment: dict[str, int]) -> int:
    """Aliased fields in a selection set, each fragment spread counting its fragment's aliases."""
    count, pending = 0, [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                count += aliases_per_fragment[selection.name.value]
                continue
            if isinstance(selection, FieldNode) and selection.alias is not None:
                count += 1
            if selection.selection_set is not None:
                pending.append(selection.selection_set)
    return count


def alias_limit_rule(max_aliases: int) -> type[ValidationRule]:
    """Refuse documents with more than `max_aliases` aliased fields (alias batching).

    Aliases let one request ask for the same expensive field many times over, past any limit
    that counts requests. Every operation of the document counts, and a fragment counts each
    time it is spread, because each spread runs its fields again.
    """

    class AliasLimitRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            order = _fragments_in_dependency_order(context)
            if order is None:
                return  # the spec rules report the broken fragments
            definitions = context.document.definitions
            fragments = {
                d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)
            }
            aliases_per_fragment: dict[str, int] = {}
            for name in order:
                aliases_per_fragment[name] = _aliases_in(
                    fragments[name].selection_set, aliases_per_fragment
                )
            operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
            total = sum(_aliases_in(op.selection_set, aliases_per_fragment) for op in operations)
            if total > max_aliases:
                # Fragments spread within fragments multiply; don't print a number of 1,000 digits.
                uses = f"{total}" if total <= 1_000_000 else "over a million"
                context.report_error(
                    GraphQLError(
                        f"The document uses {uses} aliases; at most {max_aliases} are allowed.",
                        operations,
                    )
                )

    return AliasLimitRule


def validation_rules() -> tuple[type[ValidationRule], ...]:
    # graphql-core uses the spec rules only when given no rules at all, so list them too.
    # The limits are read here, once per request (the view is built per request).
    return (
        *specified_rules,
        depth_limit_rule(settings.GRAPHQL_MAX_DEPTH),
        alias_limit_rule(settings.GRAPHQL_MAX_ALIASES),
    )


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
            by_token = CachedTokenAuthentication().authenticate(request)
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
