from graphene_django.views import GraphQLView


class KeelGraphQLView(GraphQLView):
    pass
