"""Events between services: the envelope and its schema, the transactional outbox and
its relay, and the inbox that makes consumers idempotent."""
