"""Downloader and spider middlewares, one concern per module, switched and ordered in settings.py."""
