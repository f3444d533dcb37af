"""License keys: generation, import, encryption at rest, allocation and activation."""
