# Mounted under /w/<slug>/ by config/urls.py.
workspace_patterns: list = []
