"""What a GraphQL document costs: how many objects its paginated lists may return."""

from collections.abc import Mapping
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
)
from graphql.language import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
)
from graphql.pyutils import Undefined
from graphql.utilities import value_from_ast_untyped

from apps.api.graphql_fragments import fragments_by_name, fragments_in_dependency_order

# The largest page of each paginated field, by (type name, field name). A paginated field takes
# its page size as `first`; every other field returns as many objects as its parent does.
PageSizeLimits = Mapping[tuple[str, str], int]
PAGE_SIZE_ARGUMENT = "first"


def document_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    page_size_limits: PageSizeLimits,
) -> int:
    """The objects every operation of a valid document may return from paginated lists, summed.

    A paginated field costs its page size times the page sizes of the lists it is nested in:
    `posts(first: 100) { items { comments(first: 100) { body } } }` costs 100 + 100 * 100. Each
    alias counts, and a fragment counts each time it is spread. A page size given by a variable
    counts the variable's value (else its default, else the field's default); one that cannot be
    read, or is over the field's maximum, counts as the maximum.
    """
    order = fragments_in_dependency_order(document)
    if order is None:
        return 0  # never valid; the spec rules have refused it already
    fragments = fragments_by_name(document)
    total = 0
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        page_sizes = _PageSizes(operation, variables or {}, page_size_limits)
        # The cost is linear in the number of times a selection runs, so each fragment is
        # costed once per operation, for one run, before the selections that spread it.
        fragment_costs: dict[str, int] = {}
        for name in order:
            fragment = fragments[name]
            on_type = schema.get_type(fragment.type_condition.name.value)
            fragment_costs[name] = _selection_cost(
                schema, fragment.selection_set, on_type, fragment_costs, page_sizes
            )
        root_type = schema.get_root_type(operation.operation)
        total += _selection_cost(
            schema, operation.selection_set, root_type, fragment_costs, page_sizes
        )
    return total


class _PageSizes:
    """The page size each paginated field of one operation asks for."""

    def __init__(
        self,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
        limits: PageSizeLimits,
    ) -> None:
        self.variables = variables
        self.limits = limits
        self.variable_defaults = {
            definition.variable.name.value: value_from_ast_untyped(definition.default_value)
            for definition in operation.variable_definitions or ()
            if definition.default_value is not None
        }

    def of(self, type_name: str, field: GraphQLField, node: FieldNode) -> int | None:
        """The page size of `node`, a selection of `field` on the type named `type_name`;
        None when the field is not paginated."""
        limit = self.limits.get((type_name, node.name.value))
        if limit is None:
            return None
        value = Undefined
        for argument in node.arguments:
            if argument.name.value == PAGE_SIZE_ARGUMENT:
                value = self._value(argument.value)
        if value is Undefined or value is None:
            # Absent or null: the resolver takes the argument's default.
            value = field.args[PAGE_SIZE_ARGUMENT].default_value
        if not isinstance(value, int) or isinstance(value, bool):
            return limit
        # A larger page is refused by the field itself; a negative one returns nothing.
        return min(max(value, 0), limit)

    def _value(self, node: ValueNode) -> Any:
        if not isinstance(node, VariableNode):
            return value_from_ast_untyped(node)
        name = node.name.value
        if name in self.variables:
            return self.variables[name]
        return self.variable_defaults.get(name, Undefined)


def _selection_cost(
    schema: GraphQLSchema,
    selection_set: SelectionSetNode,
    parent_type: GraphQLNamedType | None,
    fragment_costs: dict[str, int],
    page_sizes: _PageSizes,
) -> int:
    """The cost of one run of a selection set (iterative: nesting is bounded by tokens only)."""
    cost = 0
    pending: list[tuple[SelectionSetNode, GraphQLNamedType | None, int]] = [
        (selection_set, parent_type, 1)
    ]
    while pending:
        selections, on_type, runs = pending.pop()
        for selection in selections.selections:
            if isinstance(selection, FragmentSpreadNode):
                cost += runs * fragment_costs[selection.name.value]
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner_type = schema.get_type(condition.name.value) if condition else on_type
                pending.append((selection.selection_set, inner_type, runs))
            elif isinstance(selection, FieldNode):
                # The types with fields; a union's selections are __typename alone.
                if not isinstance(on_type, GraphQLObjectType | GraphQLInterfaceType):
                    continue
                field = on_type.fields.get(selection.name.value)
                if field is None:
                    continue  # __typename and introspection: no rows behind them
                page_size = page_sizes.of(on_type.name, field, selection)
                inner_runs = runs
                if page_size is not None:
                    inner_runs = runs * page_size
                    cost += inner_runs
                if selection.selection_set is not None:
                    pending.append(
                        (selection.selection_set, get_named_type(field.type), inner_runs)
                    )
    return cost
