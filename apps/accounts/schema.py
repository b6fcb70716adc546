"""GraphQL types and queries of the accounts app: the public author and the signed-in viewer."""

import graphene


class Author(graphene.ObjectType):
    """What anyone may see of a user next to their posts and comments (never the e-mail)."""

    id = graphene.ID(required=True)
    name = graphene.String(required=True)


class Viewer(graphene.ObjectType):
    """The signed-in user, as they see themselves."""

    id = graphene.ID(required=True)
    email = graphene.String(required=True)
    name = graphene.String(required=True)
    display_name = graphene.String(required=True)
    date_joined = graphene.DateTime(required=True)


class Query(graphene.ObjectType):
    me = graphene.Field(Viewer, description="The signed-in user; null when anonymous.")

    @staticmethod
    def resolve_me(root, info):
        user = info.context.user
        return user if user.is_authenticated else None
