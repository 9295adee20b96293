"""Click commands, one module per command family; each calls plain functions."""
