"""Numbers for marketers: report SQL over daily click sums, derived fields, CSV and JSON rows."""
