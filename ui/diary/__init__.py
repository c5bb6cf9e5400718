"""The privacy diary: what trackers could have concluded, day by day, as a document to keep.

``collect`` gathers the facts (per-day replays of the store, or of a log loaded into a temporary
one); ``build`` turns them into the diary model, a JSON-able dict (docs/diary.schema.json); the
format modules only render that dict, so every format states the same numbers.
"""

FORMATS = ("html", "md", "json", "csv", "pdf")
