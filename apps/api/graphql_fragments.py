"""The fragments of a parsed GraphQL document, ordered so each comes after those it spreads."""

from graphql.language import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


def fragments_by_name(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def spread_names(selection_set: SelectionSetNode) -> set[str]:
    """The fragments spread in a selection set, at any depth, not counting what they spread."""
    names: set[str] = set()
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                names.add(selection.name.value)
            elif (
                isinstance(selection, FieldNode | InlineFragmentNode)
                and selection.selection_set is not None  # a leaf field has none
            ):
                pending.append(selection.selection_set)
    return names


def fragments_in_dependency_order(document: DocumentNode) -> list[str] | None:
    """The document's fragments, each after the fragments it spreads; None when they don't resolve.

    They don't resolve when a spread names an undefined fragment or a fragment spreads itself,
    directly or through others. graphene's depth validator crashes on such documents (KeyError,
    endless recursion); the spec rules (KnownFragmentNames, NoFragmentCycles) report them.
    """
    fragments = fragments_by_name(document)
    spreads = {name: spread_names(f.selection_set) for name, f in fragments.items()}
    used = set().union(
        *spreads.values(),
        *(
            spread_names(d.selection_set)
            for d in document.definitions
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
