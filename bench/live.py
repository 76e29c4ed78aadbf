def rows(sizes, cache): return []
