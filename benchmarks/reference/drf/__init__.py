"""Plain Django + DRF: a ModelViewSet with page-number pagination and no cache."""
