"""Orders from the stores: webhooks blueprint, deliveries, exactly-once recording, attribution."""
