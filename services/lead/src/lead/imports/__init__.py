"""Bulk import of leads from CSV files (ADR 14): the file's domain (layout, rows, jobs),
the api's use cases (upload, start, progress, row errors), the job store, the worker's
runner that captures rows in batches, and the proto mapping. Rows are captured by the
same `capture()` as POST /v1/leads, on a batch-aware implementation of its storage."""
