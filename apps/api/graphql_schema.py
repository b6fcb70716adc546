"""The GraphQL schema served at /graphql/: root types composed from every app's declaration.

An app joins by naming a module in its AppConfig's `graphql_schema`
(apps/kernel/declarations.py) that defines `Query` and/or `Mutation` (graphene object types
whose fields become root fields) and `PAGE_SIZE_LIMITS`, the largest page of each of its
paginated fields, which the view's cost limit reads (apps/api/graphql_cost.py).
"""

import graphene

from apps.kernel.declarations import declared_modules


def _root_type(name: str, parts: list[type]) -> type[graphene.ObjectType] | None:
    if not parts:
        return None
    # Fields of the first app listed in INSTALLED_APPS come first, as Python's MRO orders them.
    return type(name, (*parts, graphene.ObjectType), {})


_modules = declared_modules("graphql_schema")
Query = _root_type("Query", [module.Query for module in _modules if hasattr(module, "Query")])
Mutation = _root_type(
    "Mutation", [module.Mutation for module in _modules if hasattr(module, "Mutation")]
)

schema = graphene.Schema(query=Query, mutation=Mutation)

PAGE_SIZE_LIMITS: dict[tuple[str, str], int] = {}
for _module in _modules:
    PAGE_SIZE_LIMITS.update(getattr(_module, "PAGE_SIZE_LIMITS", {}))
