"""The GraphQL schema served at /graphql/: the root types composed from each app's schema."""

import graphene

from apps.accounts import schema as accounts_schema
from apps.content import schema as content_schema


class Query(accounts_schema.Query, content_schema.Query, graphene.ObjectType):
    pass


class Mutation(content_schema.Mutation, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)

# The paginated fields of every app and their largest page: the view's cost limit reads them.
PAGE_SIZE_LIMITS = {**content_schema.PAGE_SIZE_LIMITS}
