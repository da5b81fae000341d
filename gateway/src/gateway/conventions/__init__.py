"""The API convention (docs/api.md) in code: problem+json, ETag / If-Match, paging,
instants, CSV for Excel, and the OpenAPI document that declares them."""
