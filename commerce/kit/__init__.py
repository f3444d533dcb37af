"""Small helpers every package of the domain may use: pagination, spreadsheet-safe
CSV cells, the UTC clock and date labels, ids and email addresses from outside, and
the slots the composition root plugs adapters into. The bottom layer: of `commerce`
it imports only `commerce.errors`."""
