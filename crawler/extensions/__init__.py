"""Scrapy extensions: the run lock and the crawl_runs recorder (switched in settings.py)."""
