"""Archive: normalized report rows in SQLite through sqlite-utils, and consistency checks across reports."""
