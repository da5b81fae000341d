"""The HTTP operations, one module per resource. A route declares its action
(`Depends(authorize(...))`), takes its models and proto mappers from gateway.schemas and
its service clients from gateway.dependencies, and never imports another route
(import-linter holds it to that)."""
