"""Small helpers every package of the domain may use (pagination, spreadsheet cells,
time, ids, adapter slots). The bottom layer: it imports nothing of `commerce`."""
