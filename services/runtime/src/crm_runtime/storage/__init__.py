"""Storage: the Mongo unit of work and tenant-scoped collections, its in-memory twin,
and the helpers every repository uses (versioned save, keyset paging, index names)."""
