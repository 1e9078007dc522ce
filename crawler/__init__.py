"""The Scrapy project: spiders, pipelines, parsing helpers."""
