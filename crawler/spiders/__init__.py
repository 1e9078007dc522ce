"""One spider per site; the slug is the module name, the spider name and the fixture folder."""
