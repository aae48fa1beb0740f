"""Crawler: Scrapy spiders that walk each portal's 年报 column (see crawler/settings.py)."""
