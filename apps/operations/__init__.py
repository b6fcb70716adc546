"""Operations: running the platform's processes, health checks and error pages."""
