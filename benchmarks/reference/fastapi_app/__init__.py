"""FastAPI + SQLAlchemy 2 (async, asyncpg): the same endpoints and JSON as the DRF reference."""
