"""The team desk: cases shared through a PostgreSQL database (no Qt, no server of desk's own).

The case file stays the reviewer's offline working copy. What travels is its custody log, entry
by entry as desk wrote and signed them, with the row values and originals the entries' digests
name; a working copy is rebuilt from them (`desk.core.replay`). Who may see and add what is
enforced by PostgreSQL itself: roles, grants, row-level security and triggers (`migrations`).

Modules: `server` (connecting, the schema's version), `migrations` (the schema, versioned),
`members` (teams and their members), `rows` (row values as they travel), `originals`
(content-addressed chunks), `push`, `pull` and `listing`.
"""
