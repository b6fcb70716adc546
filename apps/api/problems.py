from rest_framework.views import exception_handler as problem_exception_handler  # noqa: F401
