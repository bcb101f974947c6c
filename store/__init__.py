"""SQL system of record: tables, repository functions (the only SQL) and migrations."""
