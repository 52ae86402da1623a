"""Programs: the JSON API blueprint under /api/v1 and the API keys it accepts."""
