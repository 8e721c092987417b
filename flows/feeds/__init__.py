"""Change feeds: ``documents`` (Atom and JSON Feed, pure), ``publish`` (after a run: files and webhook), ``server``
(the feeds over HTTP for ``modelsync serve --feed-port``)."""

from flows.feeds.documents import Change, atom_feed, change_id, json_feed
from flows.feeds.publish import FEED_ENTRIES, feed_files, publish_changes

__all__ = ["FEED_ENTRIES", "Change", "atom_feed", "change_id", "feed_files", "json_feed", "publish_changes"]
