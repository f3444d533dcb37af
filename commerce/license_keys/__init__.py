"""License keys as text: their format, generation and parsing (`format`), and their
encryption at rest (`vault`). Below the catalogue, which imports keys, and licensing,
which issues and checks them."""
