"""One file a schema version; never edit a released one: add the next."""
