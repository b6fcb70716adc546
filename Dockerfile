# One image for every Keel process type (web, ws, worker, beat); the command picks the role.
FROM python:3.13-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv PATH="/opt/venv/bin:$PATH"
RUN pip install --no-cache-dir "uv==0.13.9"
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project
COPY . .
RUN DJANGO_SETTINGS_MODULE=config.settings.dev KEEL_VAR_DIR=/app/var \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 keel && mkdir -p /app/var && chown -R keel /app/var
USER keel
EXPOSE 8000
CMD ["granian", "--interface", "wsgi", "--host", "0.0.0.0", "--port", "8000", "config.wsgi:application"]
