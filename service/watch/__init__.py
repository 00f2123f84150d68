"""The watcher: poll publishers' feeds and article pages, save each new version of a story.

Versions it finds are ordinary versions: the same Submission and `GitStore.save` as a POST.
Network and parsing libraries (trafilatura, protego, feedparser) load only when a watch runs.
"""
