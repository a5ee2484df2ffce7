"""Reports for regional and federal health authorities (R-EGZ-4, EGISZ.md §5 row 31): aggregates
only, with small cells suppressed (docs/reports.md)."""
