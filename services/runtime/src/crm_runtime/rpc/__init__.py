"""gRPC plumbing every api process shares: serve(), domain errors mapped to status codes,
and protobuf <-> JSON helpers."""
