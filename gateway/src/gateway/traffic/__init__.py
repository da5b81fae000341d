"""What keeps traffic safe: rate limits, idempotency keys, retries and circuit breakers,
and the middleware around every request."""
