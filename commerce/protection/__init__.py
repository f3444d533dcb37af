"""Content protection as sellers and admins use it: the leak tracer (which purchase a
suspicious file came from) and revoking that purchase's access. The marks themselves
are `commerce.fingerprints`; delivery puts them on each buyer's copy."""
