"""Who may do what: the credential behind a request, the role x action matrix and data
scopes, the dependency every route declares, and the audit log of every write."""
