"""REST API of content: posts and their comments."""
