"""API plumbing shared by the REST and GraphQL surfaces: problem details, pagination, views."""
