"""The GraphQL endpoint: session or API-token authentication, CSRF for sessions, query limits."""

from collections.abc import Callable, Sequence
from typing import Any, cast

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.http import (
    HttpRequest,
    HttpResponseBadRequest,
    HttpResponseBase,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.views.decorators.csrf import csrf_exempt
from graphene.validation import depth_limit_validator
from graphene_django.constants import MUTATION_ERRORS_FLAG
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView, HttpError
from graphql import (
    ExecutionResult,
    GraphQLError,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
    validate_schema,
)
from graphql.language import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.validation import ASTValidationRule, ValidationContext, ValidationRule
from rest_framework.authentication import BaseAuthentication, CSRFCheck, SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.settings import api_settings

from apps.api.graphql_cost import PageSizeLimits, document_cost
from apps.api.graphql_errors import public_error
from apps.api.graphql_fragments import fragments_in_dependency_order


def depth_limit_rule(max_depth: int) -> type[ValidationRule]:
    """graphene's depth limit, applied only to documents whose fragments resolve."""
    depth_limit = depth_limit_validator(max_depth=max_depth)

    class DepthLimitRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            if fragments_in_dependency_order(context.document) is None:
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
            if isinstance(selection, FieldNode):
                if selection.alias is not None:
                    count += 1
                if selection.selection_set is not None:  # a leaf field has none
                    pending.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
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
            order = fragments_in_dependency_order(context.document)
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


class IntrospectionDisabledRule(ValidationRule):
    """Refuse `__schema` and `__type`, so the schema is not handed out; `__typename` stays.

    graphene's DisableIntrospection refuses every `__` field, `__typename` included, which
    clients (Apollo, Relay) add to their queries on their own.
    """

    def enter_field(self, node: FieldNode, *_args: object) -> None:
        if node.name.value in ("__schema", "__type"):
            self.report_error(
                GraphQLError(f"Cannot query '{node.name.value}': introspection is disabled.", node)
            )


def validation_rules() -> tuple[type[ASTValidationRule], ...]:
    # graphql-core uses the spec rules only when given no rules at all, so list them too.
    # The limits are read here, once per request (the view is built per request).
    rules: tuple[type[ASTValidationRule], ...] = (
        *specified_rules,
        depth_limit_rule(settings.GRAPHQL_MAX_DEPTH),
        alias_limit_rule(settings.GRAPHQL_MAX_ALIASES),
    )
    if not settings.GRAPHQL_INTROSPECTION:
        rules += (IntrospectionDisabledRule,)
    return rules


def _fields_in(document: DocumentNode) -> int:
    """Fields as written in the document, in operations and fragments (spreads not expanded)."""
    # Type definitions parse too (validation refuses them); they have no selection set.
    pending = [getattr(d, "selection_set", None) for d in document.definitions]
    count = 0
    while pending:
        selection_set = pending.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                count += 1
            pending.append(getattr(selection, "selection_set", None))
    return count


def _bad_request(message: str) -> HttpError:
    return HttpError(HttpResponseBadRequest(message))


def _refusal(status: int, message: str, **headers: str) -> JsonResponse:
    return JsonResponse({"errors": [{"message": message}]}, status=status, headers=headers)


def _authenticate_by_header(request: HttpRequest) -> tuple[Any, Any] | None:
    """(user, auth) from the first of REST's authentication classes that reads a header.

    The same classes as the REST API (REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]), so
    a token accepted there is accepted here; the session one is left to Django's middleware,
    which has already run, and to the CSRF check that goes with it.
    """
    # api_settings imports the dotted paths; the stubs type the setting as written (strings).
    classes: Sequence[type[BaseAuthentication]] = api_settings.DEFAULT_AUTHENTICATION_CLASSES  # type: ignore[assignment]
    # Header authentication reads request.META alone, which a Django request has.
    header_request = cast(Request, request)
    for authentication_class in classes:
        if issubclass(authentication_class, SessionAuthentication):
            continue
        authenticated = authentication_class().authenticate(header_request)
        if authenticated is not None:
            return authenticated
    return None


def _no_view(request: HttpRequest) -> HttpResponseBase:
    """The view and `get_response` handed to CSRFCheck, which calls neither."""
    raise AssertionError("CSRFCheck calls no view")


# graphene-django has no type information: its GraphQLView is Any to mypy.
class KeelGraphQLView(GraphQLView):  # type: ignore[misc]
    """GraphQL over HTTP for browsers (session cookie) and API clients (`Authorization: Bearer`).

    A request with a token header is authenticated by that token alone and needs no CSRF
    token: a third-party page cannot make a browser send it. A request riding on a signed-in
    session passes Django's CSRF check, as any form post would. Batching stays off.

    Before a document runs it passes, in order: the token cap (while parsing), the field cap
    (before validation, whose overlapping-fields rule is quadratic in repeated fields), the
    validation rules (spec, depth, aliases, introspection), then the cost limit, which needs a
    valid document and the variables. GraphiQL, introspection and suggestions in error messages
    follow the settings, read on each request.
    """

    page_size_limits: PageSizeLimits = {}

    def __init__(self, *, page_size_limits: PageSizeLimits | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("validation_rules", validation_rules())
        kwargs.setdefault("graphiql", settings.GRAPHQL_GRAPHIQL)
        super().__init__(**kwargs)
        if page_size_limits is not None:
            self.page_size_limits = page_size_limits

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., HttpResponseBase]:
        view: Callable[..., HttpResponseBase] = super().as_view(**initkwargs)
        # CSRF is checked in dispatch, once we know how the request is authenticated.
        return csrf_exempt(view)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            by_token = _authenticate_by_header(request)
        except AuthenticationFailed as exc:
            challenge = getattr(exc, "auth_header", None) or "Bearer"
            return _refusal(401, str(exc.detail), **{"WWW-Authenticate": challenge})
        if by_token is not None:
            request.user = by_token[0]
        elif request.user.is_authenticated:
            csrf_failure = self._csrf_failure(request)
            if csrf_failure:
                return _refusal(403, f"CSRF failed: {csrf_failure}")
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)
        return response

    @staticmethod
    def _csrf_failure(request: HttpRequest) -> str | None:
        """Django's CSRF verdict on this request: None when it passes, else the reason."""
        check = CSRFCheck(_no_view)
        check.process_request(request)  # reads the CSRF cookie into request.META
        # CSRFCheck returns the reason where Django's middleware returns a 403; the stubs
        # give it the middleware's return type.
        return check.process_view(request, _no_view, (), {})  # type: ignore[return-value]

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        """The request's parameters; a body that is not UTF-8 or not a JSON object gets a 400.

        graphene-django's own parsing lets a deeply nested body raise RecursionError and an
        `application/graphql` body that is not UTF-8 raise UnicodeDecodeError (both 500s).
        """
        content_type = self.get_content_type(request)
        if content_type not in ("application/json", "application/graphql"):
            parsed: dict[str, Any] = super().parse_body(request)
            return parsed
        try:
            body = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise _bad_request("The request body is not UTF-8.") from None
        if content_type == "application/graphql":
            return {"query": body}
        try:
            # orjson, as the REST API's parser (apps/api/parsers.py): it refuses documents
            # nested deeper than 1,024 levels instead of recursing once per level.
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            if exc.msg.startswith("depth limit"):
                raise _bad_request("The JSON body is nested too deeply.") from None
            raise _bad_request("POST body sent invalid JSON.") from None
        if not isinstance(data, dict):
            raise _bad_request("The received data is not a valid JSON query.")
        return data

    @staticmethod
    def get_graphql_params(
        request: HttpRequest, data: dict[str, Any]
    ) -> tuple[str | None, dict[str, Any] | None, str | None, str | None]:
        query, variables, operation_name, id = GraphQLView.get_graphql_params(request, data)
        if query is not None and not isinstance(query, str):
            raise _bad_request("`query` must be a string.")
        if variables is not None and not isinstance(variables, dict):
            raise _bad_request("`variables` must be a JSON object.")
        if operation_name is not None and not isinstance(operation_name, str):
            raise _bad_request("`operationName` must be a string.")
        return query, variables, operation_name, id

    def execute_graphql_request(
        self,
        request: HttpRequest,
        data: dict[str, Any],
        query: str | None,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        show_graphiql: bool = False,
    ) -> ExecutionResult | None:
        """graphene-django's flow, with the caps, the cost limit and error masking added.

        Its own method parses without a token cap, validates without hiding suggestions and
        returns resolver exceptions as they are, so it is replaced rather than extended.
        """
        if not query:
            if show_graphiql:
                return None
            raise _bad_request("Must provide query string.")
        schema = self.schema.graphql_schema
        schema_errors = validate_schema(schema)
        if schema_errors:
            return ExecutionResult(data=None, errors=schema_errors)
        try:
            # Comments are capped with the tokens: the lexer keeps each one in memory too.
            document = parse(
                query,
                max_lexical_tokens=settings.GRAPHQL_MAX_TOKENS,
                max_comments=settings.GRAPHQL_MAX_TOKENS,
            )
        except GraphQLError as error:
            return ExecutionResult(data=None, errors=[error])
        fields = _fields_in(document)
        if fields > settings.GRAPHQL_MAX_FIELDS:
            message = (
                f"The document has {fields} fields; at most {settings.GRAPHQL_MAX_FIELDS} "
                "are allowed."
            )
            return ExecutionResult(data=None, errors=[GraphQLError(message)])

        operation = get_operation_ast(document, operation_name)
        if (
            request.method == "GET"  # Django upper-cases the method
            and operation is not None
            and operation.operation != OperationType.QUERY
        ):
            if show_graphiql:
                return None
            raise HttpError(
                HttpResponseNotAllowed(
                    ["POST"],
                    f"Can only perform a {operation.operation.value} operation from a POST "
                    "request.",
                )
            )

        hide_suggestions = not settings.GRAPHQL_SUGGESTIONS
        errors = validate(
            schema,
            document,
            self.validation_rules,
            graphene_settings.MAX_VALIDATION_ERRORS,
            hide_suggestions=hide_suggestions,
        )
        if errors:
            return ExecutionResult(data=None, errors=errors)
        cost = document_cost(schema, document, variables, self.page_size_limits)
        if cost > settings.GRAPHQL_MAX_COST:
            return ExecutionResult(data=None, errors=[_cost_error(cost)])

        try:
            result = self._execute(request, document, variables, operation_name, operation)
        except Exception as exc:  # a bug below execute(): never show its text
            return ExecutionResult(data=None, errors=[public_error(_located(exc))])
        if result.errors:
            result = ExecutionResult(
                data=result.data,
                errors=[public_error(error) for error in result.errors],
                extensions=result.extensions,
            )
        return result

    def _execute(
        self,
        request: HttpRequest,
        document: DocumentNode,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        operation: OperationDefinitionNode | None,
    ) -> ExecutionResult:
        options: dict[str, Any] = {
            "root_value": self.get_root_value(request),
            "context_value": self.get_context(request),
            "variable_values": variables,
            "operation_name": operation_name,
            "middleware": self.get_middleware(request),
            "hide_suggestions": not settings.GRAPHQL_SUGGESTIONS,
        }
        if self.execution_context_class:
            options["execution_context_class"] = self.execution_context_class
        schema = self.schema.graphql_schema
        atomic = graphene_settings.ATOMIC_MUTATIONS is True or (
            connection.settings_dict.get("ATOMIC_MUTATIONS", False) is True
        )
        # An awaitable only from async resolvers, which a WSGI view has none of.
        if operation is not None and operation.operation == OperationType.MUTATION and atomic:
            with transaction.atomic():
                result = cast(ExecutionResult, execute(schema, document, **options))
                if getattr(request, MUTATION_ERRORS_FLAG, False) is True:
                    transaction.set_rollback(True)
            return result
        return cast(ExecutionResult, execute(schema, document, **options))


def _cost_error(cost: int) -> GraphQLError:
    limit = settings.GRAPHQL_MAX_COST
    # Fragments spread within fragments multiply; don't print a number of 1,000 digits.
    shown = f"{cost}" if cost <= 1_000_000_000 else "over a billion"
    return GraphQLError(
        f"The document costs {shown} (objects its lists may return); at most {limit} is allowed.",
        extensions={"code": "cost_limit", "cost": min(cost, 1_000_000_000), "limit": limit},
    )


def _located(exc: Exception) -> GraphQLError:
    """An exception raised outside any resolver, as a GraphQL error that masks its text."""
    if isinstance(exc, GraphQLError):
        return exc
    return GraphQLError(str(exc), original_error=exc)
