"""Operator tasks over a whole deployment: backups of the embedded default and their
restore (`backups`), and re-encrypting secrets at rest under a new key (`key_rotation`).
The CLI runs them; docs/operations.md says when."""
